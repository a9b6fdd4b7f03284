"""Limits that keep one person (or one address) from hurting the others: caps on reminders and
guest runs, throttles with a 429 page, log-in lock-out, private sign-up emails, the clean-up.

The throttles across two processes: tests/test_throttle_processes.py.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from routines.accounts.cleanup import PeriodicCleanup, run_cleanup
from routines.accounts.models import Profile
from routines.content.models import Purpose, Routine
from routines.player.models import Run
from routines.reminders.models import Reminder, ScheduleKind

from .factories import make_routine
from .helpers.html import main_text, messages_of, page_text
from .helpers.people import PASSWORD, make_user, signed_in
from .helpers.reminders import make_reminder

pytestmark = pytest.mark.django_db

User = get_user_model()
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HTMX = {"HTTP_HX_REQUEST": "true"}


def assert_throttled(response: Any, *words: str) -> str:
    """A 429 with Retry-After (whole seconds, at least 1) and a readable message; its text."""
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    text = page_text(response.content.decode())
    for word in words:
        assert word in text
    return text


# Reminders per account --------------------------------------------------------------------


def reminder_post(**overrides: str) -> dict[str, Any]:
    return {
        "kind": "hydration",
        "schedule": ScheduleKind.FIXED,
        "fixed_times": "08:00, 12:00",
        "weekdays": [str(day) for day in range(7)],
        "enabled": "on",
        **overrides,
    }


@override_settings(REMINDERS_MAX_PER_ACCOUNT=3)
def test_the_reminder_form_refuses_one_more_than_the_cap_and_saves_nothing() -> None:
    sam = make_user("sam")
    client = signed_in(sam)
    assert client.post(reverse("reminder_create"), reminder_post()).status_code == 302
    for _ in range(2):
        make_reminder(sam)

    response = client.post(reverse("reminder_create"), reminder_post(fixed_times="09:30"))

    assert response.status_code == 400
    assert "You have 3 reminders, the most one account can have." in main_text(response)
    assert Reminder.objects.filter(user=sam).count() == 3
    assert not Reminder.objects.filter(user=sam, fixed_times=["09:30"]).exists()


@override_settings(REMINDERS_MAX_PER_ACCOUNT=3)
def test_the_cap_is_per_account_and_editing_at_the_cap_still_works() -> None:
    sam, robin = make_user("sam"), make_user("robin")
    reminders = [make_reminder(sam) for _ in range(3)]
    client = signed_in(sam)

    edit = client.post(
        reverse("reminder_edit", args=[reminders[0].pk]), reminder_post(fixed_times="10:15")
    )
    robin_new = signed_in(robin).post(reverse("reminder_create"), reminder_post())

    assert edit.status_code == 302
    assert Reminder.objects.get(pk=reminders[0].pk).fixed_times == ["10:15"]
    assert robin_new.status_code == 302
    assert Reminder.objects.filter(user=robin).count() == 1


@override_settings(REMINDERS_MAX_PER_ACCOUNT=2)
def test_the_suggested_reminders_stop_at_the_cap() -> None:
    sam = make_user("sam")

    response = signed_in(sam).post(reverse("reminders_suggested"), **HTMX)

    assert response.status_code == 200
    assert Reminder.objects.filter(user=sam).count() == 2
    assert "Added 2 suggested reminders" in page_text(response.content.decode())


@pytest.mark.django_db(transaction=True)
@override_settings(REMINDERS_MAX_PER_ACCOUNT=5)
def test_two_requests_at_once_cannot_both_pass_the_cap() -> None:
    """Ten threads add at once against a cap of 5: the profile row lock makes them take turns."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    sam = make_user("sam")
    Profile.for_user(sam)

    def add(_: int) -> int:
        try:
            return signed_in(sam).post(reverse("reminder_create"), reminder_post()).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = list(pool.map(add, range(10)))

    assert sorted(codes) == [302] * 5 + [400] * 5
    assert Reminder.objects.filter(user=sam).count() == 5


def test_the_calendar_feed_at_the_cap_is_bounded() -> None:
    """50 reminders, each every 15 minutes round the clock (no quiet hours): the biggest feed
    one account can have holds CALENDAR_FEED_MAX_EVENTS events at most (whole reminders, and a
    note naming those left out), about 220 KB instead of 4,800 events and 2.3 MB."""
    sam = make_user("sam")
    profile = Profile.for_user(sam)
    profile.quiet_start = profile.quiet_end = dt.time(0, 0)
    profile.save()
    from django.conf import settings

    for _ in range(settings.REMINDERS_MAX_PER_ACCOUNT):
        make_reminder(
            sam,
            kind="stretch",
            interval_minutes=15,
            window_start=dt.time(0, 0),
            window_end=dt.time(23, 45),
        )
    sample = Reminder.objects.filter(user=sam).first()
    assert sample is not None
    times = len(sample.schedule_for(profile).allowed_times)

    response = Client().get(reverse("calendar_feed", args=[profile.calendar_token]))

    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200
    kept = settings.CALENDAR_FEED_MAX_EVENTS // times * times
    assert body.count(b"BEGIN:VEVENT") == kept + 1  # and the note
    assert len(body) < 250_000, len(body)


