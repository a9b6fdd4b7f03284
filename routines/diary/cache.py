"""The diary's cache backend (settings.CACHES "diary"): Django's per-process memory cache,
keeping each value as it is rather than a pickled copy.

LocMemCache pickles every value it is given and unpickles it on every read, so that a caller
changing what it got cannot change what is kept. The diary keeps only values nobody changes
once made (rendered HTML, tuples of rows, the dicts of items rows.py makes anew each time),
and pickling them was a large part of a diary page's time right after a write (a page's
parts are 30 KB or more). Everything else (expiry, MAX_ENTRIES and culling, the lock) is
LocMemCache's own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class SharedLocMemCache(LocMemCache):
    """LocMemCache without the copies: a value read is the very object that was set, so it
    must never be changed (nor a value after it is set)."""

    # LocMemCache's own, undeclared in its type stubs.
    _lock: Lock
    _cache: OrderedDict[str, Any]
    _has_expired: Callable[[str], bool]
    _set: Callable[[str, Any, Any], None]
    _delete: Callable[[str], bool]

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
