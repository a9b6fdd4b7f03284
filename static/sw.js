// Unknot's service worker, served at /sw.js (scope: the whole site).
//
// It shows the reminders the server pushes and handles taps on them. The push payload is JSON
// from routines/reminders/delivery.py notification_payload():
//   {title, body, icon, badge?, tag, url, timestamp?, drank_url?, actions?: [{action, title}]}
// - tag: a repeat with the same tag replaces the earlier notification instead of piling up.
// - url: what a tap opens (a stretch reminder: its routine, ready to start).
// - drank_url: a hydration reminder's "Drank a glass" action posts here, without opening the
//   app; the signed token in the URL is the authority (no cookies, no CSRF token).
// Nothing is imported from other origins; nothing is cached.

const DRANK = "drank";
const DRANK_TITLE = "Drank a glass";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  event.waitUntil(showReminder(readPayload(event.data)));
});

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(onNotificationClick(event.notification, event.action));
});

function readPayload(data) {
  if (!data) return {};
  try {
    const payload = data.json();
    return payload && typeof payload === "object" ? payload : {};
  } catch {
    return { body: data.text() };
  }
}

function sameOrigin(url, fallback) {
  try {
    const parsed = new URL(url, self.location.origin);
    if (parsed.origin === self.location.origin) return parsed.href;
  } catch {
    // not a URL: use the fallback
  }
  return fallback;
}

/** Show one notification for a push payload (every push must show one). */
async function showReminder(payload) {
  const drankUrl = payload.drank_url ? sameOrigin(payload.drank_url, null) : null;
  let actions = Array.isArray(payload.actions)
    ? payload.actions.filter((a) => a && typeof a.action === "string" && a.title)
    : [];
  if (drankUrl && !actions.some((a) => a.action === DRANK)) {
    actions = [{ action: DRANK, title: DRANK_TITLE }, ...actions];
  }
  if (!drankUrl) actions = actions.filter((a) => a.action !== DRANK);
  const options = {
    body: payload.body || "",
    tag: payload.tag || "unknot",
    renotify: true,
    data: { url: sameOrigin(payload.url || "/", self.location.origin + "/"), drank_url: drankUrl },
    actions: actions.map(({ action, title }) => ({ action, title })),
  };
  if (payload.icon) options.icon = payload.icon;
  if (payload.badge) options.badge = payload.badge;
  if (Number.isFinite(payload.timestamp)) options.timestamp = payload.timestamp;
  return self.registration.showNotification(payload.title || "Unknot", options);
}

/** A tap on a notification (`action` is "" for the notification itself). */
async function onNotificationClick(notification, action) {
  const data = notification.data || {};
  notification.close();
  if (action === DRANK) return logGlass(data.drank_url);
  return openApp(data.url || self.location.origin + "/");
}

/** "Drank a glass": one glass for this reminder, logged without opening the app. */
async function logGlass(url) {
  if (!url) return;
  let response;
  try {
    response = await fetch(url, { method: "POST", credentials: "omit", cache: "no-store" });
  } catch {
    response = null;
  }
  if (response && response.ok) return;
  // Say so, rather than fail silently: the glass was not counted.
  await self.registration.showNotification("Your glass was not logged", {
    body: response
      ? "This reminder has expired. Open Unknot to log your glass."
      : "No connection. Open Unknot to log your glass.",
    tag: "unknot-drank-failed",
    data: { url: self.location.origin + "/hydration/" },
  });
}

/** Focus a tab already showing `url`, or an Unknot tab that is not mid-routine (taking it to
 * `url`), or else open a new one. */
async function openApp(url) {
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const exact = tabs.find((tab) => tab.url === url);
  if (exact) return exact.focus();
  const free = tabs.find((tab) => !new URL(tab.url).pathname.startsWith("/runs/"));
  if (free && "navigate" in free) {
    try {
      const focused = await free.focus();
      return await focused.navigate(url);
    } catch {
      // an uncontrolled tab cannot be navigated from here: open a new one instead
    }
  }
  return self.clients.openWindow(url);
}
