"""Bulk export processes give way to the web server: they run at a lower CPU priority (how the
session as a whole yields: test_process_priority)."""

import multiprocessing
import os

from plans import export


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
