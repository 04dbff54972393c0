"""Crash points for fault injection: the `make faults` suite kills a sender at each named point in turn.

``PAPERWIRE_CRASH_AT=point:n`` makes the process SIGKILL itself the n-th time it reaches ``point`` (the
points, and what a crash at each one leads to, are listed in docs/reliability.md). Unset — always, outside
the fault tests — a point costs one string comparison. Failpoints of this kind are how FoundationDB and
TiKV test their commit paths: the crash lands exactly where it is meant to, every run.

``PAPERWIRE_FAULTS_WINDOW_LOG=path`` makes a sender note, with one unbuffered append each, when a message
enters the at-most-once window (its dot held, just before the "sent" commit) and when it leaves it (the dot
released). A test that kills the sender at a random moment reads the log afterwards: a message entered but
never left is the only one the kill may have lost. Unset, each note is one comparison.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Sequence

DELIVERY_POINTS = ("claimed", "composed", "body_sent", "dot_held", "committed", "released", "acknowledged")

_point, _, _nth = os.environ.get("PAPERWIRE_CRASH_AT", "").partition(":")
_target = int(_nth or "1") if _point else 0
_passed = 0
_lock = threading.Lock()
_window_log = os.environ.get("PAPERWIRE_FAULTS_WINDOW_LOG", "")
_window_fd = os.open(_window_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if _window_log else -1


def crash_point(name: str) -> None:
    """Die here (SIGKILL: no cleanup, no flush, like a power cut for this process) when configured to."""
    global _passed
    if name != _point:
        return
    with _lock:
        _passed += 1
        if _passed == _target:
            os.kill(os.getpid(), signal.SIGKILL)


def note_window(event: str, recipients: Sequence[str]) -> None:
    """``event`` is "enter" or "leave" for the message to ``recipients``; the write is a single system call,
    so it survives a SIGKILL after it. Unarmed, nothing is built (it runs on every message's commit path)."""
    if _window_fd >= 0:
        os.write(_window_fd, f"{event} {','.join(recipients)}\n".encode())


def open_windows(log: str) -> set[str]:
    """The messages (their recipients, comma-joined) a log shows entering the window and never leaving it."""
    inside: set[str] = set()
    with open(log, encoding="utf-8") as lines:
        for line in lines:
            event, _, message_id = line.strip().partition(" ")
            if event == "enter":
                inside.add(message_id)
            elif event == "leave":
                inside.discard(message_id)
    return inside
