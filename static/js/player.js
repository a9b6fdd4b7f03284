// Unknot's guided player: enhances templates/player/run.html.
//
// Time: the server says how many milliseconds are left; the script counts that down against
// performance.now() (never Date.now(), never by adding up ticks). Phases move on locally at
// their exact boundary, so nothing waits on the network. Controls apply at once and are sent
// in the background; a control that cannot be sent waits in a queue (memory and localStorage)
// and is sent later with how long ago it happened.
//
// The player arrives either with its page or, after a tap on Start, swapped into the Start
// screen's page by htmx (js/start.js): that keeps the tap's permission to play sound. So it
// takes over each #player that appears, and lets go of one that htmx swaps away (Back).
//
// This module holds the run's state as the phone sees it and wires the parts together:
// player/clock.js (state maths and the tick), player/draw.js (the DOM), player/queue.js (the
// server), player/cues.js (tones, vibration, voice, sound), player/wakelock.js (the screen).

import { Ticker, Timeline, fromServer, loadAnchor, remaining } from "./player/clock.js";
import { Cues } from "./player/cues.js";
import { View } from "./player/draw.js";
import { OfflineRecorder } from "./player/offline.js";
import { ControlQueue } from "./player/queue.js";
import { ScreenLock } from "./player/wakelock.js";

const mounted = new WeakSet();
let watching = false;
let swappedAt = null;
// How long a resume started by the Start tap may take before the player asks for a tap.
const soundGraceMs = 1500;

// Take over the player on this page, and each one htmx swaps in later. Safe to call again.
export function watchForPlayer() {
  if (watching) return;
  watching = true;
  // A swapped-in page was true when its response arrived, not when this page loaded. (A
  // page htmx fetches for Back or Forward has no beforeSwap: it arrived just now.)
  document.addEventListener("htmx:beforeSwap", () => {
    swappedAt = performance.now();
  });
  document.addEventListener("htmx:afterSwap", () => {
    const at = swappedAt ?? performance.now();
    swappedAt = null;
    mount(at, true);
  });
  mount(loadAnchor(), false);
}

function mount(anchor, swapped) {
  const root = document.getElementById("player");
  const dataNode = document.getElementById("player-data");
  if (!root || !dataNode || mounted.has(root)) return;
  mounted.add(root);
  start(root, JSON.parse(dataNode.textContent), anchor, swapped);
}

watchForPlayer();

