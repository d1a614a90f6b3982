"""Background work yields the CPU to the web server as a whole session: Linux weighs nice
values only within a session (autogroup), so the session's own nice value is raised while
the work runs and put back afterwards."""

import os

import pytest

from core import process_priority
from tests.factories import FakeAutogroup


def test_lower_priority_makes_this_process_nicer_and_zero_leaves_it():
    """Run in a child process, so the test runner keeps its own priority."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    queue = context.Queue()

    def child() -> None:
        before = os.nice(0)
        process_priority.lower_priority(0)
        unchanged = os.nice(0)
        process_priority.lower_priority(3)
        queue.put((before, unchanged, os.nice(0)))

    process = context.Process(target=child)
    process.start()
    before, unchanged, after = queue.get(timeout=60)
    process.join(timeout=60)
    assert unchanged == before and after == min(19, before + 3)


def test_the_session_is_made_nicer_during_the_block_and_put_back_after(monkeypatch):
    group = FakeAutogroup()
    monkeypatch.setattr(process_priority, "AUTOGROUP", group)
    with process_priority.session_nicer(10):
        assert group.nice == 10
    assert group.nice == 0 and group.writes == [10, 0]


def test_a_session_already_as_nice_or_without_autogroups_is_left_alone(monkeypatch, tmp_path):
    group = FakeAutogroup(nice=15)
    monkeypatch.setattr(process_priority, "AUTOGROUP", group)
    with process_priority.session_nicer(10):
        pass
    assert group.writes == []
    monkeypatch.setattr(process_priority, "AUTOGROUP", tmp_path / "missing")
    with process_priority.session_nicer(10):
        pass
    assert not (tmp_path / "missing").exists()


def test_the_session_is_put_back_when_the_block_fails(monkeypatch):
    group = FakeAutogroup()
    monkeypatch.setattr(process_priority, "AUTOGROUP", group)
    with pytest.raises(RuntimeError), process_priority.session_nicer(10):
        raise RuntimeError("a failed export")
    assert group.nice == 0
