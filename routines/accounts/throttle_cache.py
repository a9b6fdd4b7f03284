"""The throttles' counter store: Django's database cache with an increment that is atomic.

django-ratelimit counts with `cache.add(key, 1)` then `cache.incr(key)`. Django's DatabaseCache
is shared by every process (it is a table), but its `incr` is a read and a separate write, so
two processes counting at once can both read 4 and both write 5 (django-ratelimit's check
E003 says so). Here `incr` reads the row with `SELECT ... FOR UPDATE` inside a transaction
(PostgreSQL locks the row until the write commits; SQLite, with the IMMEDIATE transactions of
project/settings.py, takes the database's write lock at BEGIN), so increments queue up and none
is lost. `add` is one `INSERT ... ON CONFLICT` statement (PostgreSQL and SQLite alike): of two
processes adding the same new key one inserts and the other gets False, after which
django-ratelimit increments; it does not count the table first as Django's `add` does to cull
it (a full count on every throttled request): expired counters are deleted by the clean-up
(`expired_counts`, in CLEANUP_TASKS).
"""

from __future__ import annotations

import base64
import datetime as dt
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class CounterDatabaseCache(DatabaseCache):
    def _sql(self) -> tuple[Any, Any, str]:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        # DatabaseCache sets _table (its LOCATION) in __init__; django-stubs leave it out.
        return db, connection, connection.ops.quote_name(self._table)  # type: ignore[attr-defined]

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        """Store `value` unless the key holds a value that has not expired; True if stored."""
        key = self.make_and_validate_key(key, version)
        _, connection, table = self._sql()
        quote = connection.ops.quote_name
        seconds = self.get_backend_timeout(timeout)
        expires = dt.datetime.max if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)
        adapt = connection.ops.adapt_datetimefield_value
        pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        value_, expires_ = quote("value"), quote("expires")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({quote('cache_key')}, {value_}, {expires_}) "
                f"VALUES (%s, %s, %s) ON CONFLICT ({quote('cache_key')}) DO UPDATE SET "
                f"{value_} = excluded.{value_}, {expires_} = excluded.{expires_} "
                f"WHERE {table}.{expires_} < %s",
                [key, pickled, adapt(expires.replace(microsecond=0)), adapt(_now())],
            )
            return bool(cursor.rowcount == 1)

    def delete_expired(self, batch_size: int) -> int:
        """Delete expired counters, `batch_size` at a time; how many."""
        db, connection, table = self._sql()
        quote = connection.ops.quote_name
        key, expires = quote("cache_key"), quote("expires")
        total = 0
        while True:
            with transaction.atomic(using=db), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {table} "
                    f"WHERE {expires} < %s LIMIT %s)",
                    [connection.ops.adapt_datetimefield_value(_now()), batch_size],
                )
                deleted = cursor.rowcount
            total += int(deleted)
            if deleted < batch_size:
                return total

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version)
        db, connection, table = self._sql()
        quote = connection.ops.quote_name
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(_now())
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')} FROM {table} "
                f"WHERE {quote('cache_key')} = %s AND {quote('expires')} >= %s{lock}",
                [key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s",
                [pickled, key],
            )
        return int(value)


def _now() -> dt.datetime:
    return timezone.now().replace(microsecond=0)
