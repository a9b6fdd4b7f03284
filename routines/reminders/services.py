"""Changes to a person's settings that move every reminder, each in one transaction, and
adding a reminder or a device within the account's caps (two requests at once take turns on
the person's profile row, so they cannot both pass a cap)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction

from routines.accounts.models import Profile
from routines.reminders.models import PushSubscription, Reminder


def save_profile(profile: Profile, now: dt.datetime, fields: Iterable[str] | None = None) -> None:
    """Save `profile` (only `fields`, if given) and move every reminder's next time to match
    (zone, quiet hours, bedtime, pause, fluid restriction), all or nothing."""
    # The new times are worked out before the transaction, which then only writes: short, so
    # that on SQLite (one writer at a time) other people's writes do not wait behind it.
    changes = Reminder.objects.plan_reschedule(profile, now)
    with transaction.atomic():
        profile.save(update_fields=None if fields is None else list(fields))
        Reminder.objects.apply_reschedule(profile, now, changes)


class TooManyReminders(Exception):
    """The account has REMINDERS_MAX_PER_ACCOUNT reminders already; the message says so."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            f"You have {cap} reminders, the most one account can have. Delete one you no "
            "longer need, or change one of them, to add another."
        )


def lock_profile(profile: Profile) -> None:
    """Lock the person's profile row until the transaction ends, so two requests that check
    one of the person's caps take turns (PostgreSQL; SQLite's IMMEDIATE transactions take
    turns anyway). Call inside `atomic`."""
    Profile.objects.select_for_update().filter(pk=profile.pk).first()


def lock_reminders(profile: Profile) -> int:
    """Lock the person's profile row until the transaction ends (so two requests adding
    reminders take turns) and say how many reminders they have. Call inside `atomic`."""
    lock_profile(profile)
    return Reminder.objects.filter(user_id=profile.user_id).count()


def add_reminder(reminder: Reminder, profile: Profile, now: dt.datetime) -> None:
    """Save a new reminder with its next time, unless the account is at its cap (raises
    TooManyReminders and saves nothing). Two requests at once cannot both pass the cap."""
    cap = settings.REMINDERS_MAX_PER_ACCOUNT
    with transaction.atomic():
        if lock_reminders(profile) >= cap:
            raise TooManyReminders(cap)
        reminder.reschedule(profile, now)


class DeviceLimit(Exception):
    """The person has PUSH_MAX_DEVICES devices already; the message says so."""

    def __init__(self, cap: int) -> None:
        super().__init__(
            f"You have notifications on {cap} devices, the most there can be. Remove one first."
        )


class DeviceOfAnotherAccount(Exception):
    """The endpoint is another account's device, and the keys do not prove it is this browser."""

    def __init__(self) -> None:
        super().__init__("This device is registered to another account.")


def save_device(
    profile: Profile, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Register a browser's push subscription for the person: (subscription, created).

    A new endpoint is added unless the person has PUSH_MAX_DEVICES already (DeviceLimit). A
    known endpoint of theirs gets its renewed keys; another account's endpoint becomes theirs
    only with the same keys, which only that browser knows (else DeviceOfAnotherAccount).
    Two requests at once for one person take turns on the profile row, so they cannot both
    add the last device; two for one endpoint (the unique constraint refuses the second
    INSERT) are decided again once the first is saved, so an endpoint is never stored twice.
    """
    try:
        return _save_device(profile, endpoint, p256dh, auth, user_agent)
    except IntegrityError:
        # Another account registered the same endpoint at the same moment: decide again.
        return _save_device(profile, endpoint, p256dh, auth, user_agent)


def _save_device(
    profile: Profile, endpoint: str, p256dh: str, auth: str, user_agent: str
) -> tuple[PushSubscription, bool]:
    user_id = profile.user_id
    with transaction.atomic():
        lock_profile(profile)
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is None or existing.user_id != user_id:
            cap = settings.PUSH_MAX_DEVICES
            if PushSubscription.objects.filter(user_id=user_id).count() >= cap:
                raise DeviceLimit(cap)
        if existing is None:
            subscription = PushSubscription.objects.create(
                user_id=user_id, endpoint=endpoint, p256dh=p256dh, auth=auth, user_agent=user_agent
            )
            return subscription, True
        if existing.user_id != user_id and (existing.p256dh, existing.auth) != (p256dh, auth):
            raise DeviceOfAnotherAccount
        # The same person again (keys may have been renewed), or the same browser now used
        # by this person: it is theirs.
        existing.user_id = user_id
        existing.p256dh = p256dh
        existing.auth = auth
        existing.user_agent = user_agent or existing.user_agent
        existing.save(update_fields=["user", "p256dh", "auth", "user_agent"])
        return existing, False
