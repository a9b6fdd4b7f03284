// Runs started with no connection (templates offline/run.html, js/offline-run.js): the phone
// keeps the run and its controls, and sends the whole run once it is back online. The server
// (POST /runs/offline/) saves a run's id once, so sending it twice is harmless.
//
// The outbox, in localStorage: {clientId: {routine, lead_in, started_at, controls}} with times
// on the phone's clock (Date.now()); the server only uses their differences from `sent_at`.

import { readJSON, writeJSON } from "./storage.js";

const OUTBOX = "unknot.offline-runs";
const UPLOAD_URL = "/runs/offline/";

// Stands in for ControlQueue (player/queue.js) when the run exists only on this phone.
export class OfflineRecorder {
  constructor({ offline }) {
    this.run = { ...offline, controls: [] };
    this.stored = false;
    // Left before the end (closed, another page): keep what was done so far.
    addEventListener("pagehide", () => this.stored || this.store());
  }

  get length() {
    return 0;
  }

  get busy() {
    return false;
  }

  // A control tapped at performance.now() time `t` in phase `phase`.
  add(action, phase, t) {
    this.run.controls.push([action, phase, Math.round(Date.now() - (performance.now() - t))]);
  }

  flush() {}

  sync() {}

  // The player is leaving the page (htmx swapped it away): keep what was done so far.
  stop() {
    if (!this.stored) this.store();
  }

  // The end: keep the run, then send it now if the phone is online and show the server's
  // summary; otherwise say it will be sent later.
  async checkFinished() {
    if (!this.stored) this.store();
    this.stored = true;
    const sent = await sendOutbox();
    const url = sent.get(this.run.client_id);
    if (url) return location.replace(url);
    const status = document.getElementById("player-status");
    if (!status || status.nextElementSibling?.classList.contains("summary-actions")) return;
    status.textContent =
      "Saved on this phone. It goes into your history when you are back online.";
    const actions = document.createElement("p");
    actions.className = "summary-actions";
    const back = document.createElement("a");
    back.className = "button secondary";
    back.href = "/routines/";
    back.textContent = "Back to the library";
    actions.append(back);
    // The summary's closing advice (the 10-minute rule), rendered into the saved page.
    const note = document.getElementById("offline-end-note");
    if (note) note.hidden = false;
    status.after(actions, ...(note ? [note] : []));
  }

  store() {
    const { client_id, ...run } = this.run;
    const outbox = readJSON(OUTBOX) || {};
    outbox[client_id] = run;
    writeJSON(OUTBOX, outbox);
  }
}

let sending = null;

// Send every run in the outbox; resolves to a Map of the runs sent: client id -> their page.
// One send at a time in this page; another tab sending the same run at once is harmless.
export function sendOutbox() {
  sending ||= send().finally(() => {
    sending = null;
  });
  return sending;
}

async function send() {
  const sent = new Map();
  const outbox = readJSON(OUTBOX) || {};
  for (const [clientId, run] of Object.entries(outbox)) {
    if (navigator.onLine === false) break;
    const body = new URLSearchParams({
      client_id: clientId,
      routine: run.routine,
      lead_in: run.lead_in ? "1" : "",
      started_at: String(run.started_at),
      sent_at: String(Math.max(Date.now(), run.started_at)),
      controls: JSON.stringify(run.controls || []),
    });
    let response;
    try {
      response = await fetch(UPLOAD_URL, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        body,
        credentials: "same-origin",
      });
    } catch {
      break; // offline after all: try again later
    }
    // A refused CSRF token (no cookie yet), a throttle or a server error: try again later.
    if ([403, 429].includes(response.status) || response.status >= 500) break;
    if (response.ok) {
      const answer = await response.json().catch(() => ({}));
      if (answer.url) sent.set(clientId, answer.url);
    }
    // Saved, or refused for good (bad data, someone else's id): out of the outbox.
    forget(clientId);
  }
  return sent;
}

function forget(clientId) {
  const outbox = readJSON(OUTBOX) || {};
  delete outbox[clientId];
  writeJSON(OUTBOX, Object.keys(outbox).length ? outbox : null);
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}
