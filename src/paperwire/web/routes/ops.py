"""Operations endpoints: liveness, readiness, Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from paperwire.web.deps import ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(services: ServicesDep) -> JSONResponse:
    """Readiness: the database answers and this node's search index is caught up (within the setting)."""
    body: dict[str, object] = {}
    ready = True
    try:
        with services.db.read() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except SQLAlchemyError as exc:
        body["database"] = f"unreachable: {str(exc).splitlines()[0]}"
        ready = False
    if ready:
        status = services.search.status()
        body["index"] = {"documents": status.documents, "behind": status.behind}
        ready = status.behind <= services.settings.ready_max_index_lag
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)
