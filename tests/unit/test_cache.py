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
