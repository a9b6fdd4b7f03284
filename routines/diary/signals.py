"""Receivers of the diary app, connected by DiaryConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from routines.diary.sessions import claim_guest_entries


@receiver(user_logged_in, dispatch_uid="claim-guest-cramps")
def guest_cramps_become_the_users(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Cramps logged as a guest become the person's own when they log in or sign up."""
    if request is not None and hasattr(request, "session"):
        claim_guest_entries(request.session, user)
