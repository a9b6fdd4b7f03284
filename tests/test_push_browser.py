"""Notifications and the hydration log in a phone-sized Chromium, driven by Playwright.

Headless Chromium cannot reach a browser vendor's push service, so `pushManager.subscribe` is
stubbed (everything else, the permission, the service worker registration, the POST to
/push/subscribe/, is real). Pushes are delivered straight into the service worker with the
DevTools command `ServiceWorker.deliverPushMessage`, which runs its real `push` handler.

A notification's action buttons cannot be tapped from DevTools, and a `notificationclick`
event made by a script is untrusted (its `waitUntil` throws). So the "Drank a glass" test
calls, inside the service worker, the very function its `notificationclick` listener calls,
`onNotificationClick(notification, "drank")`, with the notification the push showed: the
fetch to the signed URL, without cookies, is the real one.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from playwright.sync_api import BrowserContext, CDPSession, Page, Worker, expect

from routines.reminders.models import HydrationLog, PushSubscription

from .helpers.browser import no_horizontal_scroll, shot, sign_in_browser
from .helpers.dns import PUBLIC_ADDRESS, fake_dns
from .helpers.people import make_user
from .helpers.reminders import make_occurrence

#: Production's rule: push services are reached over https only.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_http_endpoints")]

#: The browser's side of a subscription, as the stub hands it out (a valid P-256 point).
FAKE_P256DH = (
    "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
)
FAKE_AUTH = "tBHItJI5svbpez7KI4CCXg"
FAKE_ENDPOINT = "https://push.example.net/wpush/v2/stubbed-device-1"


@pytest.fixture(autouse=True)
def push_service_resolves(monkeypatch: pytest.MonkeyPatch) -> None:
    """The stub's push service name resolves (to a public address; nothing is sent there)."""
    fake_dns(monkeypatch, {"push.example.net": PUBLIC_ADDRESS})


#: Replaces the push service: records the options, hands out a fixed subscription.
STUB_SUBSCRIBE = f"""
window.__subscribed = [];
PushManager.prototype.getSubscription = async function () {{ return null; }};
PushManager.prototype.subscribe = async function (options) {{
  window.__subscribed.push({{
    userVisibleOnly: options.userVisibleOnly,
    key: btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey))),
  }});
  const json = {{
    endpoint: "{FAKE_ENDPOINT}",
    expirationTime: null,
    keys: {{ p256dh: "{FAKE_P256DH}", auth: "{FAKE_AUTH}" }},
  }};
  return {{ endpoint: json.endpoint, toJSON: () => json, unsubscribe: async () => true }};
}};
"""


# Fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def member(context: BrowserContext, live_server: Any) -> AbstractBaseUser:
    """A signed-in person: their session cookie is in the browser."""
    user = make_user("sam")
    sign_in_browser(context, live_server.url, user)
    return user


def b64_standard(base64url: str) -> str:
    raw = base64.urlsafe_b64decode(base64url + "=" * (-len(base64url) % 4))
    return base64.b64encode(raw).decode()


#: Runs in the service worker: counts the notifications it has finished showing, so a test can
#: wait for them without polling `getNotifications()`. (Chromium drops a notification whose
#: `showNotification` is still settling when `getNotifications()` runs: it prunes entries the
#: screen does not show yet. Polling would make the pushes it waits for vanish.)
COUNT_SHOWN = """() => {
  if (self.__shown !== undefined) return;
  self.__shown = 0;
  self.__waiting = [];
  const show = ServiceWorkerRegistration.prototype.showNotification;
  ServiceWorkerRegistration.prototype.showNotification = async function (...args) {
    await show.apply(this, args);
    self.__shown += 1;
    self.__waiting = self.__waiting.filter(([count, resolve]) => {
      if (self.__shown < count) return true;
      resolve(self.__shown);
      return false;
    });
  };
}"""
WAIT_SHOWN = """(count) => self.__shown >= count ? self.__shown : new Promise((resolve, reject) => {
  self.__waiting.push([count, resolve]);
  setTimeout(() => reject(new Error(`${self.__shown} of ${count} notifications shown`)), 10000);
})"""
LIST_SHOWN = """async () => (await self.registration.getNotifications()).map((n) => ({
  title: n.title, body: n.body, tag: n.tag, data: n.data,
  actions: n.actions.map((a) => ({action: a.action, title: a.title})),
}))"""


