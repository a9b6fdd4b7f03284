// "Turn on notifications" on templates/push/devices.html.
//
// Asks the browser for permission, registers the service worker (/sw.js), subscribes to push
// with the server's VAPID public key, sends the subscription to the server, then reloads the
// device list. Every outcome is said in the status line (an ARIA live region).

const BLOCKED =
  "Notifications are blocked for Unknot in this browser. Allow them in the browser's site " +
  "settings (often under the padlock next to the address), then try again.";

const root = document.getElementById("push-setup");
if (root) setUp(root);

function needsHomeScreen() {
  const ios =
    /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  const standalone =
    navigator.standalone === true || matchMedia("(display-mode: standalone)").matches;
  return ios && !standalone;
}

function setUp(root) {
  const button = document.getElementById("push-enable");
  const status = document.getElementById("push-status");
  const { vapidKey, subscribeUrl, workerUrl, devicesUrl } = root.dataset;
  const say = (text) => {
    status.textContent = text;
  };

  // An iPhone or iPad in Safari: push works only from the Home Screen, so open the guide.
  const guide = document.getElementById("ios-install");
  if (guide && needsHomeScreen()) guide.open = true;

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(
      "This browser cannot show notifications from websites. On an iPhone or iPad, add Unknot " +
        "to your Home Screen first, then open it from there. The calendar feed works everywhere.",
    );
    return;
  }
  document.getElementById("push-enable-wrap").hidden = false;
  if (Notification.permission === "denied") say(BLOCKED);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await enable();
    } finally {
      button.disabled = false;
    }
  });

  async function enable() {
    say("Asking your browser…");
    const permission = await Notification.requestPermission();
    if (permission === "denied") return say(BLOCKED);
    if (permission !== "granted") {
      return say("Notifications are still off. Tap the button again when you are ready.");
    }
    let subscription;
    try {
      say("Setting up this device…");
      const registration = await navigator.serviceWorker.register(workerUrl, { scope: "/" });
      await navigator.serviceWorker.ready;
      subscription = await subscribe(registration, vapidKey);
    } catch (error) {
      console.warn("Push subscription failed", error);
      return say(
        "This browser could not set up notifications. Check that it is up to date and not in " +
          "a private window, then try again.",
      );
    }
    let response;
    try {
      response = await fetch(subscribeUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": readToken() },
        body: JSON.stringify(subscription.toJSON()),
      });
    } catch {
      return say("Could not reach Unknot. Check your connection and try again.");
    }
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      return say(data.error || "Unknot could not save this device. Please try again.");
    }
    say("Notifications are on for this device.");
    reloadList();
  }

  function reloadList() {
    if (window.htmx) {
      window.htmx.ajax("GET", devicesUrl, { target: "#device-list", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }
}

async function subscribe(registration, key) {
  const options = { userVisibleOnly: true, applicationServerKey: fromBase64Url(key) };
  try {
    return await registration.pushManager.subscribe(options);
  } catch (error) {
    // A subscription made with an older server key: drop it and subscribe afresh.
    const old = await registration.pushManager.getSubscription();
    if (!old || error.name !== "InvalidStateError") throw error;
    await old.unsubscribe();
    return registration.pushManager.subscribe(options);
  }
}

function fromBase64Url(text) {
  const base64 = (text + "=".repeat((4 - (text.length % 4)) % 4))
    .replaceAll("-", "+")
    .replaceAll("_", "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function readToken() {
  try {
    return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
  } catch {
    return document.querySelector("[name=csrfmiddlewaretoken]")?.value || "";
  }
}
