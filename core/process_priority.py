"""Operating-system priority of background work: bulk exports and job workers yield the CPU
to the web server. Flask-free, like the rest of core."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

# Linux's per-session scheduling group ("autogroup") of this process, with its nice value.
AUTOGROUP = Path("/proc/self/autogroup")


def lower_priority(niceness: int) -> None:
    """Make this process nicer by ``niceness`` (0 leaves it as it is)."""
    if niceness:
        try:
            os.nice(niceness)
        except OSError:
            log.info("could not lower the priority of process %s", os.getpid())


def _autogroup_nice() -> int | None:
    try:
        match = re.search(r"\bnice (-?\d+)", AUTOGROUP.read_text())
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _set_autogroup_nice(value: int) -> bool:
    for _ in range(5):
        try:
            AUTOGROUP.write_text(str(value))
            return True
        except BlockingIOError:  # the kernel takes one change per 100 ms from a normal user
            time.sleep(0.11)
        except OSError:
            break
    log.info("could not set the nice value of this session's scheduling group to %s", value)
    return False


@contextlib.contextmanager
def session_nicer(niceness: int) -> Iterator[None]:
    """Lower the CPU share of this process's whole session while the block runs.

    Linux (with autogroups) shares the CPU equally between sessions — a shell, a service
    started on its own — and weighs a process's nice value only against the processes of its
    own session. An export started from a shell, niced or not, took half the CPU from a web
    server in another session. The session's nice value weighs the group as a whole; it is
    restored afterwards. Without autogroups (or /proc) nothing changes.
    """
    before = _autogroup_nice() if niceness else None
    changed = before is not None and before < niceness and _set_autogroup_nice(niceness)
    try:
        yield
    finally:
        if changed and before is not None:
            _set_autogroup_nice(before)
