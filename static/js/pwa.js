// On every page: the service worker that keeps Unknot working offline (/sw.js), the "Reload
// to update" prompt when a new version is ready, and sending runs done offline.
//
// A new version installs beside the old one and waits: this page keeps the files it started
// with until the person chooses to reload, so old and new files never mix.

import { sendOutbox } from "./player/offline.js";

const WORKER_URL = "/sw.js";
let updating = false;

// After the page has loaded: saving the app for offline use never slows the first page.
if ("serviceWorker" in navigator) {
  if (document.readyState === "complete") register();
  else addEventListener("load", register, { once: true });
}
sendOutbox();
addEventListener("online", () => sendOutbox());

async function register() {
  let registration;
  try {
    registration = await navigator.serviceWorker.register(WORKER_URL, { scope: "/" });
  } catch (error) {
    console.warn("Offline use is not available:", error);
    return;
  }
  const offer = (worker) => navigator.serviceWorker.controller && showPrompt(worker);
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener("updatefound", () => {
    const worker = registration.installing;
    worker?.addEventListener("statechange", () => {
      if (worker.state === "installed") offer(worker);
    });
  });
  // The first worker takes over without a reload; a new version, only when asked (here, or
  // in another tab: then this page's files are the old version's, so offer the reload).
  let controlled = Boolean(navigator.serviceWorker.controller);
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (updating) return location.reload();
    if (controlled) showPrompt(null);
    controlled = true;
  });
}

function showPrompt(worker) {
  let prompt = document.getElementById("update-prompt");
  if (!prompt) {
    prompt = document.createElement("div");
    prompt.id = "update-prompt";
    prompt.className = "update-prompt";
    prompt.setAttribute("role", "status");
    const text = document.createElement("p");
    text.textContent = "A new version of Unknot is ready.";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button primary";
    button.textContent = "Reload to update";
    prompt.append(text, button);
    const header = document.querySelector(".site-header");
    if (header) header.after(prompt);
    else document.body.prepend(prompt);
  }
  prompt.querySelector("button").onclick = () => {
    updating = true;
    if (worker) worker.postMessage({ type: "activate" });
    else location.reload();
  };
}
