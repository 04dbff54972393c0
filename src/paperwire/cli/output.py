"""What commands print, shared by the full commands (typer) and the light path (``light.py``), so both print
the same bytes. Imports neither typer nor SQLAlchemy; rich only when something goes to stderr.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from paperwire.db.rows import HarvestState, Subscriber


@cache
def stderr_console() -> Console:
    """The console for human output (progress, summaries, errors): stderr, so stdout stays pipeable."""
    from rich.console import Console  # ~25 ms: `papers count` and --json output never need it

    return Console(stderr=True)


def print_error(message: str) -> None:
    """A domain error as one line on stderr (the caller exits with code 1)."""
    stderr_console().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2) + "\n")


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def show_subscribers(rows: Sequence[Subscriber], *, as_json: bool) -> None:
    """``paperwire subscribers list``."""
    if as_json:
        print_json([s.as_dict() for s in rows])
        return
    for s in rows:
        flags = " paused" if s.paused else ""
        flags += f" suppressed({s.suppressed_reason})" if s.suppressed_at else ""
        print(
            f"{s.email}\t{s.status}{flags}\t{s.frequency}@{s.hour:02d} {s.timezone}\t"
            f"topics={';'.join(s.topics)}\tcategories={';'.join(s.categories)}"
        )
    stderr_console().print(f"{len(rows)} subscriber(s)")


def show_harvests(states: Sequence[HarvestState], database: str, *, as_json: bool) -> None:
    """``paperwire ingest status``: ``database`` says which database that is."""
    if as_json:
        print_json([asdict(s) for s in states])
        return
    err = stderr_console()
    err.print(f"database: {database}", highlight=False, soft_wrap=True)
    if not states:
        err.print("no harvests yet")
    for s in states:
        err.print(
            f"{s.source}: {s.status}, {s.pages_done} pages, {s.records_done:,} records, "
            f"last datestamp {s.last_datestamp or '-'}" + (f", error: {s.error}" if s.error else ""),
            highlight=False,
        )
