"""Receivers of the reminders app, connected by RemindersConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from routines.reminders.hydration import claim_guest_glasses


@receiver(user_logged_in, dispatch_uid="claim-guest-glasses")
def guest_glasses_become_the_users(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Glasses logged as a guest become the person's own when they log in or sign up."""
    if request is not None and hasattr(request, "session"):
        claim_guest_glasses(request.session, user, timezone.now())
