// JSON in localStorage, for the cue choices and the control queue. Storage can be full or
// blocked (private browsing, a setting): then reads give null and writes do nothing.

export function readJSON(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

// `value` null or undefined removes the key.
export function writeJSON(key, value) {
  try {
    if (value == null) localStorage.removeItem(key);
    else localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or blocked: the in-memory copy still works.
  }
}
