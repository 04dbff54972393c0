"""The HTML pages: trending, search, paper, library, about, health, API docs. Thin: call the library, render."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from paperwire import trending
from paperwire.core.ids import split_arxiv_id
from paperwire.core.signals import REACTION_KINDS
from paperwire.db import harvest, papers
from paperwire.db.users import User
from paperwire.search import QueryError, SearchFilters, SearchHit
from paperwire.search.results import match_count, strength
from paperwire.trending import Window, reactions
from paperwire.trending.ranking import TrendingError
from paperwire.web import usecases
from paperwire.web.deps import CsrfChecked, CurrentUser, OptionalUser, ServicesDep
from paperwire.web.library import library_papers
from paperwire.web.security import safe_next
from paperwire.web.services import Services
from paperwire.web.templating import STATIC, render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20
Sort = Literal["relevance", "date", "trending"]


def with_reactions(services: Services, user: User | None, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each card gets its vote/save counts and whether the signed-in user has voted/saved it."""
    ids = [item["id"] for item in items]
    counts = reactions.reaction_counts(services.db, ids)
    numbers = trending.paper_numbers(services.db, ids)
    mine = reactions.user_reactions(services.db, str(user.id), ids) if user else {}
    for item in items:
        item["counts"] = counts.get(item["id"], {})
        item["numbers"] = numbers.get(item["id"], {})
        item["mine"] = mine.get(item["id"], set())
    return items


def category_options(services: Services) -> list[tuple[str, int]]:
    return services.cache.get("top-categories", lambda: papers.top_categories(services.db, limit=14))


