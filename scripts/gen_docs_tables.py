"""Write the docs tables that follow from the registries, so a new source, collector or signal kind needs no
hand-written docs row.

    python scripts/gen_docs_tables.py          # rewrite the generated tables in docs/
    python scripts/gen_docs_tables.py --check  # exit 1 (and say which) if one is out of date

- docs/operations.md ``sources``: ``paperwire.ingest.sources.SOURCES``, and ``collectors``:
  ``paperwire.ingest.collectors.COLLECTORS`` (made from the signal kinds), each a whole table between
  ``<!-- generated: NAME ... -->`` and ``<!-- end generated: NAME -->``;
- docs/configuration.md ``signal-weights``: the ``PAPERWIRE_TRENDING_WEIGHT_<KIND>`` settings, one per row of
  ``paperwire.core.signals.KINDS``: the one run of such rows inside the table of all settings (a comment
  would break that table), in the order of the kinds.
``tests/unit/test_docs_tables.py`` runs the check.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from paperwire.config import Settings
from paperwire.core import signals
from paperwire.ingest.collectors import COLLECTORS
from paperwire.ingest.sources import SOURCES, PaperSource

DOCS = Path(__file__).resolve().parents[1] / "docs"


def source_rows() -> list[str]:
    rows = ["| source | live harvest (`PAPERWIRE_HARVEST_SOURCES`) | what it is |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {_live(s)} | {s.help} |" for s in SOURCES.values()]
    return rows


def _live(source: PaperSource) -> str:
    if source.harvest is None:
        return f"— (files{', ' + source.also if source.also else ''})"
    if not source.argument:
        return f"`{source.name}`"
    word, _, meaning = source.argument.partition(" ")
    return f"`{source.name}:{word}` {meaning}".rstrip()


def collector_rows() -> list[str]:
    rows = ["| collector (`PAPERWIRE_SIGNAL_COLLECTORS`) | signal kinds | what it does |", "|---|---|---|"]
    for c in COLLECTORS.values():
        rows.append(f"| `{c.name}` | {', '.join(f'`{kind}`' for kind in c.kinds)} | {c.help} |")
    return rows


WEIGHT_ROW = "| `PAPERWIRE_TRENDING_WEIGHT_"


def weight_rows() -> list[str]:
    rows = []
    for kind in signals.KINDS:
        field = Settings.model_fields[kind.weight_setting]
        rows.append(f"| `PAPERWIRE_{kind.weight_setting.upper()}` | `{field.default}` | {field.description} |")
    return rows


TABLES: dict[str, tuple[str, Callable[[], list[str]]]] = {
    "sources": ("operations.md", source_rows),
    "collectors": ("operations.md", collector_rows),
    "signal-weights": ("configuration.md", weight_rows),
}
_RUNS = {"signal-weights": re.compile(rf"(?m)(?:^{re.escape(WEIGHT_ROW)}.*\n)+")}


def _marked(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"<!-- generated: {re.escape(name)}\b[^\n]*-->\n(.*?)<!-- end generated: {re.escape(name)} -->",
        re.DOTALL,
    )


def rendered(text: str, name: str, rows: list[str]) -> str:
    """``text`` with the table ``name`` holding ``rows`` (``LookupError`` if the file has no such place)."""
    if name in _RUNS:
        runs = list(_RUNS[name].finditer(text))
        if len(runs) != 1:
            raise LookupError(f"{name}: want one run of '{WEIGHT_ROW}' rows, found {len(runs)}")
        start, end, body = runs[0].start(), runs[0].end(), "\n".join(rows) + "\n"
    else:
        found = _marked(name).search(text)
        if found is None:
            raise LookupError(f"no '<!-- generated: {name} -->' block")
        start, end, body = found.start(1), found.end(1), "\n" + "\n".join(rows) + "\n\n"
    return text[:start] + body + text[end:]


def stale(docs: Path = DOCS) -> list[str]:
    """The tables that differ from what the registries say, as ``file: name``."""
    out = []
    for name, (file, rows) in TABLES.items():
        text = (docs / file).read_text()
        if rendered(text, name, rows()) != text:
            out.append(f"{file}: {name}")
    return out


def write(docs: Path = DOCS) -> list[str]:
    """Rewrite every generated table; returns the ones that changed."""
    changed = stale(docs)
    for name, (file, rows) in TABLES.items():
        path = docs / file
        path.write_text(rendered(path.read_text(), name, rows()))
    return changed


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out = stale()
        for line in out:
            print(f"out of date: docs/{line} (run python scripts/gen_docs_tables.py)", file=sys.stderr)
        return 1 if out else 0
    for line in write():
        print(f"rewrote docs/{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
