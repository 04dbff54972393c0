"""The web app factory. For now a minimal, working list of the newest papers; the web issue grows it."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from paperwire.config import Settings
from paperwire.db import papers
from paperwire.db.engine import Database
from paperwire.ingest.normalize import split_arxiv_id

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    database = db or Database(settings.resolved_database_url)
    app = FastAPI(title="paperwire", version="0.1.0")
    app.state.settings = settings
    app.state.db = database

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/", response_class=HTMLResponse)
    def index(request: Request) -> HTMLResponse:
        latest = papers.latest_papers(database, limit=100)
        total = papers.count_papers(database)
        return TEMPLATES.TemplateResponse(request, "index.html", {"papers": latest, "total": total})

    @app.get("/papers/{paper_id:path}", response_class=HTMLResponse)
    def paper_page(request: Request, paper_id: str) -> HTMLResponse:
        paper = papers.get_paper(database, split_arxiv_id(paper_id)[0])
        if paper is None:
            raise HTTPException(status_code=404, detail="No such paper")
        return TEMPLATES.TemplateResponse(request, "paper.html", {"paper": paper})

    return app