@router.get("/", response_class=HTMLResponse)
def trending_page(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    window: Window = "day",
    category: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[int, Query(ge=1, le=50)] = 1,
) -> HTMLResponse:
    category = category or None
    offset = (page - 1) * PAGE_SIZE

    try:
        cached = usecases.trending_items(services, window=window, category=category, limit=PAGE_SIZE + 1, offset=offset)
    except TrendingError as exc:  # a category that cannot be one: a clear 400, not a server error
        raise HTTPException(status_code=400, detail=str(exc)) from None
    items = with_reactions(services, user, [dict(item) for item in cached[:PAGE_SIZE]])
    return render(
        request,
        "trending.html",
        {
            "items": items,
            "window": window,
            "category": category,
            "page": page,
            "has_next": len(cached) > PAGE_SIZE,
            "categories": category_options(services),
            "feed_query": f"window={window}" + (f"&category={category}" if category else ""),
            "as_of_note": usecases.trending_as_of(services)[1],
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    q: str = "",  # never refused for its length: the search library cuts it at MAX_QUERY_CHARS with a note
    category: Annotated[str | None, Query(max_length=40)] = None,
    since: date | None = None,
    until: date | None = None,
    has_code: bool = False,
    sort: Sort = "relevance",
    page: Annotated[int, Query(ge=1, le=50)] = 1,
) -> HTMLResponse:
    context: dict[str, Any] = {
        "q": q,
        "category": category or "",
        "since": since,
        "until": until,
        "has_code": has_code,
        "sort": sort,
        "page": page,
        "results": None,
        "error": None,
        "categories": category_options(services),
    }
    if not q.strip():
        return render(request, "search.html", context)
    filters = SearchFilters(
        categories=[category] if category else [],
        since=since,
        until=until,
        has_code=True if has_code else None,
    )
    try:
        results = usecases.search(services, q, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, sort=sort)
    except QueryError as exc:
        context["error"] = str(exc)
        return render(request, "search.html", context, status_code=400)
    hits = with_reactions(services, user, [{**hit.as_dict(), "strength": hit_strength(hit)} for hit in results.hits])
    context.update(
        results=results,
        hits=hits,
        matched=[hit for hit in hits if hit["matched"]],
        loose=[hit for hit in hits if not hit["matched"]],
        loose_total=results.total - results.matches,
        count=match_count(results),
        has_next=results.total > page * PAGE_SIZE,
    )
    return render(request, "search.html", context)


def hit_strength(hit: SearchHit) -> str:
    return strength(hit.match, hit.matched)


def visitor_id(request: Request) -> str:
    """A random per-browser id in the session, so views are counted once per visitor per day."""
    visitor = request.session.get("vid")
    if not isinstance(visitor, str):
        visitor = secrets.token_urlsafe(9)
        request.session["vid"] = visitor
    return visitor


@router.get("/papers/{paper_id:path}", response_class=HTMLResponse)
def paper_page(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    paper_id: str,
    from_: Annotated[str | None, Query(alias="from", max_length=16)] = None,
) -> Response:
    canonical, _ = split_arxiv_id(paper_id)
    if canonical != paper_id:  # /papers/2401.00001v2 and arxiv.org URLs land on the paper's one address
        return RedirectResponse(f"/papers/{canonical}", status_code=301)
    paper = papers.get_paper(services.db, canonical)
    if paper is None or paper.deleted:
        raise HTTPException(status_code=404, detail=f"There is no paper {paper_id} here (yet).")
    # A view is analytics, not a change a user asked for; it is deduplicated per visitor per day.
    # Not when the digest's click redirect sent the visitor here: the click was this visit (and a mail
    # scanner's click, which counts for nothing, must not count as a view instead).
    if from_ != "digest":
        reactions.record_view(services.db, paper_id=canonical, visitor=visitor_id(request))
    history = trending.life_history(services.db, canonical)
    try:
        similar = [hit.as_dict() for hit in services.search.similar(canonical, limit=6)]
    except KeyError:
        similar = []  # not indexed yet (the next catch-up adds it)
    [card] = with_reactions(services, user, [dict(paper)])
    return render(
        request,
        "paper.html",
        {
            "paper": card,
            "sparkline": trending.sparkline_svg(history),
            "similar": similar,
        },
    )


@router.post("/papers/{paper_id}/{kind}", dependencies=[CsrfChecked])
def react_form(
    request: Request,
    services: ServicesDep,
    user: CurrentUser,
    paper_id: str,
    kind: str,
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    """Vote or save without JavaScript: toggles, then goes back to the page the form was on."""
    if kind not in REACTION_KINDS:
        raise HTTPException(status_code=404, detail="Unknown action.")
    try:
        usecases.react(services, user_id=str(user.id), paper_id=paper_id, kind=kind, on=None)
    except usecases.TooManyVotes:
        raise HTTPException(status_code=429, detail="Too many votes in a minute; try again shortly.") from None
    except usecases.NoSuchPaper:
        raise HTTPException(status_code=404, detail=f"There is no paper {paper_id} here.") from None
    return RedirectResponse(safe_next(next_url), status_code=303)


@router.get("/library", response_class=HTMLResponse)
def library_page(request: Request, services: ServicesDep, user: CurrentUser) -> HTMLResponse:
    saved = [dict(paper) for paper in library_papers(services.db, user)]
    return render(request, "library.html", {"items": with_reactions(services, user, saved)})


@router.get("/about/trending", response_class=HTMLResponse)
def how_trending_works(request: Request) -> HTMLResponse:
    """How ranking works: docs/trending.md as a page (scripts/build_trending_page.py renders it)."""
    return render(request, "how_trending_works.html", {})


@router.get("/about", response_class=HTMLResponse)
def about_page(request: Request, services: ServicesDep, user: OptionalUser) -> HTMLResponse:
    return render(
        request,
        "about.html",
        {
            "paper_count": papers.count_papers(services.db),
            "latest_day": papers.latest_announcement_day(services.db),
            "harvests": harvest.all_states(services.db),
            "index": services.search.status(),
        },
    )


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico whatever the page says; answer with the same icon."""
    return FileResponse(
        STATIC / "favicon.svg", media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request, user: OptionalUser) -> HTMLResponse:
    return render(request, "api_docs.html", {})
