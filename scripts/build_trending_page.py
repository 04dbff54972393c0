"""Render docs/trending.md into the site's "How ranking works" page (``/about/trending``).

Usage: .venv/bin/python scripts/build_trending_page.py   (a test fails when the page is older than the doc)
"""

from __future__ import annotations

from pathlib import Path

from markdown_it import MarkdownIt

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "docs" / "trending.md"
TARGET = ROOT / "src" / "paperwire" / "web" / "templates" / "generated" / "how_trending_works.html"
HEADER = "<!-- generated from docs/trending.md by scripts/build_trending_page.py: do not edit -->\n"


def render(markdown: str) -> str:
    return HEADER + MarkdownIt("commonmark").enable("table").render(markdown)


def main() -> int:
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(render(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