# Guest runs -------------------------------------------------------------------------------


@pytest.fixture
def prevention() -> Routine:
    return make_routine(
        "Bedtime stretch",
        purpose=Purpose.PREVENTION,
        steps=[{"title": "Wall stretch", "duration_seconds": 30}],
    )


def start(client: Client, routine: Routine, **extra: Any) -> Any:
    return client.post(reverse("start_run", args=[routine.slug]), **extra)


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=3, GUEST_RUNS_PER_SESSION_PER_HOUR=100)
def test_guests_from_one_network_are_refused_after_the_hourly_cap(prevention: Routine) -> None:
    codes = [start(Client(), prevention).status_code for _ in range(3)]

    refused = start(Client(), prevention)

    assert codes == [303, 303, 303]
    text = assert_throttled(
        refused, "Too many routines started from this network in the last hour.", "Log in"
    )
    # django-ratelimit counts in fixed windows of an hour (staggered per address).
    wait = re.search(r"try again in (\d+) minutes?", text)
    assert wait is not None and 1 <= int(wait.group(1)) <= 60
    assert int(refused["Retry-After"]) <= 3600
    assert Run.objects.count() == 3
    # Another network, and a signed-in person on this one, still start routines.
    assert start(Client(REMOTE_ADDR="127.0.0.2"), prevention).status_code == 303
    assert start(signed_in(make_user("sam")), prevention).status_code == 303


@override_settings(GUEST_RUNS_PER_IP_PER_HOUR=1)
def test_a_throttled_htmx_start_gets_the_message_as_a_fragment(prevention: Routine) -> None:
    start(Client(), prevention)

    response = start(Client(), prevention, **HTMX)

    html = response.content.decode()
    assert_throttled(response, "Too many routines started from this network")
    assert "<html" not in html
    assert 'role="alert"' in html


@override_settings(GUEST_RUNS_PER_SESSION_PER_HOUR=2, GUEST_RUNS_PER_IP_PER_HOUR=100)
def test_one_guest_session_starts_at_most_the_cap_in_an_hour(prevention: Routine) -> None:
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        first = start(client, prevention)
        clock.shift(20 * 60)
        second = start(client, prevention)
        refused = start(client, prevention)
        clock.shift(40 * 60 + 1)  # the first start is more than an hour old
        again = start(client, prevention)

    assert [first.status_code, second.status_code, again.status_code] == [303, 303, 303]
    text = assert_throttled(refused, "You have started 2 routines in the last hour")
    assert "try again in 40 minutes" in text
    assert refused["Retry-After"] == "2400"
    assert Run.objects.count() == 3


@override_settings(RUNS_PER_ACCOUNT_PER_HOUR=2)
def test_a_signed_in_person_has_a_generous_hourly_cap_of_their_own(prevention: Routine) -> None:
    sam = signed_in(make_user("sam"))
    codes = [start(sam, prevention).status_code for _ in range(2)]

    refused = start(sam, prevention)

    assert codes == [303, 303]
    assert_throttled(refused, "You have started a great many routines")
    assert start(signed_in(make_user("robin")), prevention).status_code == 303


# Sign-up and password reset ---------------------------------------------------------------


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "username": "maria",
        "email": "maria@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


@override_settings(SIGNUP_RATE="2/h")
def test_sign_ups_from_one_network_are_throttled() -> None:
    for name in ("ann", "bo"):
        assert Client().post(reverse("signup"), signup_data(username=name, email="")).status_code
    response = Client().post(reverse("signup"), signup_data(username="cy", email=""))

    assert_throttled(response, "Too many accounts were made from this network recently.")
    assert set(User.objects.values_list("username", flat=True)) == {"ann", "bo"}
    other = Client(REMOTE_ADDR="127.0.0.9").post(reverse("signup"), signup_data(email=""))
    assert other.status_code == 302


def test_sign_up_with_a_taken_email_answers_as_any_other_and_tells_the_owner() -> None:
    make_user("sam", email="Maria@Example.com")

    taken = Client().post(reverse("signup"), signup_data(email="maria@EXAMPLE.com"))
    fresh = Client().post(reverse("signup"), signup_data(username="lee", email="lee@example.com"))

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert messages_of(taken) == ["Welcome to Unknot, maria."]
    assert "already" not in taken.content.decode()
    assert User.objects.get(username="maria").email == ""
    assert User.objects.get(username="lee").email == "lee@example.com"
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["Maria@example.com"]
    assert "Someone signed up for Unknot" in notice.subject
    assert "log in as sam" in notice.body
    assert reverse("password_reset") in notice.body


