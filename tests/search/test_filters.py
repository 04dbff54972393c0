from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

from paperwire.search.filters import (
    NO_DAY,
    SearchFilters,
    category_matches,
    category_paths,
    category_prefixes,
    filing_day,
    to_day,
)
from paperwire.search.query import QueryError
from paperwire.search.rows import RowMeta, RowTable


@pytest.mark.parametrize(
    ("category", "pattern", "expected"),
    [
        ("cs.LG", "cs.lg", True),
        ("cs.LG", "cs", True),
        ("cs.LG", "cs.cl", False),
        ("cs.LG", "c", False),
        ("hep-th", "hep-th", True),
        ("hep-th", "hep", False),
        ("math.PR", "math", True),
    ],
)
def test_category_patterns(category: str, pattern: str, expected: bool) -> None:
    assert category_matches(category, pattern) is expected


def test_prefix_forms_are_normalised_and_junk_rejected() -> None:
    assert category_prefixes(SearchFilters(categories=["cs.*", "CS.LG", "math", "hep-th*"])) == [
        "cs",
        "cs.lg",
        "math",
        "hep-th",
    ]
    with pytest.raises(QueryError, match="not a category"):
        category_prefixes(SearchFilters(categories=["cs.LG OR 1=1"]))


def test_an_empty_date_range_is_an_error() -> None:
    with pytest.raises(QueryError, match="date range is empty"):
        category_prefixes(SearchFilters(since=date(2026, 2, 1), until=date(2026, 1, 1)))


def test_category_paths_include_the_archive() -> None:
    assert category_paths(["cs.LG", "stat.ML", "hep-th"]) == ["cs.lg", "cs", "stat.ml", "stat", "hep-th"]


def test_filing_day_prefers_the_announcement() -> None:
    assert filing_day(date(2026, 1, 2), datetime(2025, 12, 30, 9)) == to_day(date(2026, 1, 2))
    assert filing_day(None, datetime(2025, 12, 30, 9)) == to_day(date(2025, 12, 30))
    assert filing_day(None, None) == NO_DAY


def test_row_mask_applies_every_filter_and_skips_dead_rows() -> None:
    table = RowTable()
    day = to_day(date(2026, 1, 10))
    table.append(
        [
            RowMeta("a", day, True, ("cs.LG", "stat.ML")),
            RowMeta("b", day + 5, False, ("math.PR",)),
            RowMeta("c", NO_DAY, True, ("cs.CL",)),
        ]
    )
    assert table.mask(None) is None
    assert list(table.mask(SearchFilters(categories=["cs.*"]))) == [True, False, True]  # type: ignore[arg-type]
    assert list(table.mask(SearchFilters(categories=["stat.ML"]))) == [True, False, False]  # type: ignore[arg-type]
    since = SearchFilters(since=date(2026, 1, 11))
    assert list(table.mask(since)) == [False, True, False]  # type: ignore[arg-type]
    assert list(table.mask(SearchFilters(has_code=False))) == [False, True, False]  # type: ignore[arg-type]
    table.append([RowMeta("a", day, True, ("cs.LG",))])  # an update: row 0 dies, row 3 replaces it
    assert list(table.mask(None)) == [False, True, True, True]  # type: ignore[arg-type]
    assert table.row_of == {"a": 3, "b": 1, "c": 2}


def test_row_table_round_trips_through_its_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "rows.npz"
    table = RowTable()
    table.append([RowMeta("2401.00001", 5, True, ("cs.LG",)), RowMeta("hep-th/9901001", 7, False, ())])
    table.remove("2401.00001")
    table.save(path)
    loaded = RowTable.load(path)
    assert loaded.ids == table.ids
    assert loaded.row_of == {"hep-th/9901001": 1}
    assert np.array_equal(loaded.cats, table.cats)
    assert loaded.vocab == table.vocab
    empty = RowTable()
    empty.save(path)
    assert RowTable.load(path).ids == []
