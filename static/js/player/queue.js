// The player's link to the server. Controls apply on the phone at once and are sent in the
// background, one at a time, in order; a control that cannot be sent waits in a queue (memory
// and localStorage) and is sent later with how long ago it happened, so the server applies
// it at the time it happened. Failures are tried again every few seconds and when the phone
// comes back online.

import { fromServer } from "./clock.js";
import { readJSON, writeJSON } from "./storage.js";

const retryMs = 5000;

export class ControlQueue {
  // `finished()`: whether the routine is over on the phone. `savedLater()`: say that what
  // happened is saved once the phone is back online. `adopt(payload, at)`: the server's state
  // (a state/ or control/ answer) arrived at performance.now() time `at`.
  constructor({ runId, urls, timeline, finished, savedLater, adopt }) {
    this.urls = urls;
    this.timeline = timeline;
    this.finished = finished;
    this.savedLater = savedLater;
    this.adopt = adopt;
    this.csrf = readToken();
    this.key = `unknot.queue.${runId}`;
    this.items = this.load();
    this.sending = false;
    this.retry = 0;
    this.stopped = false;
  }

  get length() {
    return this.items.length;
  }

  // Whether a control is queued or on its way: the server's state is not ours to adopt yet.
  get busy() {
    return this.items.length > 0 || this.sending;
  }

  // The player is leaving the page: no more retries (what is queued stays stored).
  stop() {
    this.stopped = true;
    clearTimeout(this.retry);
  }

  // A control tapped at performance.now() time `t` in phase `phase`.
  add(action, phase, t) {
    this.items.push({ action, phase, id: uid(), t });
    this.save();
  }

  // Send queued controls one at a time, in order. A failure (offline, 5xx) keeps the control
  // for later; a rejection (4xx) drops it and shows the server's state.
  async flush() {
    if (this.stopped || this.sending || !this.items.length) return;
    clearTimeout(this.retry);
    if (navigator.onLine === false) {
      if (this.finished()) this.savedLater();
      this.retry = setTimeout(() => this.flush(), retryMs);
      return;
    }
    this.sending = true;
    const item = this.items[0];
    const body = new URLSearchParams({
      action: item.action,
      phase: String(item.phase),
      control_id: item.id,
      offset_ms: String(Math.max(0, Math.round(performance.now() - item.t))),
    });
    let response = null;
    let at = 0;
    try {
      response = await fetch(this.urls.control, this.request(body));
      at = performance.now();
    } catch {
      response = null;
    }
    this.sending = false;
    if (!response || response.status >= 500) {
      if (this.finished()) this.savedLater();
      this.retry = setTimeout(() => this.flush(), retryMs);
      return;
    }
    this.items = this.items.filter((q) => q.id !== item.id);
    this.save();
    const theirs = await response.json().catch(() => null);
    if (this.items.length) return this.flush();
    if (this.finished()) return this.checkFinished();
    if (theirs) this.adopt(theirs, at);
  }

  // Go to the server's summary once the server agrees the run is over.
  async checkFinished() {
    clearTimeout(this.retry);
    if (this.stopped) return;
    if (this.items.length) return this.flush();
    let response;
    let at;
    try {
      response = navigator.onLine === false ? null : await fetch(this.urls.state, this.request());
      at = performance.now();
    } catch {
      response = null;
    }
    if (!response?.ok) {
      this.savedLater();
      this.retry = setTimeout(() => this.checkFinished(), retryMs);
      return;
    }
    const payload = await response.json().catch(() => null);
    const theirs = payload && fromServer(payload, at);
    if (!theirs || theirs.finished) return location.replace(this.urls.page);
    // The server ends a moment later (clocks, latency): ask again then. Otherwise it knows
    // better (another device went back, say): show its state.
    const wait = this.timeline.timeToEnd(theirs, performance.now());
    if (wait != null && wait <= 3000) this.retry = setTimeout(() => this.checkFinished(), wait + 200);
    else location.replace(this.urls.page);
  }

  // Ask the server for its state (the page was hidden, or comes from a history cache).
  async sync() {
    if (this.finished() || this.busy) return;
    try {
      const response = await fetch(this.urls.state, this.request());
      const at = performance.now();
      if (response.ok) this.adopt(await response.json(), at);
    } catch {
      // Offline: the local state carries on.
    }
  }

  request(body) {
    const headers = { Accept: "application/json" };
    if (body) headers["X-CSRFToken"] = this.csrf;
    return body
      ? { method: "POST", headers, body, credentials: "same-origin" }
      : { headers, credentials: "same-origin", cache: "no-store" };
  }

  load() {
    const stored = readJSON(this.key) || [];
    // Stored times are on this page's timeline: performance.timeOrigin + performance.now().
    return stored.map((q) => ({ ...q, t: q.at - performance.timeOrigin }));
  }

  save() {
    const items = this.items.map((q) => ({ ...q, at: performance.timeOrigin + q.t }));
    writeJSON(this.key, items.length ? items : null);
  }
}

function readToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  }
}

function uid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join("");
}