def test_sign_up_with_a_taken_username_is_still_refused() -> None:
    make_user("maria", email="")

    response = Client().post(reverse("signup"), signup_data(email="new@example.com"))

    assert response.status_code == 400
    assert "That username is taken" in response.content.decode()
    assert mail.outbox == []


@override_settings(PASSWORD_RESET_EMAIL_RATE="2/h", PASSWORD_RESET_RATE="100/h")
def test_reset_mails_to_one_address_are_throttled() -> None:
    make_user("sam", email="sam@example.com")
    url = reverse("password_reset")
    sent = [Client().post(url, {"email": "sam@example.com"}).status_code for _ in range(2)]

    refused = Client(REMOTE_ADDR="127.0.0.3").post(url, {"email": "SAM@example.com "})

    assert sent == [302, 302]
    assert_throttled(refused, "Several reset links were sent to this address recently")
    assert len(mail.outbox) == 2


@override_settings(PASSWORD_RESET_RATE="1/h")
def test_reset_requests_from_one_network_are_throttled() -> None:
    url = reverse("password_reset")
    Client().post(url, {"email": "a@example.com"})

    refused = Client().post(url, {"email": "b@example.com"})

    assert_throttled(refused, "Too many password resets were asked for from this network")


# Log-in lock-out (django-axes) ------------------------------------------------------------


def log_in(client: Client, password: str, url: str = "") -> Any:
    return client.post(url or reverse("login"), {"username": "sam", "password": password})


def test_ten_wrong_passwords_lock_the_username_on_that_network_for_15_minutes() -> None:
    make_user("sam")
    with time_machine.travel(T0, tick=False) as clock:
        wrong = [log_in(Client(), "wrong-password").status_code for _ in range(9)]
        tenth = log_in(Client(), "wrong-password")
        right = log_in(Client(), PASSWORD)
        elsewhere = Client(REMOTE_ADDR="127.0.0.5")
        other_network = log_in(elsewhere, PASSWORD)
        clock.shift(15 * 60 + 1)
        client = Client()
        after_cool_off = log_in(client, PASSWORD)
        signed_in_as = client.session.get("_auth_user_id")

    assert wrong == [200] * 9
    assert_throttled(tenth, "Too many wrong passwords", "Reset your password")
    text = assert_throttled(right, "try again in 15 minutes")
    assert "Log out" not in text
    assert tenth["Retry-After"] == "900"
    assert other_network.status_code == 302
    assert after_cool_off.status_code == 302
    assert signed_in_as == str(User.objects.get(username="sam").pk)


def test_the_admin_login_is_locked_out_too() -> None:
    user = make_user("sam")
    user.is_staff = user.is_superuser = True
    user.save()
    url = reverse("admin:login")
    for _ in range(10):
        log_in(Client(), "wrong-password", url)

    response = log_in(Client(), PASSWORD, url)

    assert_throttled(response, "Too many wrong passwords")
    assert "_auth_user_id" not in Client().session


# Push: test notifications and subscribing -------------------------------------------------


@override_settings(PUSH_TEST_RATE="1/m")
def test_test_notifications_are_throttled_per_account_with_an_htmx_fragment() -> None:
    sam = signed_in(make_user("sam"))
    first = sam.post(reverse("push_test"), **HTMX)

    refused = sam.post(reverse("push_test"), **HTMX)
    plain = sam.post(reverse("push_test"))

    assert first.status_code == 200
    assert "<html" not in refused.content.decode()
    assert_throttled(refused, "You have sent several test notifications in a short time.")
    assert_throttled(plain, "Please wait a little", "test notifications")
    assert signed_in(make_user("robin")).post(reverse("push_test"), **HTMX).status_code == 200


@override_settings(PUSH_SUBSCRIBE_RATE="1/h")
def test_subscribing_is_throttled_per_account_with_a_json_answer() -> None:
    sam = signed_in(make_user("sam"))
    url = reverse("push_subscribe")
    sam.post(url, "{}", content_type="application/json")

    refused = sam.post(url, "{}", content_type="application/json")

    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert "turned on notifications many times" in refused.json()["error"]


# The clean-up -----------------------------------------------------------------------------


def guest_run(routine: Routine, started: dt.datetime, user: Any = None) -> Run:
    with time_machine.travel(started, tick=False):
        return Run.begin(routine, user=user, lead_in=False, now=timezone.now())


