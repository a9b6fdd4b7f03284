// The player's clock: the run's state at any moment, worked out on the phone.
//
// The server says how many milliseconds are left; the player counts that down against
// performance.now() (never Date.now(), never by adding up ticks). Phases move on locally at
// their exact boundary, so nothing waits on the network.
//
// A state: {phase, paused, finished, early, ends (performance.now() time the phase ends, if
// running and timed), left (ms left, if paused and timed), started (when the phase began),
// seq (counts the phases entered on this page)}. States are never changed in place: each
// change is a new object, so `next !== st` says something moved.

// A server state this close to ours (a phase boundary crossed a moment earlier or later) is
// the same state seen through the network's latency.
const toleranceMs = 1000;

// The page's state was true when its response started. Under a test's fake clock there
// are no performance entries, and a page that htmx swapped in (its address is not the one
// the document loaded) has none of its own: then now is the anchor.
export function loadAnchor() {
  const now = performance.now();
  const nav = performance.getEntriesByType?.("navigation")?.[0];
  const ours = nav && new URL(nav.name, location.href).pathname === location.pathname;
  return ours && nav.responseStart > 0 ? Math.min(nav.responseStart, now) : now;
}

// The server's state (player_data's `state`, or a state/ or control/ answer), anchored at
// `at`, the performance.now() time it was true.
export function fromServer(s, at) {
  const next = { phase: s.phase, paused: s.paused, finished: s.finished, early: s.ended_early };
  next.ends = s.remaining_ms == null || s.paused || s.finished ? null : at + s.remaining_ms;
  next.left = s.paused ? s.remaining_ms : null;
  return next;
}

// Milliseconds left in the phase at `now`; null for a phase counted in reps.
export function remaining(s, now) {
  if (s.paused) return s.left;
  return s.ends == null ? null : Math.max(0, s.ends - now);
}

// The routine's phases and the moves between them.
export class Timeline {
  constructor(phases) {
    this.phases = phases;
    this.count = phases.length;
  }

  timed(i) {
    return this.phases[i].duration_ms != null;
  }

  enter(s, index, at) {
    if (index >= this.count) return { ...s, finished: true, paused: false, ends: null, started: at };
    const ms = this.phases[index].duration_ms;
    return {
      ...s,
      phase: index,
      started: at,
      seq: (s.seq || 0) + 1,
      ends: s.paused || ms == null ? null : at + ms,
      left: s.paused ? ms : null,
    };
  }

  // Move past every timed phase that has ended by `now`, each at its exact boundary.
  settle(s, now) {
    while (!s.finished && !s.paused && s.ends != null && now >= s.ends) {
      s = this.enter(s, s.phase + 1, s.ends);
    }
    return s;
  }

  // Whether a control makes sense in state `s` (the buttons shown are the ones that fit).
  fits(action, s) {
    if (action === "pause") return !s.paused && this.timed(s.phase);
    if (action === "resume") return s.paused;
    if (action === "done") return !this.timed(s.phase);
    return true;
  }

  // The state after a control tapped at `now`.
  apply(action, s, now) {
    if (action === "pause") return { ...s, paused: true, left: remaining(s, now), ends: null };
    if (action === "resume") {
      return { ...s, paused: false, ends: s.left == null ? null : now + s.left, left: null };
    }
    if (action === "back") return this.enter(s, Math.max(0, s.phase - 1), now);
    if (action === "end") return { ...s, finished: true, early: true, paused: false, started: now };
    return this.enter(s, s.phase + 1, now); // skip, done
  }

  // Milliseconds until the routine ends by itself; null when that depends on a person (a
  // pause, a phase counted in reps).
  timeToEnd(s, now) {
    if (s.finished) return 0;
    if (s.paused || s.ends == null) return null;
    let total = s.ends - now;
    for (let i = s.phase + 1; i < this.count; i++) {
      if (!this.timed(i)) return null;
      total += this.phases[i].duration_ms;
    }
    return total;
  }

  // Whether the server's state and ours (both settled at `now`) are the same, allowing for
  // a phase boundary crossed up to toleranceMs apart.
  agrees(theirs, ours, now) {
    const same = (a, b) =>
      a.phase === b.phase && a.paused === b.paused && a.finished === b.finished;
    return (
      same(theirs, ours) ||
      same(this.settle(theirs, now + toleranceMs), ours) ||
      same(theirs, this.settle(ours, now + toleranceMs))
    );
  }
}

// Calls `tick` again while a phase counts down: at the next change of the shown second (the
// phase end is one), at least every 100 ms.
export class Ticker {
  constructor(tick) {
    this.tick = tick;
    this.timer = 0;
  }

  stop() {
    clearTimeout(this.timer);
  }

  next(s, now) {
    if (!s.paused && s.ends != null) {
      this.timer = setTimeout(this.tick, Math.min(100, (s.ends - now) % 1000 || 1000));
    }
  }
}
