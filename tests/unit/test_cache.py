"""core.cache: the bounded least-recently-used regions, stamps and ``cached``."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, registry

from core.cache import LRUCache, Stamp, cached, cached_many


def test_the_least_recently_used_entry_goes_first():
    cache: LRUCache[str] = LRUCache(2)
    cache.put("a", "A")
    cache.put("b", "B")
    assert cache.get("a") == "A"  # now "b" is the oldest
    cache.put("c", "C")
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c")) == ("A", "C")
    assert (cache.hits, cache.misses) == (3, 1)


def test_the_total_size_is_bounded():
    cache: LRUCache[str] = LRUCache(100, max_size=10, size_of=len)
    cache.put("a", "x" * 4)
    cache.put("b", "x" * 4)
    cache.put("c", "x" * 4)
    assert cache.get("a") is None
    assert len(cache) == 2 and cache.size == 8


def test_a_value_larger_than_the_whole_cache_is_not_kept():
    cache: LRUCache[str] = LRUCache(100, max_size=10, size_of=len)
    cache.put("small", "x")
    cache.put("huge", "x" * 11)
    assert cache.get("huge") is None
    assert cache.get("small") == "x"


def test_replacing_a_key_does_not_count_its_old_size_twice():
    cache: LRUCache[str] = LRUCache(10, max_size=10, size_of=len)
    cache.put("a", "x" * 6)
    cache.put("a", "x" * 7)
    assert cache.size == 7 and len(cache) == 1


def test_get_or_make_makes_a_value_once_per_key():
    cache: LRUCache[int] = LRUCache(4)
    calls = []

    def make():
        calls.append(1)
        return 42

    assert cache.get_or_make("k", make) == 42
    assert cache.get_or_make("k", make) == 42
    assert len(calls) == 1


def test_clear_forgets_everything():
    cache: LRUCache[str] = LRUCache(4, max_size=100, size_of=len)
    cache.put("a", "abc")
    cache.clear()
    assert cache.get("a") is None and cache.size == 0


@pytest.mark.parametrize(
    "kwargs",
    [{"max_entries": 0}, {"max_entries": 2, "max_size": 10}, {"max_entries": 2, "size_of": len}],
)
def test_inconsistent_bounds_are_refused(kwargs):
    with pytest.raises(ValueError):
        LRUCache(**kwargs)


def test_a_cached_value_is_built_again_only_when_its_stamp_moves():
    region: LRUCache[str] = LRUCache(8)
    built = []

    def build(text):
        return lambda: built.append(text) or text

    assert cached(region, "person 1", (3,), build("first")) == "first"
    assert cached(region, "person 1", (3,), build("again")) == "first"
    assert cached(region, "person 1", (4,), build("after a change")) == "after a change"
    assert cached(region, "person 2", (4,), build("someone else")) == "someone else"
    assert built == ["first", "after a change", "someone else"]


def test_cached_many_builds_only_the_missing_values_in_one_go():
    region: LRUCache[str] = LRUCache(8)
    batches = []

    def build(keys):
        batches.append(sorted(keys))
        return {key: f"{key}@{stamps[key]}" for key in keys}

    stamps = {1: "a", 2: "a"}
    assert cached_many(region, stamps, build) == {1: "1@a", 2: "2@a"}
    stamps = {1: "a", 2: "b", 3: "a"}
    assert cached_many(region, stamps, build) == {1: "1@a", 2: "2@b", 3: "3@a"}
    assert batches == [[1, 2], [2, 3]]


def test_a_stamp_reads_its_parts_in_one_query_with_the_sessions_pending_rows():
    metadata = sa.MetaData()
    rows = sa.Table("rows", metadata, sa.Column("id", sa.Integer, primary_key=True))

    class Row:
        def __init__(self, row_id: int) -> None:
            self.id = row_id

    registry().map_imperatively(Row, rows)
    engine = sa.create_engine("sqlite://")
    metadata.create_all(engine)
    statements: list[str] = []
    sa.event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    minimum = sa.bindparam("minimum", type_=sa.Integer)
    stamp = Stamp(
        lambda: [
            sa.select(sa.func.count()).where(rows.c.id >= minimum),
            sa.select(sa.func.max(rows.c.id)),
        ]
    )
    with Session(engine) as session:
        assert stamp.read(session, minimum=0) == (0, None)
        session.add(Row(3))  # not flushed yet: read() flushes, then counts it
        selects_before = sum(s.lstrip().startswith("SELECT") for s in statements)
        assert stamp.read(session, minimum=0) == (1, 3)
        assert stamp.read(session, minimum=4) == (0, 3)
    assert sum(s.lstrip().startswith("SELECT") for s in statements) == selects_before + 2