def session_expiring(at: dt.datetime) -> str:
    store = SessionStore()
    store["x"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=at)
    return str(store.session_key)


@override_settings(GUEST_RUN_MAX_AGE_DAYS=7, CLEANUP_BATCH_SIZE=2)
def test_the_clean_up_removes_expired_sessions_and_old_guest_runs_only(
    prevention: Routine,
) -> None:
    now = T0
    sam = make_user("sam")
    old_guests = [guest_run(prevention, now - dt.timedelta(days=8)) for _ in range(5)]
    recent_guest = guest_run(prevention, now - dt.timedelta(days=6))
    old_own = guest_run(prevention, now - dt.timedelta(days=30), user=sam)
    expired = [session_expiring(now - dt.timedelta(seconds=1)) for _ in range(3)]
    live = session_expiring(now + dt.timedelta(days=1))

    removed = run_cleanup(now)

    assert removed == {
        "routines.accounts.cleanup.expired_sessions": 3,
        "routines.accounts.cleanup.expired_counts": 0,
        "routines.player.cleanup.old_guest_runs": 5,
        "routines.diary.cleanup.old_guest_entries": 0,
    }
    assert set(Run.objects.values_list("id", flat=True)) == {recent_guest.id, old_own.id}
    assert not Run.objects.filter(id__in=[run.id for run in old_guests]).exists()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert not Session.objects.filter(session_key__in=expired).exists()


@override_settings(CLEANUP_EVERY_SECONDS=3600)
def test_the_worker_cleans_up_at_start_then_once_an_hour(prevention: Routine) -> None:
    cleanup = PeriodicCleanup()
    with time_machine.travel(T0, tick=False) as clock:
        first = cleanup(timezone.now())
        session_expiring(timezone.now() - dt.timedelta(seconds=1))
        clock.shift(3599)
        too_soon = cleanup(timezone.now())
        clock.shift(1)
        due = cleanup(timezone.now())

    assert first is not None
    assert too_soon is None
    assert due is not None
    assert due["routines.accounts.cleanup.expired_sessions"] == 1
    assert not Session.objects.exists()


def test_the_worker_command_and_the_cleanup_command_run_the_clean_up(
    prevention: Routine, capsys: pytest.CaptureFixture[str]
) -> None:
    guest_run(prevention, timezone.now() - dt.timedelta(days=10))
    session_expiring(timezone.now() - dt.timedelta(hours=1))

    call_command("reminders_worker", "--once")
    worker_output = capsys.readouterr().out
    guest_run(prevention, timezone.now() - dt.timedelta(days=10))
    call_command("cleanup")
    command_output = capsys.readouterr().out

    assert "removed expired sessions: 1, expired counts: 0, old guest runs: 1" in worker_output
    assert "removed expired sessions: 0, expired counts: 0, old guest runs: 1" in command_output
    assert not Run.objects.exists()


# The throttles' counter store -------------------------------------------------------------


def test_a_counter_is_added_once_counts_up_and_is_cleaned_up_when_its_window_is_over() -> None:
    counts = caches["throttle"]
    with time_machine.travel(T0, tick=False) as clock:
        added = counts.add("k", 1, 60)
        counts.add("old", 1, 30)
        added_again = counts.add("k", 1, 60)
        counted = [counts.incr("k") for _ in range(3)]
        clock.shift(61)
        with pytest.raises(ValueError):
            counts.incr("k")
        revived = counts.add("old", 5, 60)  # an expired row is replaced
        revived_value = counts.get("old")
        removed = run_cleanup(timezone.now())["routines.accounts.cleanup.expired_counts"]
        fresh = counts.add("k", 1, 60)

    assert (added, added_again, counted) == (True, False, [2, 3, 4])
    assert revived is True
    assert revived_value == 5
    assert removed == 1
    assert fresh is True


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "127.0.0.1"),  # direct: the header is the client's own words
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # one proxy: the hop it appended
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        (1, "", "127.0.0.1"),  # no header: the connection's address
    ],
)
def test_throttles_key_on_the_address_the_trusted_proxies_saw(
    proxies: int, forwarded: str, expected: str
) -> None:
    from django.test import RequestFactory

    from routines.accounts.throttle import client_ip

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(TRUSTED_PROXY_COUNT=proxies):
        assert client_ip(request) == expected


def test_a_throttle_cache_that_is_not_shared_or_not_atomic_fails_the_system_check() -> None:
    from django.conf import settings

    from routines.accounts.checks import check_throttle_cache

    local = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    plain_db = {
        **settings.CACHES,
        "throttle": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "t"},
    }

    assert check_throttle_cache(None) == []
    for caches_setting in (local, plain_db):
        with override_settings(CACHES=caches_setting):
            assert [error.id for error in check_throttle_cache(None)] == ["accounts.E001"]
