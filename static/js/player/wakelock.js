// Keeps the screen on while a routine runs, and lets it dim again when it is paused or over.

export class ScreenLock {
  // `running` says whether the routine is running now (not paused, not finished).
  constructor(running) {
    this.running = running;
    this.lock = null;
    this.locking = false;
  }

  // Take or let go of the lock to match the routine. Call on every change and when the page
  // becomes visible again (the browser lets go of the lock when it is hidden).
  async sync() {
    if (!this.running()) {
      const held = this.lock;
      this.lock = null;
      return held?.release().catch(() => {});
    }
    if (this.lock || this.locking || !navigator.wakeLock || document.visibilityState !== "visible") {
      return;
    }
    this.locking = true;
    try {
      const held = await navigator.wakeLock.request("screen");
      if (!this.running()) held.release().catch(() => {});
      else {
        this.lock = held;
        held.addEventListener("release", () => {
          if (this.lock === held) this.lock = null;
        });
      }
    } catch {
      // Refused or unsupported: the screen may dim, nothing else changes.
    }
    this.locking = false;
  }
}
