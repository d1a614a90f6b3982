"""Bulk export processes give way to the web server: they run at a lower CPU priority, and
so does their session as a whole (Linux weighs nice values only within a session)."""

import multiprocessing
import os

import pytest

from plans import export
from tests.factories import FakeAutogroup


def _niceness_of_a_started_worker(niceness: int, queue) -> None:
    export._start_worker("sqlite://", niceness)
    queue.put(os.nice(0))


def _started_worker_niceness(niceness: int) -> int:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_niceness_of_a_started_worker, args=(niceness, queue))
    child.start()
    value = queue.get(timeout=60)
    child.join(timeout=60)
    return value


def test_export_workers_start_nicer_than_the_process_that_starts_them():
    mine = os.nice(0)
    assert export.EXPORT_NICENESS > 0
    assert _started_worker_niceness(export.EXPORT_NICENESS) == min(
        19, mine + export.EXPORT_NICENESS
    )


def test_a_niceness_of_zero_leaves_the_worker_priority_alone():
    assert _started_worker_niceness(0) == os.nice(0)


def test_the_export_uses_the_lower_priority_by_default():
    defaults = export.export_to_directory.__kwdefaults__
    assert defaults["niceness"] == export.EXPORT_NICENESS


def test_the_session_is_made_nicer_during_an_export_and_put_back_after(monkeypatch):
    group = FakeAutogroup()
    monkeypatch.setattr(export, "AUTOGROUP", group)
    with export.session_nicer(10):
        assert group.nice == 10
    assert group.nice == 0 and group.writes == [10, 0]


def test_a_session_already_as_nice_or_without_autogroups_is_left_alone(monkeypatch, tmp_path):
    group = FakeAutogroup(nice=15)
    monkeypatch.setattr(export, "AUTOGROUP", group)
    with export.session_nicer(10):
        pass
    assert group.writes == []
    monkeypatch.setattr(export, "AUTOGROUP", tmp_path / "missing")
    with export.session_nicer(10):
        pass
    assert not (tmp_path / "missing").exists()


def test_the_session_is_put_back_when_the_export_fails(monkeypatch):
    group = FakeAutogroup()
    monkeypatch.setattr(export, "AUTOGROUP", group)
    with pytest.raises(RuntimeError), export.session_nicer(10):
        raise RuntimeError("a failed export")
    assert group.nice == 0
