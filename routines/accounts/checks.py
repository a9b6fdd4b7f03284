"""System checks: the throttles need a counter store that every process shares and that
increments atomically (see project/settings.py, CACHES["throttle"])."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

#: Backends whose increments are shared and atomic: ours, and the ones django-ratelimit lists.
ATOMIC_SHARED_CACHES = {
    "routines.accounts.throttle_cache.CounterDatabaseCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
    "django_redis.cache.RedisCache",
}


@checks.register(checks.Tags.caches)
def check_throttle_cache(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    alias = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(alias, {}).get("BACKEND", "")
    if backend in ATOMIC_SHARED_CACHES:
        return []
    return [
        checks.Error(
            f"The throttles' cache {alias!r} uses {backend or 'no backend'}, which is not "
            "shared by every process or does not increment atomically, so limits would not "
            "hold.",
            hint="Use routines.accounts.throttle_cache.CounterDatabaseCache (the default), "
            "memcached or Redis.",
            id="accounts.E001",
        )
    ]
