"""Rules that live once, on the models or in an app's small service module, and that every
caller (views, the worker, the calendar) shares."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from routines.accounts.forms import SignupForm
from routines.accounts.models import Profile
from routines.content.models import LearnArticle, Purpose, Routine
from routines.reminders.calendar import build_calendar
from routines.reminders.hydration import hydration_summary
from routines.reminders.models import (
    HydrationLog,
    Occurrence,
    Reminder,
    ReminderKind,
    ScheduleKind,
)
from routines.reminders.notifications import notification_payload
from routines.reminders.services import save_profile
from tests.factories import make_article, make_routine
from tests.helpers.people import make_user

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)


def person(name: str = "sam", timezone: str = "UTC") -> Any:
    return make_user(name, timezone=timezone)


def reminder_for(user: Any, routine: Routine | None, **fields: Any) -> Reminder:
    values: dict[str, Any] = {
        "kind": ReminderKind.STRETCH,
        "routine": routine,
        "schedule": ScheduleKind.FIXED,
        "fixed_times": ["08:00"],
        **fields,
    }
    return Reminder.objects.create(user=user, **values)


# Where a reminder opens ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        (Purpose.PREVENTION, "routine_detail"),
        (Purpose.RELIEF, "safety_check"),  # relief always starts with the safety check
    ],
)
def test_a_stretch_reminder_opens_the_same_place_from_push_banner_and_calendar(
    purpose: str, expected: str
) -> None:
    user = person()
    routine = make_routine("Calf stretch", purpose=purpose, published=True)
    reminder = reminder_for(user, routine)
    occurrence = Occurrence.objects.create(reminder=reminder, scheduled_for=NOW)
    url = reverse(expected, kwargs={"slug": routine.slug})

    assert reminder.open_url() == url
    assert notification_payload(occurrence)["url"] == url
    client = Client()
    client.force_login(user)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        banner = client.post(reverse("reminder_due_act", args=[occurrence.pk]))
    assert banner["Location"] == url
    calendar = Calendar.from_ical(
        build_calendar(Profile.for_user(user), [reminder], "https://unknot.test", NOW).to_ical()
    )
    events = calendar.walk("VEVENT")
    assert [str(event["url"]) for event in events] == [f"https://unknot.test{url}"]


def test_a_stretch_reminder_whose_routine_has_gone_opens_the_library_everywhere() -> None:
    user = person()
    reminder = reminder_for(user, None)
    occurrence = Occurrence.objects.create(reminder=reminder, scheduled_for=NOW)
    calendar = build_calendar(Profile.for_user(user), [reminder], "https://unknot.test", NOW)

    assert reminder.open_url() == reverse("routine_list")
    assert notification_payload(occurrence)["url"] == reverse("routine_list")
    urls = {str(event["url"]) for event in Calendar.from_ical(calendar.to_ical()).walk("VEVENT")}
    assert urls == {"https://unknot.test" + reverse("routine_list")}


def test_a_water_reminder_opens_the_hydration_page() -> None:
    reminder = reminder_for(person(), None, kind=ReminderKind.HYDRATION)
    occurrence = Occurrence.objects.create(reminder=reminder, scheduled_for=NOW)

    assert reminder.open_url() == reverse("hydration")
    assert notification_payload(occurrence)["url"] == reverse("hydration")


# Drafts ------------------------------------------------------------------------------------


def test_drafts_are_visible_to_staff_only() -> None:
    draft = make_routine("Draft stretch", published=False)
    live = make_routine("Live stretch", published=True)
    draft_page = make_article("Draft page", published=False)
    staff = get_user_model().objects.create_user("editor", is_staff=True)
    someone = get_user_model().objects.create_user("someone")

    assert set(Routine.objects.visible_to(staff)) == {draft, live}
    assert list(Routine.objects.visible_to(someone)) == [live]
    assert list(Routine.objects.visible_to(AnonymousUser())) == [live]
    assert draft_page in LearnArticle.objects.visible_to(staff)
    assert draft_page not in LearnArticle.objects.visible_to(AnonymousUser())


# A person's local day ------------------------------------------------------------------------


def test_the_day_whose_midnight_a_dst_change_skips_starts_at_one() -> None:
    # Chile moves its clocks from 00:00 to 01:00 on 6 September 2026: that day starts at
    # 01:00 -03 (04:00 UTC); the day before ends then too.
    user = person(timezone="America/Santiago")
    profile = Profile.for_user(user)
    day = dt.date(2026, 9, 6)
    start = dt.datetime(2026, 9, 6, 4, 0, tzinfo=dt.UTC)
    assert profile.day_start(day) == start
    assert profile.today(start) == day
    assert profile.today(start - dt.timedelta(minutes=1)) == dt.date(2026, 9, 5)

    HydrationLog.objects.create(user=user, at=start - dt.timedelta(minutes=1))
    HydrationLog.objects.create(user=user, at=start + dt.timedelta(minutes=30))
    summary = hydration_summary(user, profile, start + dt.timedelta(hours=2))
    assert summary.today.glasses == 1
    assert [(d.date, d.glasses) for d in summary.week[-2:]] == [
        (dt.date(2026, 9, 5), 1),
        (day, 1),
    ]


def test_an_unknown_stored_zone_reads_as_utc() -> None:
    assert Profile(timezone="Mars/Olympus_Mons").zone.key == "UTC"


# All or nothing ------------------------------------------------------------------------------


def test_settings_that_move_every_reminder_are_saved_with_them_or_not_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = person()
    reminder_for(user, None, kind=ReminderKind.HYDRATION)
    profile = Profile.for_user(user)

    def broken(self: Reminder, profile: Profile, after: dt.datetime) -> None:
        raise RuntimeError("the schedule could not be worked out")

    monkeypatch.setattr(Reminder, "next_fire", broken)
    profile.paused_until = dt.date(2026, 6, 10)
    with pytest.raises(RuntimeError):
        save_profile(profile, NOW, ["paused_until"])

    assert Profile.objects.get(user=user).paused_until is None


def test_pausing_moves_every_reminder_past_the_pause() -> None:
    user = person(timezone="Europe/London")
    first = reminder_for(user, None, kind=ReminderKind.HYDRATION)
    second = reminder_for(user, None, fixed_times=["12:00"])
    profile = Profile.for_user(user)
    profile.paused_until = dt.date(2026, 6, 5)

    save_profile(profile, NOW, ["paused_until"])

    first.refresh_from_db()
    second.refresh_from_db()
    # Reminders start again on the local day after the pause (London is UTC+1 in June).
    assert first.next_fire_at == dt.datetime(2026, 6, 6, 7, 0, tzinfo=dt.UTC)
    assert second.next_fire_at == dt.datetime(2026, 6, 6, 11, 0, tzinfo=dt.UTC)


def test_sign_up_makes_the_user_and_their_profile_together_or_neither(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = {
        "username": "kim",
        "password1": "a long enough password",
        "password2": "a long enough password",
        "timezone": "Europe/Paris",
    }

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Profile.objects, "create", broken)
    form = SignupForm(data)
    assert form.is_valid(), form.errors
    with pytest.raises(RuntimeError):
        form.save()
    assert not get_user_model().objects.filter(username="kim").exists()

    monkeypatch.undo()
    user = SignupForm(data).save()
    assert Profile.objects.get(user=user).timezone == "Europe/Paris"


def test_a_glass_for_one_occurrence_is_logged_once_however_it_is_tapped() -> None:
    user = person()
    reminder = reminder_for(user, None, kind=ReminderKind.HYDRATION)
    occurrence = Occurrence.objects.create(reminder=reminder, scheduled_for=NOW)

    assert HydrationLog.objects.log_occurrence(occurrence, NOW) is True
    assert HydrationLog.objects.log_occurrence(occurrence, NOW) is False
    assert HydrationLog.objects.filter(user=user).count() == 1


# Signed-in views and htmx ---------------------------------------------------------------------


# (A guest's "+1 glass" and undo work without an account: tests/test_guest_hydration.py.)
@pytest.mark.parametrize("name", ["hydration_settings", "push_test", "reminders_resume"])
def test_an_expired_session_sends_htmx_to_the_login_page_as_a_whole_page(name: str) -> None:
    response = Client().post(reverse(name), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="/")

    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/"
    assert response.content == b""
    assert not HydrationLog.objects.exists()


# The admin of each app ----------------------------------------------------------------------


def test_runs_reminders_and_deliveries_are_read_only_in_the_admin(admin_client: Client) -> None:
    user = person()
    reminder = reminder_for(user, None, kind=ReminderKind.HYDRATION)
    Occurrence.objects.create(reminder=reminder, scheduled_for=NOW)

    for name in ["player_run", "reminders_reminder", "reminders_occurrence"]:
        page = admin_client.get(reverse(f"admin:{name}_changelist"))
        assert page.status_code == 200
        assert admin_client.get(reverse(f"admin:{name}_add")).status_code == 403
    listing = admin_client.get(reverse("admin:reminders_reminder_changelist")).content.decode()
    assert "Drink water for sam" in listing
    profile = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert 'name="profile-0-timezone"' in profile


def test_content_editors_do_not_see_peoples_runs_or_reminders(client: Client) -> None:
    from django.contrib.auth.models import Group

    editor = get_user_model().objects.create_user("editor", password="pw", is_staff=True)
    editor.groups.add(Group.objects.get(name="Content editors"))
    client.force_login(editor)

    index = client.get(reverse("admin:index")).content.decode()
    assert "Routines" in index
    assert "Runs" not in index and "Reminders" not in index
    assert client.get(reverse("admin:player_run_changelist")).status_code == 403


# The calendar feed ---------------------------------------------------------------------------


def test_an_unchanged_feed_is_built_once_and_any_change_builds_it_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import routines.reminders.calendar as calendar_module

    user = person()
    reminder = reminder_for(user, make_routine("Desk stretch", published=True))
    profile = Profile.for_user(user)
    url = reverse("calendar_feed", args=[profile.calendar_token])
    builds: list[int] = []
    real = calendar_module.build_calendar

    def counted(*args: Any, **kwargs: Any) -> Calendar:
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar_module, "build_calendar", counted)
    first = Client().get(url)
    again = Client().get(url)
    assert (len(builds), first.content) == (1, again.content)
    assert b"Stretch: Desk stretch" in first.content

    reminder.fixed_times = ["09:30"]
    reminder.save()
    changed = Client().get(url)
    assert len(builds) == 2
    assert b"T093000" in changed.content and b"T080000" not in changed.content

    routine = reminder.routine
    routine.title = "Desk break"
    routine.save()
    renamed = Client().get(url)
    assert len(builds) == 3
    assert b"Stretch: Desk break" in renamed.content


def test_a_calendar_address_fetched_too_often_is_refused_for_a_while(settings: Any) -> None:
    settings.CALENDAR_FEED_RATE = "3/h"
    user = person()
    reminder_for(user, None)
    url = reverse("calendar_feed", args=[Profile.for_user(user).calendar_token])
    answers = [Client().get(url) for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0]["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(answers[-1]["Retry-After"]) > 0
    assert "fetched too often" in answers[-1].content.decode()
    other = person("kim")
    reminder_for(other, None)
    other_url = reverse("calendar_feed", args=[Profile.for_user(other).calendar_token])
    assert Client().get(other_url).status_code == 200  # another address is not affected
