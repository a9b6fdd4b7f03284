// Cues for a phone put down during a stretch: tones, vibration and, when chosen, a voice that
// reads each step. Each can be turned off; the choices are kept in localStorage. Any cue the
// phone refuses is left out: the screen and the other cues still work.

import { readJSON, writeJSON } from "./storage.js";

const choicesKey = "unknot.cues";

export class Cues {
  constructor() {
    this.choices = { sound: true, vibrate: true, voice: false, ...readJSON(choicesKey) };
    this.audio = null;
  }

  // Browsers play sound only once the page has been tapped or typed on: call on each.
  unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      this.audio ||= new Context();
      if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    } catch {
      this.audio = null;
    }
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
    const side = p.side === "left" || p.side === "right" ? `${p.side} leg` : "";
    const heading = side && p.kind === "work" ? `${cap(side)}. ${p.title}` : p.title;
    this.speak(`${heading}. ${p.instruction}`);
  }

  // The routine ran to its end.
  finished() {
    this.tone([660, 880, 1320], 0.15);
    this.buzz([200, 100, 200, 100, 400]);
  }

  tone(freqs, seconds) {
    const audio = this.audio;
    if (!this.choices.sound || audio?.state !== "running") return;
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
