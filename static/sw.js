// Unknot's service worker, served at /sw.js (scope: the whole site) by
// routines/home/views_install.py, which puts a first line before this one:
//   const PRECACHE = {version, urls, pictures, static};
// (routines/home/offline.py: the app's pages, every published routine, each relief routine's
// safety check and its red flags' outcomes, the offline page and player, and the hashed static
// files).
//
// Offline: each version precaches into its own cache, "unknot-<version>", and answers only
// from it, so old and new files never mix. A new version waits until the person taps "Reload
// to update" (js/pwa.js posts {type: "activate"}); the first one takes over at once.
// - Pages: the network first; with no connection, the saved copy, else the offline page. A
//   saved page fetched again online replaces its copy (signed in since, say), if every static
//   file it uses is this version's.
// - Static files (hashed names, never changed): the saved copy first.
// - htmx requests with no connection: 204, so a poll leaves the page as it is.
// - Start tapped with no connection: the offline player (/offline/run/), which keeps the run
//   on the phone and sends it later (js/player/offline.js).
// - A red flag tapped in the safety check with no connection: that sign's saved outcome
//   (/routines/<slug>/check/?sign=<key>, precached for every relief routine), so the advice
//   shows offline too; the warning signs (/help/) are saved as a page.
//
// Reminders: it shows the reminders the server pushes and handles taps on them. The push
// payload is JSON from routines/reminders/notifications.py:
//   {title, body, icon, badge?, tag, url, timestamp?, drank_url?, actions?: [{action, title}]}
// - tag: a repeat with the same tag replaces the earlier notification instead of piling up.
// - url: what a tap opens (a stretch reminder: its routine, ready to start).
// - drank_url: a hydration reminder's "Drank a glass" action posts here, without opening the
//   app; the signed token in the URL is the authority (no cookies, no CSRF token).
// Nothing is imported from other origins.

/* global PRECACHE */
const CACHE_PREFIX = "unknot-";
const CACHE = CACHE_PREFIX + PRECACHE.version;
const OFFLINE_PAGE = "/offline/";
const OFFLINE_RUN = "/offline/run/";
const START = /^\/routines\/([\w-]+)\/start\/$/;
const CHECK = /^\/routines\/[\w-]+\/check\/$/;
const DRANK = "drank";
const DRANK_TITLE = "Drank a glass";

self.addEventListener("install", (event) => event.waitUntil(precache()));
self.addEventListener("activate", (event) => event.waitUntil(activate()));
self.addEventListener("message", (event) => {
  if (event.data?.type === "activate") self.skipWaiting();
});
self.addEventListener("fetch", (event) => {
  const answer = respond(event.request);
  if (!answer) return;
  if (event.request.mode !== "navigate" || event.request.method !== "GET") {
    return event.respondWith(answer);
  }
  // A copy made before the page reads the body, to keep (below).
  const both = answer.then((response) => [response, response.clone()]);
  event.respondWith(both.then(([response]) => response));
  event.waitUntil(both.then(([, copy]) => refresh(event.request, copy)).catch(() => {}));
});

/** Every URL of this version, fresh from the server (all or nothing: a failed one fails the
 * install, and the browser tries again later). */
async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(PRECACHE.urls.map((url) => new Request(url, { cache: "reload" })));
  // Pictures: each where it can be (a missing one shows its alt text offline, no more).
  await Promise.all(PRECACHE.pictures.map((url) => cache.add(url).catch(() => {})));
}

const SAVED_URLS = new Set([...PRECACHE.urls, ...PRECACHE.pictures]);
const STATIC_REFERENCE = new RegExp(`${PRECACHE.static}[^"'\\s)<>]+`, "g");

/** A saved page, fetched again online (signed in or out since, a content edit): keep the new
 * copy if every static file it uses is one of this version's, so old and new never mix. */
async function refresh(request, response) {
  const url = new URL(request.url);
  if (!SAVED_URLS.has(url.pathname + url.search) || !response.ok || response.redirected) return;
  const html = await response.clone().text();
  const assets = html.match(STATIC_REFERENCE) || [];
  if (assets.every((asset) => SAVED_URLS.has(asset))) {
    await (await caches.open(CACHE)).put(request, response);
  }
}

/** Drop the caches of earlier versions, and look after the open pages from now on. */
async function activate() {
  const names = await caches.keys();
  await Promise.all(
    names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)),
  );
  await self.clients.claim();
}

/** The answer to a request, or null to leave it to the browser. */
function respond(request) {
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  if (request.method === "POST") {
    const start = url.pathname.match(START);
    if (start) return startRun(request, start[1]);
    if (request.mode === "navigate" && CHECK.test(url.pathname)) return checkOutcome(request);
    if (request.mode === "navigate") return networkOr(request, () => offlinePage());
    return null;
  }
  if (request.method !== "GET") return null;
  if (url.pathname.startsWith(PRECACHE.static)) return savedOr(request);
  if (request.mode === "navigate") return networkOr(request, () => savedPage(request));
  // An htmx request with no connection (the reminder banner's poll, say): "nothing new"
  // (204: htmx leaves the page as it is).
  if (request.headers.get("HX-Request")) {
    return networkOr(request, () => new Response(null, { status: 204 }));
  }
  // A saved picture or the manifest; anything else (the player's own requests) is left to
  // the browser, as if there were no service worker.
  if (SAVED_URLS.has(url.pathname)) {
    return networkOr(request, () => saved(request).then((found) => found || Response.error()));
  }
  return null;
}

function saved(request, options) {
  return caches.open(CACHE).then((cache) => cache.match(request, options));
}

async function savedOr(request) {
  return (await saved(request)) || fetch(request);
}

async function networkOr(request, fallback) {
  try {
    return await fetch(request);
  } catch {
    return fallback();
  }
}

/** A page with no connection: this version's copy (any query ignored: the library's
 * filters, the offline player's routine), else the offline page. */
async function savedPage(request) {
  return (
    (await saved(request)) || (await saved(request, { ignoreSearch: true })) || offlinePage()
  );
}

async function offlinePage() {
  const page = await saved(OFFLINE_PAGE);
  return page || new Response("No connection.", { status: 503, headers: { "Content-Type": "text/plain" } });
}

/** Start: the server's run when online; with no connection, the offline player (a full
 * page for a plain form, an HX-Redirect for htmx). */
async function startRun(request, slug) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch {
    // no connection: below
  }
  const form = await copy.formData().catch(() => null);
  const target = new URL(OFFLINE_RUN, self.location.origin);
  target.searchParams.set("routine", slug);
  if (form?.get("lead_in") === "1") target.searchParams.set("lead_in", "1");
  if (request.headers.get("HX-Request")) {
    return new Response(null, { status: 200, headers: { "HX-Redirect": target.href } });
  }
  return Response.redirect(target.href, 303);
}

/** A sign chosen in the safety check: the server's outcome when online; with no connection,
 * the saved outcome of that sign (the same page, precached at its own address). */
async function checkOutcome(request) {
  const copy = request.clone();
  try {
    return await fetch(request);
  } catch {
    // no connection: below
  }
  const form = await copy.formData().catch(() => null);
  const sign = form?.get("sign");
  if (typeof sign === "string" && sign) {
    const outcome = new URL(request.url);
    outcome.search = new URLSearchParams({ sign }).toString();
    const found = await saved(outcome.pathname + outcome.search);
    if (found) return found;
  }
  return offlinePage();
}

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
