// The Start screens (a routine's page, the safety check, the summary's "Again"): the tap on
// Start lets sound and speech on, inside the tap's own handler, and htmx brings the player
// into this same page (the forms are hx-boost), so the player keeps that permission and the
// first change of step is heard with the phone put down. Without JavaScript the same forms
// post and the browser goes to the run's page.
//
// The "Read each step aloud" box is a form field (the server remembers it for the session)
// and this device's choice too (localStorage, shared with the player's cue settings).

import { watchForPlayer } from "./player.js";
import { primeVoice, storeChoice, storedChoices } from "./player/cues.js";
import { noteStartTap, unlock } from "./player/sound.js";

const startForms = "form[data-start]";
const voiceBoxes = `${startForms} input[name=voice]`;

// Tapping Start (or Enter in the form) submits it: this runs inside that tap.
document.addEventListener(
  "submit",
  (event) => {
    const form = event.target.closest?.(startForms);
    if (!form) return;
    unlock();
    noteStartTap();
    const box = form.elements.voice;
    if (box) storeChoice("voice", box.checked);
    if (box ? box.checked : storedChoices().voice === true) primeVoice();
  },
  { capture: true },
);

document.addEventListener("change", (event) => {
  if (event.target.matches?.(voiceBoxes)) storeChoice("voice", event.target.checked);
});

// This device's own choice wins over the session's, on this page and on any swapped in.
function showVoiceChoice() {
  const { voice } = storedChoices();
  if (typeof voice !== "boolean") return;
  for (const box of document.querySelectorAll(voiceBoxes)) box.checked = voice;
}

showVoiceChoice();
document.addEventListener("htmx:afterSwap", showVoiceChoice);
watchForPlayer();
