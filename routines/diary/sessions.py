"""A guest's diary: entries without a user, listed in their session, which become the person's
own when they log in or sign up (signals.py), as guest runs do."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from routines.accounts.models import Profile
from routines.accounts.zones import guest_zone, remember_guest_zone
from routines.diary.models import CrampEntry
from routines.diary.services import DiaryFull, add_entry

#: Session key listing a guest's diary entries.
GUEST_CRAMPS = "guest_cramps"
#: A guest's session keeps this many entries; signing up keeps more.
MAX_GUEST_CRAMPS = 30


class GuestDiaryFull(Exception):
    def __init__(self) -> None:
        super().__init__(
            f"This device's diary holds {MAX_GUEST_CRAMPS} cramps, the most a guest can keep. "
            "Sign up (free) to keep more; these come with you."
        )


def entries_for(request: HttpRequest) -> QuerySet[CrampEntry]:
    """This person's entries: their own, or the ones this guest session made."""
    if request.user.is_authenticated:
        return CrampEntry.objects.filter(user=request.user)
    ids = request.session.get(GUEST_CRAMPS, [])
    return CrampEntry.objects.filter(user=None, pk__in=ids)


def owned_entry(request: HttpRequest, pk: int) -> CrampEntry:
    """The entry if it is this person's (or this guest's); otherwise 404."""
    if not request.user.is_authenticated and pk not in request.session.get(GUEST_CRAMPS, []):
        raise Http404("No such diary entry.")
    return get_object_or_404(entries_for(request), pk=pk)


def save_new(request: HttpRequest, entry: CrampEntry) -> CrampEntry:
    """Save a new entry as this person's, within the caps (DiaryFull, GuestDiaryFull)."""
    if request.user.is_authenticated:
        return add_entry(entry, request.user)
    ids = [pk for pk in request.session.get(GUEST_CRAMPS, []) if isinstance(pk, int)]
    if len(ids) >= MAX_GUEST_CRAMPS:
        raise GuestDiaryFull
    entry.user = None
    entry.save()
    request.session[GUEST_CRAMPS] = [*ids, entry.pk]
    return entry


def forget(session: SessionBase, pk: int) -> None:
    session[GUEST_CRAMPS] = [x for x in session.get(GUEST_CRAMPS, []) if x != pk]


def claim_guest_entries(session: SessionBase, user: Any) -> None:
    """The session's guest entries become `user`'s (as many as the account's cap allows)."""
    ids = session.pop(GUEST_CRAMPS, [])
    if not ids:
        return
    with transaction.atomic():
        for entry in CrampEntry.objects.filter(pk__in=ids, user=None).order_by("started_at"):
            try:
                add_entry(entry, user)
            except DiaryFull:  # the rest stay a guest's, and are cleaned up later
                break


def person_zone(request: HttpRequest) -> ZoneInfo:
    """The person's time zone: their profile's, or the one this guest's browser gave."""
    if request.user.is_authenticated:
        return Profile.for_user(request.user).zone
    if request.POST.get("zone"):
        remember_guest_zone(request.session, request.POST["zone"])
    return guest_zone(request.session)
