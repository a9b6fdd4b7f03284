"""The throttles' counter store: Django's database cache with an increment that is atomic.

django-ratelimit counts with `cache.add(key, 1)` then `cache.incr(key)`. Django's DatabaseCache
is shared by every process (it is a table), but its `incr` is a read and a separate write, so
two processes counting at once can both read 4 and both write 5 (django-ratelimit's check
E003 says so). Here `incr` reads the row with `SELECT ... FOR UPDATE` inside a transaction
(PostgreSQL locks the row until the write commits; SQLite, with the IMMEDIATE transactions of
project/settings.py, takes the database's write lock at BEGIN), so increments queue up and none
is lost. `add` is Django's: two processes adding the same new key race on the primary key, and
the loser's add returns False, after which django-ratelimit increments.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class CounterDatabaseCache(DatabaseCache):
    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        key = self.make_and_validate_key(key, version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        # DatabaseCache sets _table (its LOCATION) in __init__; django-stubs leave it out.
        table = quote(self._table)  # type: ignore[attr-defined]
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
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
