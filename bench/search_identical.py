"""Search results identical between two versions of the code: a latency change must not change what is found.

Usage:
  .venv/bin/python bench/search_identical.py --ref main                 # a 20k-paper index, 30% first-pass
  .venv/bin/python bench/search_identical.py --ref 2a32e31 --pending 0   # every paper upgraded
  .venv/bin/python bench/search_identical.py --ref main --home /tmp/lat/home100k/home   # an index built before
  .venv/bin/python bench/search_identical.py --ref main --keep --workdir /tmp/lat      # keep the built index

One index (built here with this checkout's code from the shared corpus, papers replicated with perturbed text
and random unit vectors as ``search_latency.py`` does, ``--pending`` of them left in the first-pass space; or
an existing paperwire home, ``--home``) is searched by the code of ``--ref`` (``git archive`` into a temporary
folder, run with ``PYTHONPATH``) and by this checkout, each in its own process, with ~250 varied queries: title
spans, single words, "phrases", sentences, a pasted abstract, random letters, stop words, odd input, author
names as printed and reordered, exact titles, arXiv ids and URLs (known and unknown), ``au: ti: abs: cat: id:``
and exclusions, filters, pages, sorts. Compared: every field of each ``SearchResults`` but ``took_ms`` (ids,
ranks, scores, match, matched, snippets, explanations, counts, notes), ``match_scores``, and every candidate
``_ranked`` judges with its unrounded score, BM25, cosine and chance (when both versions have ``_ranked``).
Prints the number of cases and of differences, the first differences, and exits 1 when any differ.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
CHECKOUT = BENCH.parent

# --- the cases ------------------------------------------------------------------------------------------

# A case: {"q": query, "filters": {...} | None, "limit", "offset", "sort", "trending": bool}.
Case = dict[str, Any]


def _case(q: str, **page: Any) -> Case:
    return {"q": q, "filters": None, "limit": 20, "offset": 0, "sort": "relevance", "trending": False, **page}


def _words(text: str) -> list[str]:
    return [w.strip(".,:;()[]{}$\\\"'") for w in text.split() if w.strip(".,:;()[]{}$\\\"'").isalpha()]


def make_cases(papers: list[dict[str, Any]], rng: random.Random) -> list[Case]:
    """~250 queries of every kind the search box gets, some with filters, pages and sorts."""
    cases: list[Case] = []
    picks = rng.sample(papers, 120)
    for paper in picks[:60]:  # title spans, as search_latency.py makes them
        words = [w.lower() for w in _words(paper["title"]) if len(w) > 2]
        if len(words) >= 2:
            n = rng.randint(2, min(4, len(words)))
            start = rng.randrange(len(words) - n + 1)
            span = " ".join(words[start : start + n])
            cases.append(_case(f'"{span}"' if rng.random() < 0.15 else span))
    for paper in picks[60:75]:  # single words, one being typed (a prefix)
        words = [w.lower() for w in _words(paper["abstract"]) if len(w) > 4]
        if words:
            word = rng.choice(words)
            cases.append(_case(word))
            cases.append(_case(word[: max(3, len(word) - 2)]))
    for paper in picks[75:85]:  # sentences, and one pasted abstract
        words = paper["abstract"].split()
        cases.append(_case(" ".join(words[: rng.randint(8, 20)])))
    cases.append(_case(picks[85]["abstract"]))
    for paper in picks[86:101]:  # exact titles (pinned), one lower-cased
        cases.append(_case(paper["title"]))
    cases.append(_case(picks[101]["title"].lower()))
    authors = [paper["authors"] for paper in picks if paper["authors"]]
    for names in authors[:25]:  # author names as printed, reordered, with initials, au:
        name = names[0]
        parts = name.split()
        cases.append(_case(name))
        if len(parts) >= 2:
            cases.append(_case(f"{parts[-1]}, {' '.join(parts[:-1])}"))
            cases.append(_case(". ".join(p[0] for p in parts[:-1]) + ". " + parts[-1]))
            cases.append(_case(f"au:{parts[-1]}"))
    for paper in picks[:12]:  # ids: plain, versioned, URL, id:
        cases.append(_case(paper["id"]))
    for paper in picks[12:16]:
        cases += [_case(f"{paper['id']}v1"), _case(f"https://arxiv.org/abs/{paper['id']}"), _case(f"id:{paper['id']}")]
    cases += [_case("2104.12255"), _case("arXiv:2104.12255v2"), _case("id:2104.12255 diffusion")]
    for paper in picks[16:40]:  # operators and exclusions, combined with words
        words = [w.lower() for w in _words(paper["title"]) if len(w) > 3] or ["model"]
        other = [w.lower() for w in _words(paper["abstract"]) if len(w) > 5] or ["learning"]
        category = paper["categories"][0] if paper["categories"] else "cs.LG"
        kind = len(cases) % 6
        if kind == 0:
            cases.append(_case(f"ti:{words[0]} {rng.choice(other)}"))
        elif kind == 1:
            cases.append(_case(f"abs:{rng.choice(other)} -{words[-1]}"))
        elif kind == 2:
            cases.append(_case(f"{' '.join(words[:2])} cat:{category}"))
        elif kind == 3:
            cases.append(_case(f'{words[0]} -"{" ".join(other[:2])}"'))
        elif kind == 4:
            surname = paper["authors"][0].split()[-1] if paper["authors"] else "smith"
            cases.append(_case(f"au:{surname} {words[0]}"))
        else:
            cases.append(_case(f'ti:"{" ".join(words[:2])}" cat:{category.split(".")[0]}.*'))
    odd = [
        '"unbalanced quote',
        "ti:",
        "-",
        "the of and",
        "$\\alpha$-stable \\mathcal{L} noise",
        "au: ti: cat:",
        "C++ templates",
        "naïve Bayes über café",
        "what is attention?",
        "cat:cs.CL",
        "cat:math.*",
        '""',
    ]
    cases += [_case(q) for q in odd]
    letters = random.Random(5)
    cases += [_case("".join(letters.choices(string.ascii_lowercase, k=letters.randint(5, 12)))) for _ in range(6)]
    variants = [  # filters, pages and sorts on some of the above
        {"filters": {"categories": ["cs.LG"]}},
        {"filters": {"categories": ["cs.*"], "since": "2026-06-15"}},
        {"filters": {"until": "2026-06-20", "has_code": True}},
        {"offset": 20},
        {"limit": 5, "offset": 3},
        {"sort": "date"},
        {"sort": "trending", "trending": True},
        {"limit": 100},
    ]
    base = [c for c in cases if not c["q"].startswith(("au:", "id:"))]
    for n, variant in enumerate(variants * 4):
        cases.append({**base[(n * 7) % len(base)], **variant})
    return cases


# --- one version's answers --------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "took_ms"}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return repr(value)  # every bit of it
    if isinstance(value, date):
        return value.isoformat()
    return value


def worker(home: Path, cases_file: Path, out_file: Path) -> None:
    """Answer every case with the paperwire found first on the path (the version under test)."""
    import paperwire
    from paperwire.config import Settings
    from paperwire.db.engine import Database
    from paperwire.search import SearchService
    from paperwire.search.filters import SearchFilters
    from paperwire.search.query import QueryError, parse_query

    cases = json.loads(cases_file.read_text())
    settings = Settings(home=home)
    service = SearchService(settings, Database(settings.resolved_database_url))
    answers = []
    started = time.perf_counter()
    for case in cases:
        filters = None
        if case["filters"]:
            f = case["filters"]
            filters = SearchFilters(
                categories=f.get("categories", []),
                since=date.fromisoformat(f["since"]) if "since" in f else None,
                until=date.fromisoformat(f["until"]) if "until" in f else None,
                has_code=f.get("has_code"),
            )
        answer: dict[str, Any] = {}
        try:
            trending = {}
            if case["trending"]:  # any fixed scores: the same for both versions
                first = service.search(case["q"], filters, limit=100)
                trending = {hit.id: float(len(hit.title) % 7) for hit in first.hits}
            results = service.search(
                case["q"], filters, limit=case["limit"], offset=case["offset"], sort=case["sort"], sort_scores=trending
            )
            answer["results"] = _plain(results)
            ids = [*(hit.id for hit in results.hits[:10]), "2104.12255"]
            answer["match_scores"] = _plain(service.match_scores(case["q"], ids, filters))
            answer["ranked"] = _ranked(service, case["q"], filters, parse_query)
        except QueryError as exc:
            answer["error"] = str(exc)
        answers.append(answer)
    seconds = time.perf_counter() - started
    out_file.write_text(json.dumps({"code": paperwire.__file__, "seconds": seconds, "answers": answers}))


def _ranked(service: Any, query: str, filters: Any, parse_query: Any) -> Any:
    """Every candidate ``_ranked`` judges, unrounded (what the page's rounding could hide)."""
    from dataclasses import replace

    ranked = getattr(service, "_ranked", None)
    if ranked is None:
        return "unavailable"
    parsed = parse_query(query)
    if parsed.categories:
        from paperwire.search.filters import SearchFilters

        base = filters or SearchFilters()
        filters = replace(base, categories=[*base.categories, *parsed.categories])
    index = service._reload_if_advanced()
    with service._lock.reading():
        found = ranked(index, parsed, filters, service.settings.search_depth)
    return _plain(found)


# --- building an index -------------------------------------------------------------------------------------


def build_home(work: Path, size: int, pending: float) -> Path:
    """A home of ``size`` replicated corpus papers with random unit vectors, ``pending`` of them without one
    (indexed in the first-pass space only, as during a transformer catch-up)."""
    import numpy as np

    sys.path.insert(0, str(BENCH))
    import search_latency as latency
    from paperwire.config import Settings
    from paperwire.db.engine import Database
    from paperwire.db.migrate import upgrade
    from paperwire.db.schema import paper_embeddings
    from paperwire.search import SearchService
    from paperwire.search.embedder import OnnxMiniLM

    settings = Settings(home=work / "home")
    db = Database(settings.resolved_database_url)
    upgrade(db)
    latency.store_records(db, latency.replicas(latency.real_records(), size, random.Random(7)))
    embedder = OnnxMiniLM(max_tokens=settings.search_max_tokens)
    rng = np.random.default_rng(7)
    with db.read() as conn:
        rows = conn.exec_driver_sql("SELECT id, seq FROM papers ORDER BY seq").all()
    keep = [row for row in rows if rng.random() >= pending]
    vectors = rng.standard_normal((len(keep), latency.DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    values = [
        {"paper_id": pid, "model": embedder.name, "dim": latency.DIM, "vector": v.astype("<f2").tobytes()}
        | {"paper_seq": seq}
        for (pid, seq), v in zip(keep, vectors, strict=True)
    ]
    with db.write() as conn:
        for start in range(0, len(values), 20_000):
            conn.execute(paper_embeddings.insert(), values[start : start + 20_000])
    SearchService(settings, db, embedder=embedder).catch_up(upgrade=0)  # the rest stay first-pass
    return work / "home"


def papers_of(home: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(home / "paperwire.db") as conn:
        sql = "SELECT id, title, abstract, authors, categories FROM papers WHERE NOT deleted ORDER BY seq"
        rows = conn.execute(sql)
        return [
            {"id": r[0], "title": r[1], "abstract": r[2], "authors": json.loads(r[3]), "categories": json.loads(r[4])}
            for r in rows
        ]


# --- comparing -----------------------------------------------------------------------------------------------


def run_version(src: Path, home: Path, cases_file: Path, out_file: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(home), str(cases_file), str(out_file)]
    subprocess.run(command, env=env, check=True)
    answers: dict[str, Any] = json.loads(out_file.read_text())
    return answers


def differences(cases: list[Case], old: list[Any], new: list[Any]) -> list[str]:
    found = []
    for case, a, b in zip(cases, old, new, strict=True):
        for part in sorted(set(a) | set(b)):
            if a.get(part) != b.get(part):
                found.append(f"{part} of {json.dumps(case)}: {_first_difference(a.get(part), b.get(part))}")
    return found


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {str(a)[:160]!r} != {str(b)[:160]!r}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ref", default="main", help="The git ref to compare this checkout with.")
    parser.add_argument("--home", type=Path, default=None, help="An existing paperwire home with its index.")
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--pending", type=float, default=0.3, help="Share of papers left in the first-pass space.")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="Keep the built home (printed).")
    parser.add_argument("--worker", nargs=3, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    work = Path(tempfile.mkdtemp(prefix="pw-identical-", dir=args.workdir))
    try:
        home = args.home or build_home(work, args.size, args.pending)
        cases = make_cases(papers_of(home), random.Random(13))
        cases_file = work / "cases.json"
        cases_file.write_text(json.dumps(cases))
        ref_tree = work / "ref"
        ref_tree.mkdir()
        git = ["git", "-C", str(CHECKOUT), "archive", args.ref, "src"]
        archive = subprocess.run(git, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(ref_tree)], input=archive.stdout, check=True)
        old = run_version(ref_tree / "src", home, cases_file, work / "old.json")
        new = run_version(CHECKOUT / "src", home, cases_file, work / "new.json")
        found = differences(cases, old["answers"], new["answers"])
        ranked = sum(1 for a in new["answers"] if isinstance(a.get("ranked"), dict))
        print(
            json.dumps(
                {
                    "ref": args.ref,
                    "home": str(home),
                    "cases": len(cases),
                    "refused (QueryError, both)": sum(1 for a in new["answers"] if "error" in a),
                    "with unrounded candidates": ranked,
                    "differences": len(found),
                    "ref code": old["code"],
                    "this code": new["code"],
                    "seconds ref / this": [round(old["seconds"], 1), round(new["seconds"], 1)],
                    "load_average": [round(x, 1) for x in os.getloadavg()],
                },
                indent=2,
            )
        )
        for line in found[:20]:
            print(line)
        if found:
            sys.exit(1)
    finally:
        if args.keep:
            print(f"kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
