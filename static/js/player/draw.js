// What the player shows: the countdown, the step and what comes next, the progress, the
// controls, the end screen, and what screen readers hear (an aria-live region that hears each
// phase once, never the countdown). It draws a state; it never changes one.

import { remaining } from "./clock.js";

const $ = (id) => document.getElementById(id);

export class View {
  // `onCountdown` is called as the shown time reaches 3, 2 and 1 seconds; `onSoundTap` when
  // "Tap for sound" is tapped. `progress`: each phase's "Step 2 of 7", as the server words it
  // (steps, not phases: rests do not count).
  constructor(root, timeline, { title, onCountdown, onSoundTap, progress }) {
    this.root = root;
    this.timeline = timeline;
    this.progress = progress;
    this.onCountdown = onCountdown;
    this.onSoundTap = onSoundTap;
    this.routineTitle = title || document.title.split(" · ")[0];
    this.lastSecs = null;
  }

  // One large button while sound is held back. Once sound runs it stays where it is, saying
  // "Sound on", until the step changes: nothing moves under the finger that tapped it.
  drawSoundPrompt(show) {
    let button = $("sound-prompt");
    if (!show) {
      if (!button || button.classList.contains("is-on")) return;
      button.textContent = "Sound on";
      button.classList.add("is-on");
      button.setAttribute("aria-disabled", "true");
      return;
    }
    if (!button) {
      button = make("button", "sound-prompt", "");
      button.type = "button";
      button.id = "sound-prompt";
      button.addEventListener("click", () => this.onSoundTap());
      $("player-status").after(button);
    }
    button.textContent = "Tap for sound";
    button.classList.remove("is-on");
    button.removeAttribute("aria-disabled");
  }

  // A player swapped into the page gets the focus a new page would give it.
  focusTitle() {
    $("player-title")?.focus({ preventScroll: true });
  }

  // Without JavaScript the page offers Next (the server moves on); here the phone moves on by
  // itself, so the button skips the rest of a phase.
  useSkip() {
    const skip = this.root.querySelector(".control-next");
    if (!skip) return;
    skip.classList.replace("control-next", "control-skip");
    skip.elements.action.value = "skip";
    const button = skip.querySelector("button");
    button.dataset.action = "skip";
    button.textContent = "Skip";
  }

  drawClock(ms) {
    if (ms == null) return;
    const secs = Math.max(0, Math.ceil(ms / 1000));
    if (secs === this.lastSecs) return;
    if (this.lastSecs === secs + 1 && secs >= 1 && secs <= 3) this.onCountdown();
    this.lastSecs = secs;
    $("player-timer").textContent = clockText(secs);
  }

  // The performance.now() time the phase began, for bench/player_lag.py.
  markStarted(s) {
    if (s.started != null) this.root.dataset.phaseStarted = String(s.started);
  }

  drawPhase(s) {
    const { phases, count } = this.timeline;
    const timed = (i) => this.timeline.timed(i);
    const root = this.root;
    const i = s.phase;
    const p = phases[i];
    this.markStarted(s);
    dropSoundNote();
    root.dataset.phase = String(i);
    setText("player-progress", this.progress[i]);
    const bar = $("player-bar");
    if (bar) {
      bar.max = count;
      bar.value = i + 1;
      bar.textContent = this.progress[i];
    }
    setText("player-side", this.sideText(p));
    setText("player-title", p.title);
    const box = $("player-timer");
    box.classList.toggle("reps", !timed(i));
    box.setAttribute("aria-label", timed(i) ? "Time left" : "Repetitions");
    this.lastSecs = null;
    if (!timed(i)) box.textContent = `${p.reps} reps`;
    else this.drawClock(remaining(s, performance.now()));
    setText("player-instruction", p.instruction);
    drawImage(p.image);
    const after = phases[i + 1];
    setText("player-next", after ? `Next: ${after.title} · ${amount(after)}` : "Last step");
    for (const input of root.querySelectorAll("input[name=phase]")) input.value = String(i);
  }

  drawControls(s) {
    const root = this.root;
    const show = {
      pause: !s.paused && this.timeline.timed(s.phase),
      resume: s.paused,
      done: !this.timeline.timed(s.phase),
    };
    const focused = document.activeElement?.closest?.("form");
    for (const [action, visible] of Object.entries(show)) {
      const form = root.querySelector(`.control-${action}`);
      if (form) form.hidden = !visible;
    }
    // A keyboard user whose button just went away lands on the one that took its place. The
    // controls are a sticky bar, always on screen: no scroll (the bar's scroll-padding would
    // push the page up and slide End under the sticky header on a short screen).
    if (focused?.hidden && root.contains(focused)) {
      const shown = Object.keys(show).find((action) => show[action]);
      root.querySelector(`.control-${shown} button`)?.focus({ preventScroll: true });
    }
    setText("player-status", s.paused ? "Paused" : "");
    root.classList.toggle("is-paused", s.paused);
  }

  sideText(p) {
    if (p.kind === "rest") return "Rest";
    if (p.kind === "ready") return "Get ready";
    if (p.switch_sides) return `Switch sides: ${p.side} leg`;
    if (p.side === "left" || p.side === "right") return `${p.side === "left" ? "Left" : "Right"} leg`;
    return this.routineTitle;
  }

  // Screen readers hear each phase once, never the countdown.
  announce(text) {
    setText("player-announcer", text);
  }

  announcePhase(s) {
    const p = this.timeline.phases[s.phase];
    const side = p.side === "left" || p.side === "right" ? `${p.side} leg` : "";
    const parts = [`${this.progress[s.phase]}: ${p.title}`, spokenAmount(p)];
    if (side && p.kind === "work") parts.push(p.switch_sides ? `switch to your ${side}` : side);
    this.announce(parts.join(", ") + (s.paused ? ". Paused." : ""));
  }

  // A control or the end is waiting to reach the server.
  savedLater() {
    setText("player-status", "Saved when you are back online.");
  }

  // The end, shown at once; the server's summary replaces it once the server agrees.
  showEnd(early) {
    const root = this.root;
    const eyebrow = make("p", "eyebrow", this.routineTitle);
    // Praise waits for the server's summary, which knows what was done and what was skipped.
    const heading = make("h1", "", early ? "Ended early" : "End of the routine");
    heading.id = "player-title";
    heading.tabIndex = -1;
    const status = make("p", "muted", "Saving…");
    status.id = "player-status";
    status.setAttribute("role", "status");
    root.className = "page summary";
    const hadFocus = root.contains(document.activeElement);
    root.replaceChildren(eyebrow, heading, status, $("player-announcer"));
    if (hadFocus) heading.focus();
  }
}

// "Sound on" has been read: the next step does without it.
function dropSoundNote() {
  const note = $("sound-prompt");
  if (!note?.classList.contains("is-on")) return;
  if (note.contains(document.activeElement)) $("player-title")?.focus();
  note.remove();
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

function setText(id, text) {
  const node = $(id);
  if (node) node.textContent = text;
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

// Seconds as the countdown shows them: m:ss.
export function clockText(secs) {
  return `${Math.floor(secs / 60)}:${String(secs % 60).padStart(2, "0")}`;
}

// A phase's length as the page writes it: "45 s", "2 min 30 s", "10 reps".
export function amount(p) {
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
export function spokenAmount(p) {
  if (p.duration_ms == null) return `${p.reps} reps`;
  const secs = Math.round(p.duration_ms / 1000);
  const m = Math.floor(secs / 60);
  const s = secs % 60;
  const unit = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (!m) return unit(s, "second");
  return s ? `${unit(m, "minute")} ${unit(s, "second")}` : unit(m, "minute");
}
