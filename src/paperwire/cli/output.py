"""What commands print, shared by the full commands (typer) and the light path (``light.py``), so both print
the same bytes. Imports neither typer nor SQLAlchemy; rich only when something goes to stderr (or, for
search results, to stdout).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from paperwire.db.rows import HarvestState, Subscriber
    from paperwire.search.results import SearchHit, SearchResults


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


def sqlite_description(path: Path) -> str:
    """Which SQLite file the commands use, and whether it is there yet (``--version``, ``ingest status``)."""
    return f"{path.absolute()}" + ("" if path.exists() else " (not created yet: run `paperwire init`)")


def show_version(version: str, database: str) -> None:
    """``paperwire --version``."""
    print(f"paperwire {version}")
    print(f"database: {database}")


def show_search(results: SearchResults, *, as_json: bool) -> None:
    """``paperwire search``'s results (after any catch-up report)."""
    if as_json:
        print_json([hit_json(hit) for hit in results.hits])
        return
    from rich.markup import escape  # ~30 ms with rich's console: not for --json

    from paperwire.search.results import match_count

    err = stderr_console()
    for note in results.notes:
        err.print(f"[yellow]note:[/] {escape(note)}", highlight=False, soft_wrap=True)
    if results.unknown_id is not None:
        err.print(f"{results.unknown_id} is not in this library.", highlight=False)
        err.print(
            f"To import it from the arXiv API: paperwire ingest arxiv-api --id {results.unknown_id}",
            highlight=False,
            soft_wrap=True,
        )
        return
    err.print(match_count(results), highlight=False)
    show_hits(results.hits)
    err.print(f"{len(results.hits)} of {results.total:,} ranked in {results.took_ms:.0f} ms", highlight=False)
    if results.coverage is not None:
        err.print(f"[yellow]{results.coverage.message}[/]", highlight=False, soft_wrap=True)


def hit_json(hit: SearchHit) -> dict[str, object]:
    """A hit as ``--json`` prints it: every field but the page's HTML snippet."""
    data = hit.as_dict()
    data.pop("snippet_html")
    return data


def show_hits(hits: Sequence[SearchHit]) -> None:
    """Numbered hits on stdout (``search``, ``similar``), the loosely related ones after a rule."""
    from rich.console import Console
    from rich.markup import escape

    from paperwire.search.results import strength

    out = Console()
    if not hits:
        stderr_console().print("no results")
    loose = False
    for number, hit in enumerate(hits, start=1):
        if not hit.matched and not loose and number > 1:
            out.print("    — loosely related —", highlight=False)
        loose = loose or not hit.matched
        day = hit.announced_on or (hit.submitted_at.date() if hit.submitted_at else "")
        label = strength(hit.match, hit.matched) if hit.semantic_rank or hit.lexical_rank else ""
        why = " · ".join(part for part in (hit.why, f"{label} ({hit.match:.0%})" if label else "") if part)
        out.print(f"{number:>2}. [bold]{escape(hit.title)}[/]", highlight=False)
        facts = [hit.id, ", ".join(hit.categories[:3]), day, why]  # no "·  ·" where a paper has no category
        out.print("    " + " · ".join(str(fact) for fact in facts if fact), highlight=False)
