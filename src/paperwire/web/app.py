"""The web app factory: ``create_app(settings)`` builds the site, the JSON API and the feeds."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Scope

from paperwire import __version__
from paperwire.config import DEFAULT_SECRET, ConfigurationError, Settings, check_settings
from paperwire.db.engine import Database, require_existing
from paperwire.ingest import sources
from paperwire.jobs.scheduler import Scheduler
from paperwire.search import SearchService
from paperwire.web.metrics import MetricsMiddleware
from paperwire.web.routes import admin, api, auth, dev_mail, feeds, ops, pages, subscriptions
from paperwire.web.security import SecurityHeadersMiddleware
from paperwire.web.services import Services
from paperwire.web.templating import STATIC, render

log = logging.getLogger(__name__)
__all__ = ["DEFAULT_SECRET", "ConfigurationError", "check_settings", "create_app"]


def app_from_environment() -> FastAPI:
    """For ``paperwire serve --workers N``: each worker process builds its app from the environment."""
    from paperwire.config import load_settings

    return create_app(load_settings())


class CachedStaticFiles(StaticFiles):
    """Static files are versioned by content hash in their URLs (``static_url``), so cache them long."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def _catch_up_loop(services: Services, stop: threading.Event) -> None:
    """Keep this node's search index up with the database (other nodes and the scheduler write to it)."""
    while not stop.wait(services.settings.index_catch_up_seconds):
        try:
            if services.search.catch_up().changed:
                services.cache.clear()
        except Exception:  # keep serving with the index we have; the next round tries again
            log.exception("search index catch-up failed")


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    search: SearchService | None = None,
    with_scheduler: bool = False,
) -> FastAPI:
    """The site. ``with_scheduler`` (``paperwire run``) also runs the daily jobs in this process."""
    check_settings(settings)
    sources.check_settings(settings)
    if db is None:
        require_existing(settings.resolved_database_url)  # `paperwire init` or `run` creates it, never a page
    database = db or Database(settings.resolved_database_url)
    services = Services.build(settings, database, search)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.search.catch_up_if_behind()  # a full disk must not stop the site: it serves the saved index
        stop = threading.Event()
        worker = threading.Thread(target=_catch_up_loop, args=(services, stop), daemon=True, name="catch-up")
        worker.start()
        scheduler = Scheduler(database, settings, services.search) if with_scheduler else None
        if scheduler:
            scheduler.start()
        yield
        if scheduler:
            scheduler.stop()
        stop.set()
        worker.join(timeout=5)

    app = FastAPI(
        title="paperwire",
        version=__version__,
        description="Trending research papers: search, trending, votes and saves, feeds.",
        docs_url=None,  # served by pages.api_docs from local assets: nothing may load from a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="paperwire_session",
        max_age=settings.session_days * 86400,
        same_site="lax",
        https_only=urlsplit(settings.base_url).scheme == "https",
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.state.metrics = services.metrics
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.mount("/static", CachedStaticFiles(directory=STATIC), name="static")
    for router in (
        pages.router,
        auth.router,
        api.router,
        feeds.router,
        dev_mail.router,
        subscriptions.router,
        admin.router,
        ops.router,
    ):
        app.include_router(router)
    _install_error_handlers(app)
    return app


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _install_error_handlers(app: FastAPI) -> None:
    """One place renders every error: JSON ``{"error": {...}}`` for the API, a friendly page otherwise."""

    # Starlette's class, not FastAPI's subclass: the router's own 404 and 405 must get the same error body.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc'][1:]) or 'request'}: {error['msg']}" for error in exc.errors()
        )
        return _error_response(request, 422, problems or "invalid request")


def _error_response(request: Request, status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)
    if status == 401:
        return Response(status_code=303, headers={"Location": f"/signin?{urlencode({'next': request.url.path})}"})
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)
