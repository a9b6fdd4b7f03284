// Unknot's guided player: enhances templates/player/run.html.
//
// Time: the server says how many milliseconds are left; the script counts that down against
// performance.now() (never Date.now(), never by adding up ticks). Phases move on locally at
// their exact boundary, so nothing waits on the network. Controls apply at once and are sent
// in the background; a control that cannot be sent waits in a queue (memory and localStorage)
// and is sent later with how long ago it happened.

const $ = (id) => document.getElementById(id);
const root = $("player");
const dataNode = $("player-data");
if (root && dataNode) start(JSON.parse(dataNode.textContent));

function start({ phases, state, urls }) {
  const count = phases.length;
  const timed = (i) => phases[i].duration_ms != null;
  const routineTitle = document.title.split(" · ")[0];
  const csrf = readToken();
  const queueKey = `unknot.queue.${state.id}`;
  const retryMs = 5000;
  // A server state this close to ours (a phase boundary crossed a moment earlier or later) is
  // the same state seen through the network's latency.
  const toleranceMs = 1000;

  let st = settle(fromServer(state, loadAnchor()), performance.now());
  let timer = 0;
  let retry = 0;
  let sending = false;
  let lastSecs = null;
  let queue = loadQueue();

  // State ------------------------------------------------------------------------------------
  // {phase, paused, finished, early, ends (performance.now() time the phase ends, if running
  // and timed), left (ms left, if paused and timed), started (when the phase began)}

  function loadAnchor() {
    // The page's state was true when its response started. Under a test's fake clock there
    // are no performance entries: then now is the anchor.
    const now = performance.now();
    const nav = performance.getEntriesByType?.("navigation")?.[0];
    return nav && nav.responseStart > 0 ? Math.min(nav.responseStart, now) : now;
  }

  function fromServer(s, at) {
    const next = { phase: s.phase, paused: s.paused, finished: s.finished, early: s.ended_early };
    next.ends = s.remaining_ms == null || s.paused || s.finished ? null : at + s.remaining_ms;
    next.left = s.paused ? s.remaining_ms : null;
    return next;
  }

  function enter(s, index, at) {
    if (index >= count) return { ...s, finished: true, paused: false, ends: null, started: at };
    const ms = phases[index].duration_ms;
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
  function settle(s, now) {
    while (!s.finished && !s.paused && s.ends != null && now >= s.ends) {
      s = enter(s, s.phase + 1, s.ends);
    }
    return s;
  }

  function remaining(s, now) {
    if (s.paused) return s.left;
    return s.ends == null ? null : Math.max(0, s.ends - now);
  }

  function fits(action, s) {
    if (action === "pause") return !s.paused && timed(s.phase);
    if (action === "resume") return s.paused;
    if (action === "done") return !timed(s.phase);
    return true;
  }

  function applyLocal(action, s, now) {
    if (action === "pause") return { ...s, paused: true, left: remaining(s, now), ends: null };
    if (action === "resume") {
      return { ...s, paused: false, ends: s.left == null ? null : now + s.left, left: null };
    }
    if (action === "back") return enter(s, Math.max(0, s.phase - 1), now);
    if (action === "end") return { ...s, finished: true, early: true, paused: false, started: now };
    return enter(s, s.phase + 1, now); // skip, done
  }

  // Clock ------------------------------------------------------------------------------------

  function tick() {
    clearTimeout(timer);
    const now = performance.now();
    if (!st.finished) {
      const next = settle(st, now);
      if (next !== st) change(next);
    }
    if (st.finished) return;
    drawClock(remaining(st, now));
    if (!st.paused && st.ends != null) {
      // Wake at the next change of the shown second (the phase end is one), at least every 100 ms.
      timer = setTimeout(tick, Math.min(100, (st.ends - now) % 1000 || 1000));
    }
  }

  function drawClock(ms) {
    if (ms == null) return;
    const secs = Math.max(0, Math.ceil(ms / 1000));
    if (secs === lastSecs) return;
    if (lastSecs === secs + 1 && secs >= 1 && secs <= 3 && !st.paused) tone([660], 0.08);
    lastSecs = secs;
    $("player-timer").textContent = clock(secs);
  }

  // Changes ----------------------------------------------------------------------------------

  function change(next, adopted = false) {
    const prev = st;
    st = next;
    if (st.finished) return prev.finished || finish();
    const moved = adopted ? st.phase !== prev.phase : st.seq !== prev.seq;
    if (moved) {
      drawPhase();
      phaseCues();
    } else if (st.paused !== prev.paused) {
      announce(st.paused ? "Paused." : "Running again.");
    }
    drawControls();
    syncLock();
  }

  function control(action) {
    tick(); // first, any phase that has just ended
    const now = performance.now();
    if (st.finished || !fits(action, st)) return;
    queue.push({ action, phase: st.phase, id: uid(), t: now });
    saveQueue();
    change(applyLocal(action, settle(st, now), now));
    tick();
    flush();
  }

  // Rendering --------------------------------------------------------------------------------

  function drawPhase() {
    const i = st.phase;
    const p = phases[i];
    if (st.started != null) root.dataset.phaseStarted = String(st.started);
    root.dataset.phase = String(i);
    setText("player-progress", `Step ${i + 1} of ${count}`);
    const bar = $("player-bar");
    if (bar) {
      bar.max = count;
      bar.value = i + 1;
      bar.textContent = `${i + 1} of ${count}`;
    }
    setText("player-side", sideText(p));
    setText("player-title", p.title);
    const box = $("player-timer");
    box.classList.toggle("reps", !timed(i));
    box.setAttribute("aria-label", timed(i) ? "Time left" : "Repetitions");
    lastSecs = null;
    if (!timed(i)) box.textContent = `${p.reps} reps`;
    else drawClock(remaining(st, performance.now()));
    setText("player-instruction", p.instruction);
    drawImage(p.image);
    const after = phases[i + 1];
    setText("player-next", after ? `Next: ${after.title} · ${amount(after)}` : "Last step");
    for (const input of root.querySelectorAll("input[name=phase]")) input.value = String(i);
  }

  function drawImage(image) {
    let img = $("player-image");
    if (!image) return img?.remove();
    if (!img) {
      img = document.createElement("img");
      img.id = "player-image";
      img.className = "player-image";
      $("player-instruction").after(img);
    }
    if (img.getAttribute("src") === image.url) return;
    img.width = image.width;
    img.height = image.height;
    img.alt = image.alt || "";
    img.src = image.url;
  }

  function drawControls() {
    const show = {
      pause: !st.paused && timed(st.phase),
      resume: st.paused,
      done: !timed(st.phase),
    };
    const focused = document.activeElement?.closest?.("form");
    for (const [action, visible] of Object.entries(show)) {
      const form = root.querySelector(`.control-${action}`);
      if (form) form.hidden = !visible;
    }
    // A keyboard user whose button just went away lands on the one that took its place.
    if (focused?.hidden && root.contains(focused)) {
      const shown = Object.keys(show).find((action) => show[action]);
      root.querySelector(`.control-${shown} button`)?.focus();
    }
    setText("player-status", st.paused ? "Paused" : "");
    root.classList.toggle("is-paused", st.paused);
  }

  function setText(id, text) {
    const node = $(id);
    if (node) node.textContent = text;
  }

  function sideText(p) {
    if (p.kind === "rest") return "Rest";
    if (p.kind === "ready") return "Get ready";
    if (p.switch_sides) return `Switch sides: ${p.side} leg`;
    if (p.side === "left" || p.side === "right") return `${p.side === "left" ? "Left" : "Right"} leg`;
    return routineTitle;
  }

  // Screen readers hear each phase once, never the countdown.
  function announce(text) {
    setText("player-announcer", text);
  }

  function phaseCues() {
    const p = phases[st.phase];
    const side = p.side === "left" || p.side === "right" ? `${p.side} leg` : "";
    const parts = [`Step ${st.phase + 1} of ${count}: ${p.title}`, spokenAmount(p)];
    if (side && p.kind === "work") parts.push(p.switch_sides ? `switch to your ${side}` : side);
    announce(parts.join(", ") + (st.paused ? ". Paused." : ""));
    if (p.switch_sides) {
      tone([660, 990], 0.12);
      buzz([100, 80, 100]);
    } else {
      tone([880], 0.25);
      buzz(200);
    }
    const heading = side && p.kind === "work" ? `${cap(side)}. ${p.title}` : p.title;
    speak(`${heading}. ${p.instruction}`);
  }

  // Finishing --------------------------------------------------------------------------------

  function finish() {
    clearTimeout(timer);
    if (st.started != null) root.dataset.phaseStarted = String(st.started);
    syncLock();
    announce(st.early ? "Routine ended." : "Routine finished. Well done.");
    if (!st.early) {
      tone([660, 880, 1320], 0.15);
      buzz([200, 100, 200, 100, 400]);
    }
    const eyebrow = make("p", "eyebrow", routineTitle);
    const heading = make("h1", "", st.early ? "Routine ended" : "Well done");
    heading.id = "player-title";
    heading.tabIndex = -1;
    const status = make("p", "muted", "Saving…");
    status.id = "player-status";
    status.setAttribute("role", "status");
    root.className = "page summary";
    const hadFocus = root.contains(document.activeElement);
    root.replaceChildren(eyebrow, heading, status, $("player-announcer"));
    if (hadFocus) heading.focus();
    checkFinished();
  }

  // Go to the server's summary once the server agrees the run is over.
  async function checkFinished() {
    clearTimeout(retry);
    if (queue.length) return flush();
    let response;
    let at;
    try {
      response = navigator.onLine === false ? null : await fetch(urls.state, jsonRequest());
      at = performance.now();
    } catch {
      response = null;
    }
    if (!response?.ok) {
      setText("player-status", "Saved when you are back online.");
      retry = setTimeout(checkFinished, retryMs);
      return;
    }
    const payload = await response.json().catch(() => null);
    const theirs = payload && fromServer(payload, at);
    if (!theirs || theirs.finished) return location.replace(urls.page);
    // The server ends a moment later (clocks, latency): ask again then. Otherwise it knows
    // better (another device went back, say): show its state.
    const wait = timeToEnd(theirs, performance.now());
    if (wait != null && wait <= 3000) retry = setTimeout(checkFinished, wait + 200);
    else location.replace(urls.page);
  }

  function timeToEnd(s, now) {
    if (s.finished) return 0;
    if (s.paused || s.ends == null) return null;
    let total = s.ends - now;
    for (let i = s.phase + 1; i < count; i++) {
      if (!timed(i)) return null;
      total += phases[i].duration_ms;
    }
    return total;
  }

  // Network ----------------------------------------------------------------------------------

  function jsonRequest(body) {
    const headers = { Accept: "application/json" };
    if (body) headers["X-CSRFToken"] = csrf;
    return body
      ? { method: "POST", headers, body, credentials: "same-origin" }
      : { headers, credentials: "same-origin", cache: "no-store" };
  }

  // Send queued controls one at a time, in order. A failure (offline, 5xx) keeps the control
  // for later; a rejection (4xx) drops it and shows the server's state.
  async function flush() {
    if (sending || !queue.length) return;
    clearTimeout(retry);
    if (navigator.onLine === false) {
      if (st.finished) setText("player-status", "Saved when you are back online.");
      retry = setTimeout(flush, retryMs);
      return;
    }
    sending = true;
    const item = queue[0];
    const body = new URLSearchParams({
      action: item.action,
      phase: String(item.phase),
      control_id: item.id,
      offset_ms: String(Math.max(0, Math.round(performance.now() - item.t))),
    });
    let response = null;
    let at = 0;
    try {
      response = await fetch(urls.control, jsonRequest(body));
      at = performance.now();
    } catch {
      response = null;
    }
    sending = false;
    if (!response || response.status >= 500) {
      if (st.finished) setText("player-status", "Saved when you are back online.");
      retry = setTimeout(flush, retryMs);
      return;
    }
    queue = queue.filter((q) => q.id !== item.id);
    saveQueue();
    const theirs = await response.json().catch(() => null);
    if (queue.length) return flush();
    if (st.finished) return checkFinished();
    if (theirs) adopt(theirs, at);
  }

  async function sync() {
    if (st.finished || queue.length || sending) return;
    try {
      const response = await fetch(urls.state, jsonRequest());
      const at = performance.now();
      if (response.ok) adopt(await response.json(), at);
    } catch {
      // Offline: the local state carries on.
    }
  }

  // Keep our state unless the server's differs in phase, pause or end (a control it refused,
  // another device); then take the server's, re-anchored at its response time.
  function adopt(payload, at) {
    if (st.finished || queue.length || sending) return;
    tick();
    if (st.finished) return;
    const now = performance.now();
    const theirs = settle(fromServer(payload, at), now);
    const ours = settle(st, now);
    const same = (a, b) =>
      a.phase === b.phase && a.paused === b.paused && a.finished === b.finished;
    if (
      same(theirs, ours) ||
      same(settle(theirs, now + toleranceMs), ours) ||
      same(theirs, settle(ours, now + toleranceMs))
    ) {
      return;
    }
    st = ours;
    change({ ...theirs, started: now, seq: (ours.seq || 0) + 1 }, true);
    tick();
  }

  function loadQueue() {
    const stored = readJSON(queueKey) || [];
    // Stored times are on this page's timeline: performance.timeOrigin + performance.now().
    return stored.map((q) => ({ ...q, t: q.at - performance.timeOrigin }));
  }

  function saveQueue() {
    const items = queue.map((q) => ({ ...q, at: performance.timeOrigin + q.t }));
    writeJSON(queueKey, items.length ? items : null);
  }

  // Cues -------------------------------------------------------------------------------------

  const cues = { sound: true, vibrate: true, voice: false, ...readJSON("unknot.cues") };
  let audio = null;

  function unlockAudio() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio ||= new Context();
      if (audio.state === "suspended") audio.resume().catch(() => {});
    } catch {
      audio = null;
    }
  }

  function tone(freqs, seconds) {
    if (!cues.sound || audio?.state !== "running") return;
    try {
      let t = audio.currentTime;
      for (const freq of freqs) {
        const osc = audio.createOscillator();
        const gain = audio.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.3, t + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + seconds);
        osc.connect(gain).connect(audio.destination);
        osc.start(t);
        osc.stop(t + seconds + 0.02);
        t += seconds + 0.05;
      }
    } catch {
      // No sound: the screen and the other cues still work.
    }
  }

  function buzz(pattern) {
    // Browsers refuse (and complain about) vibration before the first tap on the page.
    if (!cues.vibrate || !navigator.vibrate || navigator.userActivation?.hasBeenActive === false) {
      return;
    }
    try {
      navigator.vibrate(pattern);
    } catch {
      // Not supported here.
    }
  }

  function speak(text) {
    if (!cues.voice || !window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
    try {
      speechSynthesis.cancel();
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "en-GB";
      speechSynthesis.speak(utterance);
    } catch {
      // No voice here.
    }
  }

  const settings = $("cue-settings");
  if (settings) {
    settings.hidden = false;
    for (const box of settings.querySelectorAll("input[data-cue]")) {
      box.checked = Boolean(cues[box.dataset.cue]);
      box.addEventListener("change", () => {
        cues[box.dataset.cue] = box.checked;
        writeJSON("unknot.cues", cues);
      });
    }
  }

  // Wake lock --------------------------------------------------------------------------------

  let lock = null;
  let locking = false;

  async function syncLock() {
    const running = !st.finished && !st.paused;
    if (!running) {
      const held = lock;
      lock = null;
      return held?.release().catch(() => {});
    }
    if (lock || locking || !navigator.wakeLock || document.visibilityState !== "visible") return;
    locking = true;
    try {
      const held = await navigator.wakeLock.request("screen");
      if (st.finished || st.paused) held.release().catch(() => {});
      else {
        lock = held;
        held.addEventListener("release", () => {
          if (lock === held) lock = null;
        });
      }
    } catch {
      // Refused or unsupported: the screen may dim, nothing else changes.
    }
    locking = false;
  }

  // Wiring -----------------------------------------------------------------------------------

  const skip = root.querySelector(".control-next");
  if (skip) {
    skip.classList.replace("control-next", "control-skip");
    skip.elements.action.value = "skip";
    const button = skip.querySelector("button");
    button.dataset.action = "skip";
    button.textContent = "Skip";
  }

  $("player-controls")?.addEventListener("submit", (event) => {
    event.preventDefault();
    control(event.target.elements.action.value);
  });

  const isSpace = (event) => event.key === " " || event.code === "Space";
  const isControl = (node) => node.closest?.("#player-controls button");
  const isOtherField = (node) =>
    !isControl(node) && node.closest?.("input, select, textarea, button, summary, [contenteditable]");
  document.addEventListener("keydown", (event) => {
    if (!isSpace(event) || st.finished || isOtherField(event.target)) return;
    event.preventDefault();
    if (!event.repeat) control(st.paused ? "resume" : "pause");
  });
  document.addEventListener("keyup", (event) => {
    if (isSpace(event) && isControl(event.target)) event.preventDefault();
  });

  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, unlockAudio, { capture: true, passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    tick();
    syncLock();
    sync();
  });
  // A page from the back-forward cache or the history cache shows an old state: ask.
  addEventListener("pageshow", (event) => event.persisted && (tick(), sync()));
  const restored = performance.getEntriesByType?.("navigation")?.[0]?.type === "back_forward";
  addEventListener("online", () => (st.finished && !queue.length ? checkFinished() : flush()));

  drawPhase();
  drawControls();
  if (st.finished) finish();
  else {
    tick();
    syncLock();
    if (queue.length) flush();
    else if (restored) sync();
  }
}

// Helpers ------------------------------------------------------------------------------------

function readToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  }
}

function readJSON(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

function writeJSON(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or blocked: the in-memory copy still works.
  }
}

function uid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}

// Seconds as the countdown shows them: m:ss.
function clock(secs) {
  return `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
}

// A phase's length as the page writes it: "45 s", "2 min 30 s", "10 reps".
function amount(p) {
  if (p.duration_ms == null) return `${p.reps} reps`;
  const secs = Math.round(p.duration_ms / 1000);
  if (secs < 60) return `${secs} s`;
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  return s ? `${m} min ${s} s` : `${m} min`;
}

// The same, as a screen reader should say it: "30 seconds", "1 minute 30 seconds".
function spokenAmount(p) {
  if (p.duration_ms == null) return `${p.reps} reps`;
  const secs = Math.round(p.duration_ms / 1000);
  const m = Math.floor(secs / 60);
  const s = secs % 60;
  const unit = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (!m) return unit(s, "second");
  return s ? `${unit(m, "minute")} ${unit(s, "second")}` : unit(m, "minute");
}

function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}
