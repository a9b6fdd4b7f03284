// The page's one Web Audio context, shared by the Start screens (js/start.js) and the player.
//
// Browsers let a page play sound only once a person has tapped or typed on it, and iPhones
// only if the context is made or resumed inside that tap's own handler. So the Start tap calls
// unlock() before anything else happens, and the player arrives in the same page (htmx swaps
// it in): the context the tap unlocked is the one the player's tones use. One ES module per
// page, so every importer shares `context`.

let context = null;
const watchers = new Set();
let startTapped = false;

// The context, if one has been made (null before the first unlock, or with no Web Audio).
export function audio() {
  return context;
}

// Whether tones can be heard now.
export function running() {
  return context?.state === "running";
}

// Make and resume the context. Call it inside a tap or key handler (the Start tap, "Tap for
// sound", any tap on the player). Resolves true once sound runs, false if it is refused.
export function unlock() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return Promise.resolve(false);
  try {
    if (!context) {
      context = new Context();
      context.addEventListener("statechange", changed);
    }
    if (context.state === "running") {
      changed(); // it may have started without a statechange the page saw
      return Promise.resolve(true);
    }
    return context.resume().then(
      () => {
        changed();
        return running();
      },
      () => {
        changed();
        return false;
      },
    );
  } catch {
    return Promise.resolve(false);
  }
}

// `fn(running)` is called whenever sound starts or stops running; returns a function that
// stops the calls.
export function watch(fn) {
  watchers.add(fn);
  return () => watchers.delete(fn);
}

function changed() {
  const now = running();
  for (const fn of watchers) fn(now);
}

// The Start tap says a run is on its way; the player that arrives takes the note once (to
// read its first step aloud).
export function noteStartTap() {
  startTapped = true;
}

export function takeStartTap() {
  const tapped = startTapped;
  startTapped = false;
  return tapped;
}
