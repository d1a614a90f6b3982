"""A bounded, thread-safe least-recently-used cache for values derived from the database.

Proficio caches what it derives (profiles, project results, rendered page parts) under keys
that include a *stamp*: a small value read from the database that changes whenever the
inputs do. A changed input therefore means a new key, never a stale value, and the old entry
simply ages out. Each process keeps its own cache, so several app servers stay correct
without sharing anything.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import needs_transaction

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most ``max_entries`` values and, when ``size_of`` is given, ``max_size`` in total;
    the least recently used go first."""

    def __init__(
        self,
        max_entries: int,
        *,
        max_size: int | None = None,
        size_of: Callable[[V], int] | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        if (max_size is None) != (size_of is None):
            raise ValueError("max_size and size_of go together")
        self.max_entries = max_entries
        self.max_size = max_size
        self._size_of = size_of
        self._entries: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        _EVERY_CACHE.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """The total size of the values held (0 without ``size_of``)."""
        return self._size

    def get(self, key: Hashable) -> V | None:
        """The value under ``key``, or None; a hit makes it the most recently used."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` under ``key``; a value larger than ``max_size`` is not kept."""
        size = self._size_of(value) if self._size_of else 0
        if self.max_size is not None and size > self.max_size:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._entries[key] = (value, size)
            self._size += size
            while len(self._entries) > self.max_entries or (
                self.max_size is not None and self._size > self.max_size
            ):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._size -= dropped

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value under ``key``, made by ``make`` (outside the lock) when missing; ``make``
        never returns None.

        Two threads missing the same key at once may both make it; the values are equal by
        construction, so the second simply replaces the first.
        """
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        """Forget everything (tests use it to start cold)."""
        with self._lock:
            self._entries.clear()
            self._size = 0
            self.hits = 0
            self.misses = 0


_EVERY_CACHE: weakref.WeakSet[LRUCache] = weakref.WeakSet()


def forget_everything_derived() -> None:
    """Empty every cache of this process, so the next request derives everything afresh
    (tests use it to measure a cold visit, and to start each test cold: ids repeat across
    test databases)."""
    for cache in list(_EVERY_CACHE):
        cache.clear()


# How many writes this process has sent: a stamp read along with another query is still
# current for its session while the count has not moved since. Reads in between change
# nothing the session could have seen differently: each statement reads the latest committed
# data anyway, and a stamp read a moment earlier is no older than one read before building.
# Other threads' writes move the count too, which only ever makes a stamp be read again; an
# increment lost to a thread switch cannot bring the count back to a value already seen.
_writes_sent = 0
_READ_ALONG = "proficio.stamp_read_along"


@sa.event.listens_for(sa.engine.Engine, "after_cursor_execute")
def _count_writes(connection: sa.Connection, cursor: object, statement: str, *_: object) -> None:
    global _writes_sent
    if needs_transaction(statement):
        _writes_sent += 1


class Stamp:
    """A stamp query, built from its parts on first use (building the expression costs more
    than running it) and read with one round trip per request, or none when it was read along
    with an earlier query of the request (see ``columns`` and ``read_along``)."""

    def __init__(self, parts: Callable[[], list[sa.Select]]) -> None:
        self._parts = parts
        self._columns: list[sa.ScalarSelect[Any]] | None = None
        self._query: sa.Select | None = None

    def columns(self) -> list[sa.ScalarSelect[Any]]:
        """The stamp's values as one-value subqueries, to add to another query's columns."""
        if self._columns is None:
            self._columns = [part.scalar_subquery() for part in self._parts()]
        return self._columns

    def read(self, session: Session, **parameters: Any) -> tuple[Any, ...]:
        """The stamp's values now, seen by ``session`` (its pending changes included)."""
        along = session.info.pop(_READ_ALONG, None)
        if (
            along is not None
            and along[0] is self
            and along[1] == parameters
            and not (session.new or session.dirty or session.deleted)
            and along[3] == _writes_sent
        ):
            return along[2]
        if self._query is None:
            self._query = sa.select(*self.columns())
        session.flush()
        # On the session's connection, past the ORM layer: the stamp is plain values, and
        # this is the one query every cached page runs.
        return tuple(session.connection().execute(self._query, parameters).one())

    def read_along(self, session: Session, values: Sequence[Any], **parameters: Any) -> None:
        """Keep ``values``, this stamp's ``columns`` just read with ``parameters`` as part of
        another query, for the session's next ``read``: it returns them without a query if
        nothing was written in between and the session holds no pending change; else it
        reads."""
        session.info[_READ_ALONG] = (self, parameters, tuple(values), _writes_sent)


class StampReading(NamedTuple):
    """A stamp and the parameters that read it for one subject (a person, a project)."""

    stamp: Stamp
    parameters: dict[str, Any]

    def read(self, session: Session) -> tuple[Any, ...]:
        return self.stamp.read(session, **self.parameters)


def side_by_side(*values: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    """Several aggregates of one pass over the same rows as one text value (``"3/17/"``), so
    a stamp part reads its rows once however many of their figures it watches."""
    # Literal text rather than bound parameters: nothing varies, so nothing to send.
    empty, slash = sa.literal_column("''", sa.String), sa.literal_column("'/'", sa.String)
    texts = [sa.func.coalesce(sa.cast(value, sa.String), empty) for value in values]
    joined = texts[0]
    for text in texts[1:]:
        joined = joined + slash + text
    return joined