class PushedWorker:
    """The page's service worker, and a DevTools session that can push into it."""

    def __init__(self, page: Page, live_server: Any) -> None:
        self.page = page
        self.origin = live_server.url
        self.cdp: CDPSession = page.context.new_cdp_session(page)
        self.registrations: list[dict[str, Any]] = []
        self.cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: self.registrations.extend(event["registrations"]),
        )
        page.evaluate(
            "async (url) => { await navigator.serviceWorker.register(url, {scope: '/'});"
            " await navigator.serviceWorker.ready; }",
            "/sw.js",
        )
        self.cdp.send("ServiceWorker.enable")
        self.registration_id = self._registration_id()
        self.worker().evaluate(COUNT_SHOWN)
        self.shown = 0

    def _registration_id(self) -> str:
        """Our registration's DevTools id, from its `workerRegistrationUpdated` event.

        `ServiceWorker.enable` reports the registrations just after it answers, and Playwright's
        sync API hands a CDP session's events over only during a call to the browser: each
        no-op round trip below lets waiting events in (no time is waited out). Fifty round
        trips without the event mean it is not coming."""
        scope = self.origin + "/"
        for _ in range(50):
            found = [r for r in self.registrations if r["scopeURL"] == scope and not r["isDeleted"]]
            if found:
                return found[-1]["registrationId"]
            self.cdp.send("Runtime.evaluate", {"expression": "1"})
        raise AssertionError(f"no service worker registration for {scope}")

    def worker(self) -> Worker:
        workers = [w for w in self.page.context.service_workers if w.url.endswith("/sw.js")]
        assert workers, "the service worker is not running"
        return workers[-1]

    def push(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver a push as the push service would; the notifications then on screen."""
        self.cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": self.origin,
                "registrationId": self.registration_id,
                "data": json.dumps(payload),
            },
        )
        return self.notifications(self.shown + 1)

    def notifications(self, shown: int) -> list[dict[str, Any]]:
        """Once the worker has shown `shown` notifications in all: those on screen."""
        self.shown = self.worker().evaluate(WAIT_SHOWN, shown)
        return self.worker().evaluate(LIST_SHOWN)

    def tap(self, action: str) -> None:
        """In the worker: what its notificationclick listener does for a tap on `action` of
        the (only) notification on screen."""
        self.worker().evaluate(
            """async (action) => {
              const [notification] = await self.registration.getNotifications();
              await onNotificationClick(notification, action);
            }""",
            action,
        )


# Turning notifications on ---------------------------------------------------------------------


def test_turning_on_notifications_subscribes_with_our_key_and_lists_the_device(
    phone: Page, context: BrowserContext, live_server: Any, member: AbstractBaseUser, vapid: str
) -> None:
    context.grant_permissions(["notifications"], origin=live_server.url)
    phone.add_init_script(STUB_SUBSCRIBE)
    phone.goto(live_server.url + "/push/devices/")
    expect(phone.get_by_text("No devices yet.")).to_be_visible()
    button = phone.get_by_role("button", name="Turn on notifications")
    button.tap()
    expect(phone.locator("#push-status")).to_have_text("Notifications are on for this device.")
    # The list reloads in place with the new device.
    expect(phone.locator("#device-list .device")).to_have_count(1)
    expect(phone.locator("#device-list")).to_contain_text("Chrome on Linux")
    expect(phone.locator("#device-list")).to_contain_text("nothing delivered yet")
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint, stored.p256dh, stored.auth) == (
        member,
        FAKE_ENDPOINT,
        FAKE_P256DH,
        FAKE_AUTH,
    )
    assert "HeadlessChrome" in stored.user_agent or "Chrome" in stored.user_agent
    assert phone.evaluate("window.__subscribed") == [
        {"userVisibleOnly": True, "key": b64_standard(vapid)}
    ]
    scope = phone.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.scope)")
    assert scope == live_server.url + "/"
    box = button.bounding_box()
    assert box and box["height"] >= 48
    no_horizontal_scroll(phone)
    shot(phone, "push-devices")


def test_turning_on_twice_keeps_one_device(
    phone: Page, context: BrowserContext, live_server: Any, member: AbstractBaseUser, vapid: str
) -> None:
    context.grant_permissions(["notifications"], origin=live_server.url)
    phone.add_init_script(STUB_SUBSCRIBE)
    phone.goto(live_server.url + "/push/devices/")
    button = phone.get_by_role("button", name="Turn on notifications")
    button.tap()
    expect(phone.locator("#device-list .device")).to_have_count(1)
    phone.locator("#push-status").evaluate("(node) => { node.textContent = ''; }")
    button.tap()
    expect(phone.locator("#push-status")).to_have_text("Notifications are on for this device.")
    expect(phone.locator("#device-list .device")).to_have_count(1)
    assert PushSubscription.objects.count() == 1


def test_a_refused_permission_is_explained_and_nothing_is_sent(
    phone: Page, live_server: Any, member: AbstractBaseUser, vapid: str
) -> None:
    phone.add_init_script(STUB_SUBSCRIBE + 'Notification.requestPermission = async () => "denied";')
    phone.goto(live_server.url + "/push/devices/")
    phone.get_by_role("button", name="Turn on notifications").tap()
    expect(phone.locator("#push-status")).to_contain_text("Notifications are blocked for Unknot")
    assert phone.evaluate("window.__subscribed") == []
    assert not PushSubscription.objects.exists()


def test_a_browser_without_push_is_told_so_and_gets_no_button(
    phone: Page, live_server: Any, member: AbstractBaseUser, vapid: str
) -> None:
    phone.add_init_script("delete window.PushManager;")
    phone.goto(live_server.url + "/push/devices/")
    expect(phone.locator("#push-status")).to_contain_text("This browser cannot show notifications")
    expect(phone.get_by_role("button", name="Turn on notifications")).to_be_hidden()


def test_removing_a_device_takes_its_row_away_in_place(
    phone: Page, live_server: Any, member: AbstractBaseUser, vapid: str
) -> None:
    PushSubscription.objects.create(
        user=member, endpoint=FAKE_ENDPOINT, p256dh=FAKE_P256DH, auth=FAKE_AUTH, user_agent=""
    )
    phone.goto(live_server.url + "/push/devices/")
    phone.get_by_role("button", name=re.compile(r"^Remove Unknown browser")).tap()
    expect(phone.locator("#device-list")).to_contain_text("will no longer get notifications")
    expect(phone.locator("#device-list .device")).to_have_count(0)
    assert phone.url == live_server.url + "/push/devices/"
    assert not PushSubscription.objects.exists()


# The service worker ---------------------------------------------------------------------------


def test_the_service_worker_shows_a_pushed_reminder_with_its_tag_and_action(
    phone: Page, context: BrowserContext, live_server: Any, member: AbstractBaseUser
) -> None:
    from routines.reminders.notifications import notification_payload

    context.grant_permissions(["notifications"], origin=live_server.url)
    occurrence = make_occurrence(member)  # before the page: its banner reads occurrences
    payload = notification_payload(occurrence)
    phone.goto(live_server.url + "/push/devices/")
    worker = PushedWorker(phone, live_server)
    [shown] = worker.push(payload)
    assert shown["title"] == payload["title"] == "Time for a drink"
    assert shown["body"] == payload["body"]
    assert shown["tag"] == f"reminder-{occurrence.reminder_id}"
    assert shown["actions"] == [{"action": "drank", "title": "Drank a glass"}]
    assert shown["data"]["drank_url"] == live_server.url + payload["drank_url"]
    assert shown["data"]["url"] == live_server.url + payload["url"]
    # The same reminder again replaces it (same tag) rather than stacking a second one.
    [again] = worker.push({**payload, "title": "Time for a drink, again"})
    assert again["tag"] == shown["tag"]


def test_drank_a_glass_on_the_notification_logs_one_glass_once(
    phone: Page, context: BrowserContext, live_server: Any, member: AbstractBaseUser
) -> None:
    from routines.reminders.notifications import notification_payload

    context.grant_permissions(["notifications"], origin=live_server.url)
    occurrence = make_occurrence(member)  # before the page: its banner reads occurrences
    phone.goto(live_server.url + "/push/devices/")
    worker = PushedWorker(phone, live_server)
    # A second tap on the same reminder (shown again, or on another of the person's devices)
    # logs nothing more.
    for _ in range(2):
        [shown] = worker.push(notification_payload(occurrence))
        assert shown["actions"] == [{"action": "drank", "title": "Drank a glass"}]
        worker.tap("drank")
        assert worker.worker().evaluate(LIST_SHOWN) == []  # closed, no "not logged" notice
        logs = list(HydrationLog.objects.values_list("user", "occurrence", "glasses"))
        assert logs == [(member.pk, occurrence.pk, 1)]


def test_a_failed_drank_says_the_glass_was_not_logged(
    phone: Page, context: BrowserContext, live_server: Any, member: AbstractBaseUser
) -> None:
    from routines.reminders.notifications import notification_payload

    context.grant_permissions(["notifications"], origin=live_server.url)
    payload = notification_payload(make_occurrence(member))
    phone.goto(live_server.url + "/push/devices/")
    worker = PushedWorker(phone, live_server)
    worker.push({**payload, "drank_url": "/hydration/drank/forged:token/"})
    worker.tap("drank")
    [notice] = worker.notifications(2)  # the reminder, then the notice in its place
    assert notice["body"] == "This reminder has expired. Open Unknot to log your glass."
    assert notice["data"]["url"] == live_server.url + "/hydration/"
    assert not HydrationLog.objects.exists()


# The hydration log ----------------------------------------------------------------------------


def test_one_glass_on_home_updates_the_progress_in_place(
    phone: Page, live_server: Any, member: AbstractBaseUser
) -> None:
    phone.goto(live_server.url + "/")
    card = phone.get_by_role("region", name="Drinks today")
    expect(card.locator("#hydration-progress")).to_contain_text("0 of 8 glasses today")
    button = card.get_by_role("button", name="+1 glass")
    box = button.bounding_box()
    assert box and box["height"] >= 48
    button.tap()
    expect(card.locator("#hydration-progress")).to_contain_text("1 of 8 glasses today")
    button.tap()
    expect(card.locator("#hydration-progress")).to_contain_text("2 of 8 glasses today")
    assert phone.url == live_server.url + "/"
    assert HydrationLog.objects.filter(user=member).count() == 2
    no_horizontal_scroll(phone)
    card.scroll_into_view_if_needed()
    shot(phone, "home-hydration", full_page=False)


def test_the_hydration_page_counts_undoes_and_updates_the_week(
    phone: Page, live_server: Any, member: AbstractBaseUser
) -> None:
    phone.goto(live_server.url + "/hydration/")
    progress = phone.locator("#hydration-progress")
    week = phone.locator("#hydration-week")
    expect(progress).to_contain_text("0 of 8 glasses today")
    for _ in range(3):
        phone.get_by_role("button", name="+1 glass").tap()
    expect(progress).to_contain_text("3 of 8 glasses today")
    expect(week.locator("li").first).to_contain_text("Today 3 of 8")
    phone.get_by_role("button", name="Undo last glass").tap()
    expect(progress).to_contain_text("2 of 8 glasses today")
    expect(progress).to_contain_text("Took back one glass.")
    expect(week.locator("li").first).to_contain_text("Today 2 of 8")
    expect(week.locator("li")).to_have_count(7)
    assert HydrationLog.objects.filter(user=member).count() == 2
    no_horizontal_scroll(phone)
    shot(phone, "hydration")
