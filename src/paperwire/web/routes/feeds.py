"""RSS 2.0 and Atom feeds of trending papers (per window and category) and of any search."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from email.utils import format_datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from paperwire.search import QueryError, SearchFilters
from paperwire.trending import Window
from paperwire.trending.ranking import TrendingError
from paperwire.web import usecases
from paperwire.web.deps import ServicesDep
from paperwire.web.services import Services
from paperwire.web.templating import templates

router = APIRouter(prefix="/feeds", include_in_schema=False)
Format = Literal["rss", "atom"]
MEDIA_TYPES = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml; charset=utf-8"}
FEED_SIZE = 30


def entry_time(item: dict[str, Any]) -> datetime:
    day = item.get("announced_on")
    if isinstance(day, date):
        return datetime.combine(day, time(0), tzinfo=UTC)
    submitted = item.get("submitted_at")
    if isinstance(submitted, datetime):
        return submitted.replace(tzinfo=UTC)
    return datetime(1970, 1, 1, tzinfo=UTC)


def render_feed(
    request: Request,
    services: Services,
    fmt: Format,
    *,
    title: str,
    self_query: str,
    html_url: str,
    items: list[dict[str, Any]],
) -> Response:
    # Links are built on PAPERWIRE_BASE_URL, never on the request's Host header: feeds are cached publicly
    # (by us and by proxies), so a forged Host must not put another site's links into them.
    base = services.settings.base_url.rstrip("/")
    entries = [{**item, "link": f"{base}/papers/{item['id']}", "when": entry_time(item)} for item in items]
    updated = max((e["when"] for e in entries), default=datetime(1970, 1, 1, tzinfo=UTC))
    context = {
        "title": title,
        "entries": entries,
        "html_url": f"{base}{html_url}",
        "self_url": f"{base}{request.url.path}" + (f"?{self_query}" if self_query else ""),
        "updated": updated,
        "rfc822": format_datetime,
        "base": base,
    }
    body = templates.get_template(f"feed.{fmt}.xml").render(context)
    return Response(body, media_type=MEDIA_TYPES[fmt], headers={"Cache-Control": "public, max-age=300"})


@router.get("/trending.{fmt}")
def trending_feed(
    request: Request,
    services: ServicesDep,
    fmt: Format,
    window: Window = "day",
    category: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    try:
        items = usecases.trending_items(services, window=window, category=category, limit=FEED_SIZE)
    except TrendingError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    query = urlencode({k: v for k, v in {"window": window, "category": category}.items() if v})
    title = f"paperwire: trending this {window}" + (f" in {category}" if category else "")
    _, note = usecases.trending_as_of(services)
    title += f" ({note[0].lower()}{note[1:]})" if note else ""
    return render_feed(request, services, fmt, title=title, self_query=query, html_url=f"/?{query}", items=items)


@router.get("/search.{fmt}")
def search_feed(
    request: Request,
    services: ServicesDep,
    fmt: Format,
    q: Annotated[str, Query(max_length=5000)],
    category: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    filters = SearchFilters(categories=[category] if category else [])
    try:
        results = usecases.search(services, q, filters, limit=FEED_SIZE, sort="date")
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    query = urlencode({k: v for k, v in {"q": q, "category": category}.items() if v})
    return render_feed(
        request,
        services,
        fmt,
        title=f"paperwire: {q}",
        self_query=query,
        html_url=f"/search?{query}",
        items=[hit.as_dict() for hit in results.hits],
    )
