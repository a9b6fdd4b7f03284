// Unknot's guided player: enhances templates/player/run.html.
//
// Time: the server says how many milliseconds are left; the script counts that down against
// performance.now() (never Date.now(), never by adding up ticks). Phases move on locally at
// their exact boundary, so nothing waits on the network. Controls apply at once and are sent
// in the background; a control that cannot be sent waits in a queue (memory and localStorage)
// and is sent later with how long ago it happened.
//
// This module holds the run's state as the phone sees it and wires the parts together:
// player/clock.js (state maths and the tick), player/draw.js (the DOM), player/queue.js (the
// server), player/cues.js (tones, vibration, voice), player/wakelock.js (the screen).

import { Ticker, Timeline, fromServer, loadAnchor, remaining } from "./player/clock.js";
import { Cues } from "./player/cues.js";
import { View } from "./player/draw.js";
import { OfflineRecorder } from "./player/offline.js";
import { ControlQueue } from "./player/queue.js";
import { ScreenLock } from "./player/wakelock.js";

const root = document.getElementById("player");
const dataNode = document.getElementById("player-data");
if (root && dataNode) start(JSON.parse(dataNode.textContent));

function start({ phases, state, urls, offline }) {
  const timeline = new Timeline(phases);
  let st = timeline.settle(fromServer(state, loadAnchor()), performance.now());
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
  const cues = new Cues();
  const view = new View(root, timeline, { onCountdown: () => st.paused || cues.countdown() });
  const lock = new ScreenLock(() => !st.finished && !st.paused);

  // Move on past any phase that has ended, then show the time left.
  function tick() {
    ticker.stop();
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
    if (st.finished || !timeline.fits(action, st)) return;
    controls.add(action, st.phase, now);
    change(timeline.apply(action, timeline.settle(st, now), now));
    tick();
    controls.flush();
  }

  // Keep our state unless the server's differs in phase, pause or end (a control it refused,
  // another device); then take the server's, re-anchored at its response time.
  function adopt(payload, at) {
    if (st.finished || controls.busy) return;
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
    view.announce(st.early ? "Routine ended." : "Routine finished. Well done.");
    if (!st.early) cues.finished();
    view.showEnd(st.early);
    controls.checkFinished();
  }

  // Wiring -----------------------------------------------------------------------------------

  cues.bindSettings(document.getElementById("cue-settings"));
  view.useSkip();

  document.getElementById("player-controls")?.addEventListener("submit", (event) => {
    event.preventDefault();
    control(event.target.elements.action.value);
  });

  // Space pauses and resumes, unless it belongs to another field.
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
    addEventListener(type, () => cues.unlock(), { capture: true, passive: true });
  }
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    tick();
    lock.sync();
    controls.sync();
  });
  // A page from the back-forward cache or the history cache shows an old state: ask.
  addEventListener("pageshow", (event) => event.persisted && (tick(), controls.sync()));
  const restored = performance.getEntriesByType?.("navigation")?.[0]?.type === "back_forward";
  addEventListener("online", () =>
    st.finished && !controls.length ? controls.checkFinished() : controls.flush(),
  );

  view.drawPhase(st);
  view.drawControls(st);
  if (st.finished) finish();
  else {
    tick();
    lock.sync();
    if (controls.length) controls.flush();
    else if (restored) controls.sync();
  }
}
