"""Signed tokens for "Drank a glass" on a hydration notification.

The service worker logs the glass without opening the app, so without a session: the token in
the notification's payload is the authority. It names one occurrence, is signed with the
project's secret key under its own salt (a token made for something else never passes), and
lasts two days.
"""

from __future__ import annotations

from django.core import signing

from routines.reminders.models import Occurrence, ReminderKind

SALT = "routines.tokens.drank"
MAX_AGE_SECONDS = 2 * 24 * 3600


def drank_token(occurrence: Occurrence) -> str:
    """A URL-safe token good for logging one glass against this occurrence."""
    return signing.dumps(occurrence.pk, salt=SALT, compress=False)


def occurrence_for_drank_token(token: str) -> Occurrence | None:
    """The hydration occurrence the token was made for, or None if it is forged, expired, or
    its occurrence no longer exists."""
    try:
        pk = signing.loads(token, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(pk, int):
        return None
    return (
        Occurrence.objects.select_related("reminder__user")
        .filter(pk=pk, reminder__kind=ReminderKind.HYDRATION)
        .first()
    )
