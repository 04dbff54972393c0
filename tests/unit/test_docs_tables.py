"""The docs tables that follow from the registries are written by scripts/gen_docs_tables.py, never by hand:
they are current, and a new source, collector or signal kind gets its rows from the script alone."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

from paperwire.config import Settings
from paperwire.db.engine import Database
from paperwire.ingest import collectors, sources
from paperwire.ingest.pipeline import IngestReport, PageCallback

ROOT = Path(__file__).parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_docs_tables", ROOT / "scripts" / "gen_docs_tables.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _script()


def test_the_generated_tables_are_current() -> None:
    assert gen.stale() == [], "run: python scripts/gen_docs_tables.py"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    for name in ("operations.md", "configuration.md"):
        shutil.copy(ROOT / "docs" / name, tmp_path / name)
    return tmp_path


def _unused(db: Database, settings: Settings, paths: Sequence[Path], on_page: PageCallback | None) -> IngestReport:
    raise AssertionError("the docs do not run a source")


def test_a_new_source_and_collector_get_their_rows_from_the_script(docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sources.SOURCES, "fake", sources.PaperSource("fake", "A fake source.", read_files=_unused))
    monkeypatch.setitem(
        collectors.COLLECTORS, "fake", collectors.SignalCollector("fake", ("fake_hits",), "Fake hits.", "x:y")
    )
    assert gen.stale(docs) == ["operations.md: sources", "operations.md: collectors"]
    assert gen.write(docs) == ["operations.md: sources", "operations.md: collectors"]
    text = (docs / "operations.md").read_text()
    assert "| `fake` | — (files) | A fake source. |\n\n<!-- end generated: sources -->" in text
    assert "| `fake` | `fake_hits` | Fake hits. |\n\n<!-- end generated: collectors -->" in text
    assert gen.stale(docs) == []
    assert (docs / "configuration.md").read_text() == (ROOT / "docs" / "configuration.md").read_text()


def test_a_hand_edited_or_missing_weight_row_is_caught_and_rewritten(docs: Path) -> None:
    path = docs / "configuration.md"
    text = path.read_text()
    click = next(line for line in text.splitlines() if line.startswith("| `PAPERWIRE_TRENDING_WEIGHT_CLICK`"))
    edited = text.replace("| `PAPERWIRE_TRENDING_WEIGHT_VIEW` | `0.25` |", "| `PAPERWIRE_TRENDING_WEIGHT_VIEW` | `9` |")
    for broken in (edited, text.replace(click + "\n", "")):  # a kind whose row nobody wrote
        path.write_text(broken)
        assert gen.stale(docs) == ["configuration.md: signal-weights"]
        gen.write(docs)
        assert path.read_text() == (ROOT / "docs" / "configuration.md").read_text()
    assert gen.main(["--check"]) == 0  # the repository's own docs were never touched


def test_a_file_without_its_place_is_an_error(docs: Path) -> None:
    (docs / "operations.md").write_text("# no tables\n")
    with pytest.raises(LookupError, match="no '<!-- generated: sources -->' block"):
        gen.stale(docs)
    rows = "\n".join(gen.weight_rows())
    text = f"| a | b | c |\n|---|---|---|\n{rows}\n| `PAPERWIRE_X` | `1` | x |\n{rows}\n"
    with pytest.raises(LookupError, match=r"want one run of .* rows, found 2"):
        gen.rendered(text, "signal-weights", gen.weight_rows())
    assert gen.rendered(text.replace(f"{rows}\n| `P", "| `P", 1), "signal-weights", ["| new |"]).endswith(
        "| `PAPERWIRE_X` | `1` | x |\n| new |\n"
    )
