// Cues for a phone put down during a stretch: tones, vibration and, when chosen, a voice that
// reads each step. Each can be turned off; the choices are kept in localStorage (the voice is
// also chosen on the Start screens, js/start.js). Any cue the phone refuses is left out: the
// screen and the other cues still work.

import { audio, running, takeStartTap, unlock, watch } from "./sound.js";
import { readJSON, writeJSON } from "./storage.js";

const choicesKey = "unknot.cues";

// This device's cue choices, as far as it has made any ({} when none).
export function storedChoices() {
  const stored = readJSON(choicesKey);
  return stored && typeof stored === "object" ? stored : {};
}

export function storeChoice(cue, on) {
  writeJSON(choicesKey, { ...storedChoices(), [cue]: Boolean(on) });
}

// Start speech inside a tap: some phones (iPhones) speak later only if the first utterance
// came from a tap.
export function primeVoice() {
  if (!window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
  try {
    speechSynthesis.speak(new SpeechSynthesisUtterance(""));
  } catch {
    // No voice here.
  }
}

export class Cues {
  // `defaults`: choices for what this device has not chosen (the server's voice choice).
  constructor(defaults = {}) {
    this.choices = { sound: true, vibrate: true, voice: false, ...defaults, ...storedChoices() };
  }

  // Browsers play sound only once the page has been tapped or typed on: call on each.
  // Resolves true once sound runs.
  unlock() {
    return unlock();
  }

  // Tones are wanted but the browser has not let them play yet: ask for a tap.
  needsTap() {
    return Boolean(this.choices.sound) && !running();
  }

  // Whether this page has a sound context yet (a tap made one).
  hasAudio() {
    return audio() != null;
  }

  // `fn()` is called whenever sound starts or stops running; returns a function that stops it.
  watchSound(fn) {
    return watch(fn);
  }

  // Whether a tap on Start brought this player (once: the next call says false).
  startTapped() {
    return takeStartTap();
  }

  // The settings box (hidden without JavaScript): one checkbox per cue.
  bindSettings(settings) {
    if (!settings) return;
    settings.hidden = false;
    for (const box of settings.querySelectorAll("input[data-cue]")) {
      box.checked = Boolean(this.choices[box.dataset.cue]);
      box.addEventListener("change", () => {
        this.choices[box.dataset.cue] = box.checked;
        writeJSON(choicesKey, this.choices);
        this.onChoice?.(box.dataset.cue);
      });
    }
  }

  // The shown time reached 3, 2 or 1 seconds.
  countdown() {
    this.tone([660], 0.08);
  }

  // A new phase `p` began.
  phase(p) {
    if (p.switch_sides) {
      this.tone([660, 990], 0.12);
      this.buzz([100, 80, 100]);
    } else {
      this.tone([880], 0.25);
      this.buzz(200);
    }
    this.read(p);
  }

  // Read phase `p` aloud (when the voice is on).
  read(p) {
    const side = p.side === "left" || p.side === "right" ? `${p.side} leg` : "";
    const heading = side && p.kind === "work" ? `${cap(side)}. ${p.title}` : p.title;
    this.speak(`${heading}. ${p.instruction}`);
  }

  // Sound has just been let on by a tap: a short chime says so.
  soundOn() {
    this.tone([784], 0.12);
  }

  // The routine ran to its end.
  finished() {
    this.tone([660, 880, 1320], 0.15);
    this.buzz([200, 100, 200, 100, 400]);
  }

  tone(freqs, seconds) {
    const context = audio();
    if (!this.choices.sound || context?.state !== "running") return;
    try {
      let t = context.currentTime;
      for (const freq of freqs) {
        const osc = context.createOscillator();
        const gain = context.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.3, t + 0.01);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + seconds);
        osc.connect(gain).connect(context.destination);
        osc.start(t);
        osc.stop(t + seconds + 0.02);
        t += seconds + 0.05;
      }
    } catch {
      // No sound: the screen and the other cues still work.
    }
  }

  buzz(pattern) {
    // Browsers refuse (and complain about) vibration before the first tap on the page.
    if (
      !this.choices.vibrate ||
      !navigator.vibrate ||
      navigator.userActivation?.hasBeenActive === false
    ) {
      return;
    }
    try {
      navigator.vibrate(pattern);
    } catch {
      // Not supported here.
    }
  }

  // Stop speaking (the player is leaving the page).
  hush() {
    try {
      if (this.choices.voice) window.speechSynthesis?.cancel();
    } catch {
      // No voice here.
    }
  }

  speak(text) {
    if (!this.choices.voice || !window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
    try {
      speechSynthesis.cancel();
      const utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "en-GB";
      speechSynthesis.speak(utterance);
    } catch {
      // No voice here.
    }
  }
}

function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
