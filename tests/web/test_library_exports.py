"""The library's downloads (BibTeX, CSV) and the data export with votes, saves and likes (issue 14). BibTeX is
parsed back with bibtexparser, CSV with the csv module; a GET of each changes nothing."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import bibtexparser
from fastapi.testclient import TestClient
from sqlalchemy import select

from paperwire.core.clock import utcnow
from paperwire.db import feedback
from paperwire.db import subscribers as subs
from paperwire.db.engine import Database
from paperwire.db.schema import papers
from paperwire.db.subscribers import Preferences
from paperwire.mail.links import Links
from paperwire.web.exports import bibtex, bibtex_text, csv_rows
from testkit.site_helpers import csrf_of, sign_in


def some_papers(db: Database, n: int) -> list[str]:
    with db.read() as conn:
        query = select(papers.c.id).where(papers.c.deleted.is_(False)).order_by(papers.c.id).limit(n)
        return list(conn.execute(query).scalars())


def react(client: TestClient, paper_id: str, kind: str) -> None:
    response = client.post(
        f"/papers/{paper_id}/{kind}", data={"csrf_token": csrf_of(client, "/"), "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303


def test_library_downloads_and_data_export(client: TestClient, site_db: Database) -> None:
    upvoted, saved, liked, more, mailed = some_papers(site_db, 5)
    email = "library-export@example.org"
    sign_in(client, site_db, email)
    react(client, upvoted, "upvote")
    react(client, saved, "save")
    prefs = Preferences(topics=["graphs"], liked=[liked])
    subscriber, _ = subs.add(site_db, email, prefs, confirmed=True, now=utcnow())
    feedback.record(site_db, subscriber.id, more, feedback.MORE, at=utcnow())
    feedback.record(site_db, subscriber.id, mailed, feedback.SAVE, at=utcnow())  # "Save" in a digest

    page = client.get("/library")
    assert page.status_code == 200
    assert f'href="/papers/{saved}"' in page.text
    assert f'href="/papers/{mailed}"' in page.text
    assert "Saved from your digest" in page.text

    bib = client.get("/library.bib")
    assert bib.status_code == 200
    assert bib.headers["content-disposition"] == 'attachment; filename="paperwire-library.bib"'
    library = bibtexparser.parse_string(bib.text)
    assert not library.failed_blocks
    assert sorted(entry["eprint"] for entry in library.entries) == sorted([saved, mailed])
    assert all(entry["archivePrefix"] == "arXiv" for entry in library.entries)

    table = client.get("/library.csv")
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert [row["id"] for row in rows] == [mailed, saved]  # most recently saved first
    assert all(row["url"] == f"https://arxiv.org/abs/{row['id']}" for row in rows)

    data = client.get("/library/my-data.json").json()
    assert [v["paper_id"] for v in data["account"]["votes"]] == [upvoted]
    assert [s["paper_id"] for s in data["account"]["saves"]] == [saved]
    subscription = data["subscription"]
    assert subscription["liked_papers"] == [liked]
    assert {(f["paper_id"], f["kind"]) for f in subscription["feedback"]} == {(more, "more"), (mailed, "save")}

    # The manage page's export has them too (the same address's site account).
    manage = Links.build(client.app.state.services.settings).manage(subscriber.id)  # type: ignore[attr-defined]
    exported = json.loads(client.get(manage.replace("http://testserver", "") + "/export").text)
    assert exported["liked_papers"] == [liked]
    assert [v["paper_id"] for v in exported["site_account"]["votes"]] == [upvoted]
    assert [s["paper_id"] for s in exported["site_account"]["saves"]] == [saved]
    assert exported["digest_clicks"] == []


def test_downloads_need_sign_in(client: TestClient) -> None:
    for path in ("/library.bib", "/library.csv", "/library/my-data.json"):
        assert client.get(path, follow_redirects=False).status_code == 303


TRICKY = {
    "id": "2401.00001",
    "title": "Sparse {Experts} & 100% of $O(n_1)$ routing #1 under_score } stray",
    "authors": ["Ada Lovelace", "Émile Borel", "Jean-Luc O'Neil"],
    "categories": ["cs.LG"],
    "primary_category": "cs.LG",
    "announced_on": date(2024, 1, 2),
    "doi": "10.1000/x_y",
    "abstract": "=SUM(A1) looks like a formula",
}


def test_bibtex_of_awkward_titles_parses_and_keeps_the_math() -> None:
    text = bibtex([TRICKY, {**TRICKY, "id": "2401.00002"}, {**TRICKY, "id": "local-7", "title": "Plain"}])
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    keys = [entry.key for entry in library.entries]
    assert keys == ["lovelace2024sparse", "lovelace2024sparsea", "lovelace2024plain"]  # unique keys
    first = library.entries[0]
    assert first["title"] == r"Sparse Experts \& 100\% of $O(n_1)$ routing \#1 under\_score stray"
    assert first["author"] == "Ada Lovelace and Émile Borel and Jean-Luc O'Neil"
    assert (first["year"], first["eprint"], first["primaryClass"]) == ("2024", "2401.00001", "cs.LG")
    assert "eprint" not in library.entries[2].fields_dict  # not an arXiv paper: no arXiv fields
    assert bibtex_text("{balanced} stays") == "{balanced} stays"


def test_csv_cells_cannot_run_as_formulas() -> None:
    [row] = list(csv.DictReader(io.StringIO(csv_rows([TRICKY]))))
    assert row["abstract"] == "'=SUM(A1) looks like a formula"
    assert row["authors"] == "Ada Lovelace; Émile Borel; Jean-Luc O'Neil"