function start(root, { phases, progress, state, urls, title, voice, offline }, anchor, swapped) {
  const timeline = new Timeline(phases);
  let st = timeline.settle(fromServer(state, anchor), performance.now());
  let live = true;
  const leaving = new AbortController();
  const signal = leaving.signal;
  const ticker = new Ticker(tick);
  // A run started offline lives on this phone until it is sent (player/offline.js).
  const controls = new (offline ? OfflineRecorder : ControlQueue)({
    offline,
    runId: state.id,
    urls,
    timeline,
    finished: () => st.finished,
    savedLater: () => view.savedLater(),
    adopt,
  });
  // The voice chosen on the Start screen, unless this device has its own choice.
  const cues = new Cues({ voice: Boolean(voice) });
  const view = new View(root, timeline, {
    title,
    onCountdown: () => st.paused || cues.countdown(),
    onSoundTap: () => cues.unlock(),
    progress,
  });
  const lock = new ScreenLock(() => live && !st.finished && !st.paused);

  // Move on past any phase that has ended, then show the time left.
  function tick() {
    ticker.stop();
    if (!root.isConnected) return leave();
    const now = performance.now();
    if (!st.finished) {
      const next = timeline.settle(st, now);
      if (next !== st) change(next);
    }
    if (st.finished) return;
    view.drawClock(remaining(st, now));
    ticker.next(st, now);
  }

  function change(next, adopted = false) {
    const prev = st;
    st = next;
    if (st.finished) return prev.finished || finish();
    const moved = adopted ? st.phase !== prev.phase : st.seq !== prev.seq;
    if (moved) {
      view.drawPhase(st);
      view.announcePhase(st);
      cues.phase(phases[st.phase]);
    } else if (st.paused !== prev.paused) {
      view.announce(st.paused ? "Paused." : "Running again.");
    }
    view.drawControls(st);
    lock.sync();
  }

  function control(action) {
    tick(); // first, any phase that has just ended
    const now = performance.now();
    if (!live || st.finished || !timeline.fits(action, st)) return;
    controls.add(action, st.phase, now);
    change(timeline.apply(action, timeline.settle(st, now), now));
    tick();
    controls.flush();
  }

  // Keep our state unless the server's differs in phase, pause or end (a control it refused,
  // another device); then take the server's, re-anchored at its response time.
  function adopt(payload, at) {
    if (!live || st.finished || controls.busy) return;
    tick();
    if (st.finished) return;
    const now = performance.now();
    const theirs = timeline.settle(fromServer(payload, at), now);
    const ours = timeline.settle(st, now);
    if (timeline.agrees(theirs, ours, now)) return;
    st = ours;
    change({ ...theirs, started: now, seq: (ours.seq || 0) + 1 }, true);
    tick();
  }

  function finish() {
    ticker.stop();
    view.markStarted(st);
    lock.sync();
    view.announce(st.early ? "Routine ended early." : "End of the routine.");
    if (!st.early) cues.finished();
    view.showEnd(st.early);
    controls.checkFinished();
  }

  // htmx swapped the player away (Back to the Start screen): stop its timers and listeners.
  function leave() {
    if (!live) return;
    live = false;
    ticker.stop();
    controls.stop();
    leaving.abort();
    unwatchSound();
    document.body.classList.remove("player-page");
    lock.sync();
    cues.hush();
  }

  // Sound. When tones are wanted but the browser has not let them play (the page was
  // reloaded, or the Start tap's permission did not hold), one large button asks for a tap.
  // Any tap on the page lets sound on too; the button goes once sound runs.
  let asked = false;
  function drawSound() {
    const ask = live && !st.finished && cues.needsTap();
    view.drawSoundPrompt(ask);
    if (ask && !asked) view.announce("Sound is off. Tap the Tap for sound button to hear the cues.");
    else if (!ask && asked && live && !st.finished) {
      view.announce("Sound on.");
      cues.soundOn();
    }
    asked = ask;
  }
  const unwatchSound = cues.watchSound(drawSound);
  cues.onChoice = (cue) => cue === "sound" && drawSound();

  // Wiring -----------------------------------------------------------------------------------

  cues.bindSettings(document.getElementById("cue-settings"));
  view.useSkip();
  document.body.classList.add("player-page"); // a swapped-in player keeps the page it came to
  document.addEventListener(
    "htmx:beforeCleanupElement",
    (event) => event.target === root && leave(),
    { signal },
  );

  document.getElementById("player-controls")?.addEventListener("submit", (event) => {
    event.preventDefault();
    control(event.target.elements.action.value);
  });

  // End asks first, in a dialog (without JavaScript, the link opens the same question as a
  // page). The run goes on behind it; "Keep going" just closes it.
  const endDialog = document.getElementById("end-dialog");
  if (endDialog?.showModal) {
    document.getElementById("player-end")?.addEventListener("click", (event) => {
      event.preventDefault();
      if (!st.finished) endDialog.showModal();
    });
    endDialog.querySelector("[data-keep-going]")?.addEventListener("click", (event) => {
      event.preventDefault();
      endDialog.close();
    });
    endDialog.addEventListener("submit", (event) => {
      event.preventDefault();
      endDialog.close();
      control("end");
    });
  }

  // Space pauses and resumes, unless it belongs to another field.
  const isSpace = (event) => event.key === " " || event.code === "Space";
  const isControl = (node) => node.closest?.("#player-controls button");
  const isOtherField = (node) =>
    !isControl(node) && node.closest?.("input, select, textarea, button, summary, [contenteditable]");
  document.addEventListener(
    "keydown",
    (event) => {
      if (!isSpace(event) || st.finished || endDialog?.open || isOtherField(event.target)) return;
      event.preventDefault();
      if (!event.repeat) control(st.paused ? "resume" : "pause");
    },
    { signal },
  );
  document.addEventListener(
    "keyup",
    (event) => {
      if (isSpace(event) && isControl(event.target)) event.preventDefault();
    },
    { signal },
  );

  for (const type of ["pointerdown", "keydown"]) {
    addEventListener(type, () => cues.unlock(), { capture: true, passive: true, signal });
  }
  document.addEventListener(
    "visibilitychange",
    () => {
      if (document.visibilityState !== "visible") return;
      tick();
      lock.sync();
      controls.sync();
    },
    { signal },
  );
  // A page from the back-forward cache or the history cache shows an old state: ask.
  addEventListener("pageshow", (event) => event.persisted && (tick(), controls.sync()), { signal });
  const restored =
    !swapped && performance.getEntriesByType?.("navigation")?.[0]?.type === "back_forward";
  addEventListener(
    "online",
    () => (st.finished && !controls.length ? controls.checkFinished() : controls.flush()),
    { signal },
  );

  view.drawPhase(st);
  view.drawControls(st);
  if (swapped) view.focusTitle(); // as a new page would: a screen reader starts at the step
  if (st.finished) return finish();
  tick();
  lock.sync();
  if (controls.length) controls.flush();
  else if (restored) controls.sync();
  // The Start tap let sound on in this page (or any earlier tap did): make sure, then ask for
  // a tap only if it is still off. A page nobody has tapped yet asks at once.
  if (cues.startTapped() && cues.choices.voice) cues.read(phases[st.phase]);
  if (navigator.userActivation?.hasBeenActive || cues.hasAudio()) {
    cues.unlock().then(drawSound);
    setTimeout(drawSound, soundGraceMs); // a resume that never answers
  } else drawSound();
}
