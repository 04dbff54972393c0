"""Crash points for fault injection: the `make faults` suite kills a sender at each named point in turn.

``PAPERWIRE_CRASH_AT=point:n`` makes the process SIGKILL itself the n-th time it reaches ``point`` (the
points, and what a crash at each one leads to, are listed in docs/reliability.md). Unset — always, outside
the fault tests — a point costs one string comparison. Failpoints of this kind are how FoundationDB and
TiKV test their commit paths: the crash lands exactly where it is meant to, every run.
"""

from __future__ import annotations

import os
import signal
import threading

DELIVERY_POINTS = ("claimed", "composed", "body_sent", "dot_held", "committed", "released", "acknowledged")

_point, _, _nth = os.environ.get("PAPERWIRE_CRASH_AT", "").partition(":")
_target = int(_nth or "1") if _point else 0
_passed = 0
_lock = threading.Lock()


def crash_point(name: str) -> None:
    """Die here (SIGKILL: no cleanup, no flush, like a power cut for this process) when configured to."""
    global _passed
    if name != _point:
        return
    with _lock:
        _passed += 1
        if _passed == _target:
            os.kill(os.getpid(), signal.SIGKILL)
