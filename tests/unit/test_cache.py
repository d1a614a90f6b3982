"""The bounded least-recently-used cache behind profiles and rendered fragments."""

import pytest

from core.cache import LRUCache


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


class _Counter:
    """A stamp over one table, and a session on an in-memory SQLite database."""

    def __init__(self) -> None:
        import sqlalchemy as sa
        from sqlalchemy.orm import Session

        from core.cache import Stamp

        metadata = sa.MetaData()
        self.rows = sa.Table("rows", metadata, sa.Column("id", sa.Integer, primary_key=True))
        engine = sa.create_engine("sqlite://")
        metadata.create_all(engine)
        self.session = Session(engine)
        self.statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute", lambda *a: self.statements.append(a[2]))
        minimum = sa.bindparam("minimum", type_=sa.Integer)
        self.stamp = Stamp(lambda: [sa.select(sa.func.count()).where(self.rows.c.id >= minimum)])

    def insert(self, row_id: int) -> None:
        self.session.execute(self.rows.insert().values(id=row_id))

    def read_along(self, minimum: int = 0) -> None:
        """Read the stamp as extra columns of another query, as the user loader does."""
        import sqlalchemy as sa

        values = self.session.execute(
            sa.select(sa.literal(1), *self.stamp.columns()), {"minimum": minimum}
        ).one()[1:]
        self.stamp.read_along(self.session, values, minimum=minimum)


def test_a_stamp_read_along_another_query_costs_no_query_of_its_own():
    counter = _Counter()
    counter.insert(1)
    counter.read_along()
    before = len(counter.statements)
    assert counter.stamp.read(counter.session, minimum=0) == (1,)
    assert len(counter.statements) == before
    # Used once: the next read asks the database again.
    assert counter.stamp.read(counter.session, minimum=0) == (1,)
    assert len(counter.statements) == before + 1


def test_a_write_in_between_makes_the_stamp_read_again():
    counter = _Counter()
    counter.read_along()
    counter.insert(1)
    assert counter.stamp.read(counter.session, minimum=0) == (1,)


def test_a_read_in_between_keeps_the_stamp_read_along():
    import sqlalchemy as sa

    counter = _Counter()
    counter.read_along()
    counter.session.execute(sa.select(counter.rows.c.id))
    before = len(counter.statements)
    assert counter.stamp.read(counter.session, minimum=0) == (0,)
    assert len(counter.statements) == before


def test_other_parameters_make_the_stamp_read_again():
    counter = _Counter()
    counter.insert(5)
    counter.read_along(minimum=0)
    assert counter.stamp.read(counter.session, minimum=6) == (0,)


def test_a_pending_change_makes_the_stamp_read_again():
    from sqlalchemy.orm import registry

    class Row:
        def __init__(self, row_id: int) -> None:
            self.id = row_id

    counter = _Counter()
    registry().map_imperatively(Row, counter.rows)
    counter.read_along()
    counter.session.add(Row(3))  # not flushed yet: read() flushes, then counts it
    assert counter.stamp.read(counter.session, minimum=0) == (1,)
