"""The log-in backend: Django's own, loading the person's Profile with them in one query.

Every signed-in page that shows times or water needs the Profile; loading it with the user (a
LEFT JOIN, in the query the session check runs anyway) saves a query per request. The session
is still checked on every request, so logging out anywhere still takes effect at once.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

#: Its dotted path, for `login(..., backend=BACKEND)` where several backends are configured.
BACKEND = "routines.accounts.backends.ProfileModelBackend"


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("profile").get(pk=user_id)
        except model.DoesNotExist:
            return None
        if not self.user_can_authenticate(user):
            return None
        user.loaded_with_profile = True  # Profile.for_user(user) may use user.profile
        return user
