"""The library's downloads: BibTeX (for LaTeX, Zotero, JabRef) and CSV (for spreadsheets). Pure functions:
paper rows in, text out."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from paperwire.core.ids import is_arxiv_id

CSV_COLUMNS = ("id", "title", "authors", "categories", "announced_on", "saved_at", "url", "doi", "abstract")
# LaTeX would read these as commands or comments; braces must balance or BibTeX loses the rest of the file.
_LATEX_SPECIAL = re.compile(r"([&%#_$])")  # "$" only where it is not inline math


def bibtex_text(value: str) -> str:
    """A field value BibTeX and LaTeX take as it is: specials escaped outside inline math (titles carry
    ``$O(n)$``), and braces dropped when they do not balance (BibTeX would lose the rest of the file)."""
    text = value if _balanced(value) else value.replace("{", "").replace("}", "")
    text = " ".join(text.split())
    parts = text.split("$")
    if len(parts) % 2 == 0:  # an odd number of dollars is not math: escape them all
        return _LATEX_SPECIAL.sub(r"\\\1", text)
    return "$".join(part if i % 2 else _LATEX_SPECIAL.sub(r"\\\1", part) for i, part in enumerate(parts))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _year(paper: dict[str, Any]) -> str | None:
    for key in ("announced_on", "submitted_at"):
        value = paper.get(key)
        if isinstance(value, date | datetime):
            return str(value.year)
    return None


def _ascii_word(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", plain.lower())


def citation_key(paper: dict[str, Any], taken: set[str]) -> str:
    """``lovelace2026sparse``: first author's family name, year, first long title word; unique in the file."""
    authors = paper.get("authors") or []
    family = _ascii_word(authors[0].split()[-1]) if authors and authors[0].split() else ""
    words = [w for w in (_ascii_word(w) for w in str(paper.get("title", "")).split()) if len(w) > 3]
    base = f"{family or 'paper'}{_year(paper) or ''}{words[0] if words else ''}" or "paper"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2)}" if n <= 27 else f"{base}{n}"
    taken.add(key)
    return key


def bibtex(papers: Iterable[dict[str, Any]]) -> str:
    """One ``@misc`` entry per paper, as arXiv's own "Export BibTeX citation" writes them."""
    taken: set[str] = set()
    entries = []
    for paper in papers:
        fields: list[tuple[str, str]] = [
            ("title", bibtex_text(str(paper["title"]))),
            ("author", " and ".join(bibtex_text(name) for name in paper.get("authors") or [])),
        ]
        if year := _year(paper):
            fields.append(("year", year))
        if is_arxiv_id(str(paper["id"])):
            fields += [("eprint", str(paper["id"])), ("archivePrefix", "arXiv")]
            if paper.get("primary_category"):
                fields.append(("primaryClass", str(paper["primary_category"])))
            fields.append(("url", f"https://arxiv.org/abs/{paper['id']}"))
        if paper.get("doi"):
            fields.append(("doi", bibtex_text(str(paper["doi"]))))
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@misc{{{citation_key(paper, taken)},\n{body}\n}}\n")
    return "\n".join(entries)


def csv_rows(papers: Sequence[dict[str, Any]]) -> str:
    """A header row and one row per paper; lists joined with ``; ``. Cells a spreadsheet would run as a
    formula (starting with ``=``, ``+``, ``-``, ``@``) get a leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for paper in papers:
        row = {
            "id": paper["id"],
            "title": paper["title"],
            "authors": "; ".join(paper.get("authors") or []),
            "categories": "; ".join(paper.get("categories") or []),
            "announced_on": paper.get("announced_on") or "",
            "saved_at": paper.get("saved_at") or "",
            "url": f"https://arxiv.org/abs/{paper['id']}" if is_arxiv_id(str(paper["id"])) else "",
            "doi": paper.get("doi") or "",
            "abstract": " ".join(str(paper.get("abstract") or "").split()),
        }
        writer.writerow([_no_formula(str(row[column])) for column in CSV_COLUMNS])
    return out.getvalue()


def _no_formula(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell
