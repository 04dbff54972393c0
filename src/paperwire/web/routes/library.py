"""The library's downloads (BibTeX, CSV) and the signed-in reader's data export. Downloads are GETs that
change nothing."""

from __future__ import annotations

import json

from fastapi import APIRouter
from fastapi.responses import Response

from paperwire.db import subscribers as subs
from paperwire.db import users
from paperwire.web.deps import CurrentUser, ServicesDep
from paperwire.web.exports import bibtex, csv_rows
from paperwire.web.library import library_papers

router = APIRouter(include_in_schema=False)


def _download(body: str, media_type: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/library.bib")
def library_bibtex(services: ServicesDep, user: CurrentUser) -> Response:
    body = bibtex(library_papers(services.db, user))
    return _download(body, "application/x-bibtex; charset=utf-8", "paperwire-library.bib")


@router.get("/library.csv")
def library_csv(services: ServicesDep, user: CurrentUser) -> Response:
    body = csv_rows(library_papers(services.db, user))
    return _download(body, "text/csv; charset=utf-8", "paperwire-library.csv")


@router.get("/library/my-data.json")
def my_data(services: ServicesDep, user: CurrentUser) -> Response:
    """Everything stored about the signed-in reader: the account (votes, saves) and, for the same address,
    the subscription (with its feedback, likes and clicks)."""
    subscriber = subs.find(services.db, user.email)
    data = {
        "account": users.export_account(services.db, user.id),
        "subscription": subs.export(services.db, subscriber.id) if subscriber else None,
    }
    body = json.dumps(data, default=str, indent=2, ensure_ascii=False)
    return _download(body, "application/json", "paperwire-my-data.json")
