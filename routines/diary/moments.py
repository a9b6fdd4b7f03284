"""Many rows of timestamps from the database, without the ORM's conversion of each value.

The history's streak reads a year of runs and the charts weeks of them: a thousand timestamps
or more. Converting each through the ORM (a database converter, then make_aware) took more time
than the rest of the page; here the ORM still writes the query, and the timestamps are parsed
in one pass. SQLite gives them as naive UTC datetimes (parsed by its driver, as Django sets it
up), PostgreSQL as aware ones.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


def _aware(value: Any) -> dt.datetime:
    # Text not declared a timestamp (SQLite): UTC unless it says otherwise.
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:  # PostgreSQL's
        return moment
    # SQLite's, parsed naive by its driver: made again with UTC, which takes half the time of
    # `value.replace(tzinfo=...)` (for a thousand timestamps, a millisecond).
    return dt.datetime(
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
        moment.microsecond,
        dt.UTC,
    )


def _uuid(value: Any) -> UUID | None:
    """A UUID column's value: SQLite gives its 32 hex digits, PostgreSQL a UUID."""
    return value if value is None or isinstance(value, UUID) else UUID(value)


def rows_with_moments(
    queryset: QuerySet[Any, Any], moments: Sequence[int] = (0,), uuids: Sequence[int] = ()
) -> list[tuple[Any, ...]]:
    """The rows of a `values_list` queryset of plain fields (no booleans or JSON: their
    values stay as the database driver gives them), with the columns at the positions in
    `moments` as aware datetimes and those at `uuids` as UUIDs (None stays None)."""
    try:
        sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a queryset known to be empty (an empty page: [0:0])
        return []
    return rows_of_sql(sql, params, moments, uuids, queryset.db)


def rows_of_sql(
    sql: str,
    params: Sequence[Any],
    moments: Sequence[int] = (0,),
    uuids: Sequence[int] = (),
    using: str = DEFAULT_DB_ALIAS,
) -> list[tuple[Any, ...]]:
    """The rows of a statement, converted as `rows_with_moments` does."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if moments == (0,) and not uuids:
        return [(_aware(row[0]), *row[1:]) if row[0] is not None else row for row in rows]
    made = []
    for row in rows:
        values = list(row)
        for at in moments:
            if values[at] is not None:
                values[at] = _aware(values[at])
        for at in uuids:
            values[at] = _uuid(values[at])
        made.append(tuple(values))
    return made


def moments_of(queryset: QuerySet[Any, Any]) -> list[dt.datetime]:
    """The timestamps of a flat `values_list` queryset of one (non-null) datetime field."""
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [_aware(value) for (value,) in cursor.fetchall()]
