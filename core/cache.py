"""Proficio's one cache of derived values: bounded least-recently-used regions, and stamps.

Proficio caches what it derives (profiles, project results, readiness, rendered page parts)
with ``cached(region, key, stamp, build)``: the value is kept under its key *and* a stamp,
a few small values read from the database (one ``Stamp`` query) that change whenever the
value's inputs do. A changed input therefore means a new entry, never a stale value, and
the old entry simply ages out. Each stamp is written next to the builder it guards, and each
page served from a cache has a test that its stamp covers what it shows
(``tests/web/test_cache_stamps.py``). Each process keeps its own regions, so several app
servers stay correct without sharing anything.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session

K = TypeVar("K", bound=Hashable)
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


def cached(region: LRUCache[V], key: Hashable, stamp: Hashable, build: Callable[[], V]) -> V:
    """The value ``build()`` made for ``key`` while its inputs had the stamp ``stamp`` (read
    just now by the caller); made again when the stamp has moved since, the old value left
    to age out of ``region``. ``build`` never returns None."""
    return region.get_or_make((key, stamp), build)


def cached_many(
    region: LRUCache[V],
    stamps: Mapping[K, Hashable],
    build: Callable[[list[K]], Mapping[K, V]],
) -> dict[K, V]:
    """``cached`` for many keys at once: per key of ``stamps`` its value under its stamp;
    ``build`` gets the keys whose values are missing and makes them all in one go (a batch
    query rather than one per key)."""
    found: dict[K, V] = {}
    missing = []
    for key, stamp in stamps.items():
        value = region.get((key, stamp))
        if value is None:
            missing.append(key)
        else:
            found[key] = value
    if missing:
        for key, value in build(missing).items():
            region.put((key, stamps[key]), value)
            found[key] = value
    return found


class Stamp:
    """A query of a few small values that together change whenever the inputs of a cached
    value do. Each part is a one-value select; they are built on first use and read in one
    round trip."""

    def __init__(self, parts: Callable[[], list[sa.Select]]) -> None:
        self._parts = parts
        self._query: sa.Select | None = None

    def read(self, session: Session, **parameters: Any) -> tuple[Any, ...]:
        """The stamp's values now, as ``session`` sees them (its pending changes included)."""
        if self._query is None:
            self._query = sa.select(*(part.scalar_subquery() for part in self._parts()))
        session.flush()
        return tuple(session.execute(self._query, parameters).one())


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
