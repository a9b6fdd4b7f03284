"""Receivers of the diary app, connected by DiaryConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import HttpRequest

from routines.accounts.models import Profile
from routines.diary.models import CrampEntry
from routines.diary.sessions import claim_guest_entries
from routines.player.models import Run


@receiver(user_logged_in, dispatch_uid="claim-guest-cramps")
def guest_cramps_become_the_users(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Cramps logged as a guest become the person's own when they log in or sign up.

    Runs on the heels of the player's receiver, which claims the guest's runs (the player
    app comes first in INSTALLED_APPS, so its receivers are connected first) with one
    `update()` that sends no signal: the diary's counters of the runs move here.
    """
    if request is not None and hasattr(request, "session"):
        claim_guest_entries(request.session, user)
    # Whether or not this session had guest records (the player's claim has read them).
    Profile.note_changes(user.pk, "entries", "runs", "finished")


@receiver(post_save, sender=CrampEntry, dispatch_uid="diary-entry-saved")
def entry_saved(sender: Any, instance: CrampEntry, **kwargs: Any) -> None:
    """An entry logged, edited or claimed: the person's diary changed. (Deleting one notes it
    in CrampEntry.delete.)"""
    Profile.note_changes(instance.user_id, "entries")


@receiver(post_save, sender=Run, dispatch_uid="diary-run-saved")
def run_saved(
    sender: Any, instance: Run, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A run started, rated, or saved finished (finishing, ended early): the diary's runs
    changed, and its finished runs' times unless only a rating was saved. A control on a
    run still going (its fields named, none a rating) moves neither and costs no query."""
    finished = instance.finished_at is not None
    rated = update_fields is None or "rating" in update_fields
    if not created and not finished and not rated:
        return
    names = ["runs"]
    if finished and (update_fields is None or "finished_at" in update_fields):
        names.append("finished")
    Profile.note_changes(instance.user_id, *names)


@receiver(post_delete, sender=Run, dispatch_uid="diary-run-deleted")
def run_deleted(sender: Any, instance: Run, origin: Any = None, **kwargs: Any) -> None:
    """A run deleted (the admin): the runs changed, and the finished ones' if it was. Not
    when the account goes (its profile goes with it): no query per run then."""
    if isinstance(origin, (get_user_model(), Profile)):
        return
    names = ["runs", "finished"] if instance.finished_at is not None else ["runs"]
    Profile.note_changes(instance.user_id, *names)
