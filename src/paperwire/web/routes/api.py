"""The JSON API under /api/: papers, search, similar, trending, and the signed-in user's votes and saves.

Read endpoints carry an ETag and a short Cache-Control; errors are ``{"error": {"status", "message"}}``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator, BaseModel, Field
from starlette.convertors import PathConvertor, register_url_convertor

from paperwire import trending
from paperwire.core import signals
from paperwire.db import papers
from paperwire.search import Coverage, QueryError, SearchFilters
from paperwire.search.query import MAX_QUERY_CHARS
from paperwire.trending import Window, reactions
from paperwire.web import usecases
from paperwire.web.deps import CsrfChecked, CurrentUser, ServicesDep
from paperwire.web.services import Services


class PaperIdConvertor(PathConvertor):
    """Like ``:path`` (ids such as ``hep-th/9901001`` hold slashes), but matching *any* character.

    ``:path`` is the regex ``.*``, which stops at a newline: ``/api/papers/a%0Ab`` then matched no route
    and got the router's bare ``{"detail": "Not Found"}`` instead of this API's documented error body.
    """

    regex = r"[\s\S]*"


register_url_convertor("paper_id", PaperIdConvertor())

router = APIRouter(prefix="/api", tags=["api"])

Kind = Literal["upvote", "save"]  # paperwire.core.signals.REACTION_KINDS (a test holds them equal)


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut},
    404: {"model": ErrorOut},
    422: {"model": ErrorOut},
}


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The database keeps naive UTC; the schema promises RFC 3339 date-times, which carry their offset ("...Z").
UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class PaperOut(BaseModel):
    id: str
    version: int | None
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    primary_category: str | None
    submitted_at: UtcDatetime | None
    updated_at: UtcDatetime | None
    announced_on: date | None
    doi: str | None
    journal_ref: str | None
    comments: str | None
    license: str | None
    code_links: list[str]
    ai_summary: str | None
    ai_keywords: list[str]
    url: str


class PaperListOut(BaseModel):
    date: date | None
    limit: int
    offset: int
    papers: list[PaperOut]


class HitOut(BaseModel):
    id: str
    title: str
    score: float
    match: float = Field(0.0, description="The calibrated chance (0..1) that the hit is relevant to the query.")
    matched: bool = Field(False, description="Whether `match` passes the threshold: counted in `matches`.")
    why: str = Field("", description="Why it was found, in plain words.")
    lexical_rank: int | None = None
    semantic_rank: int | None = None
    pinned: bool = False
    by_author: bool = False
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    url: str


class CoverageOut(BaseModel):
    covered: int = Field(description="Papers searched by meaning with the transformer model.")
    documents: int = Field(description="Papers in the search index.")
    message: str


class SearchOut(BaseModel):
    query: str
    total: int
    matches: int = Field(description="How many ranked hits pass the match threshold (they come first).")
    notes: list[str] = Field(default_factory=list, description="How the query was read where it differs from q.")
    unknown_id: str | None = Field(None, description="The query is an arXiv id that is not in this library.")
    author: str | None = Field(None, description="The query is this author's name: their papers come first.")
    took_ms: float
    limit: int
    offset: int
    results: list[HitOut]
    meaning_coverage: CoverageOut | None = Field(
        default=None,
        description="Present only while meaning-based search does not cover every paper yet (after a big "
        "import the transformer catches up in the background; until then those papers are found by keywords "
        "and a quicker first-pass model).",
    )


class SimilarOut(BaseModel):
    id: str
    results: list[HitOut]


class TrendingItemOut(BaseModel):
    id: str
    title: str
    score: float
    why: dict[str, float] = Field(description="decayed amount of each signal behind the score")
    points: dict[str, float] = Field(description="what each part added to the score (they sum to it)")
    counts: dict[str, int] = Field(description="whole events of each kind in the window's span")
    reason: str = Field(description="the counts in words, as the page shows them")
    authors: list[str]
    categories: list[str]
    announced_on: date | None
    url: str


class TrendingOut(BaseModel):
    window: Window
    category: str | None
    as_of: date | None = Field(description="the newest library day, when the lists are computed as of it")
    as_of_note: str | None = None
    limit: int
    offset: int
    items: list[TrendingItemOut]


class ReactionOut(BaseModel):
    id: str
    kind: Kind
    on: bool
    count: int


class MeOut(BaseModel):
    email: str
    upvoted: list[str]
    saved: list[str]


def cached_json(request: Request, payload: BaseModel, *, max_age: int = 60) -> Response:
    """JSON with an ETag; a matching If-None-Match gets 304 and no body."""
    body = payload.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def paper_url(request: Request, paper_id: str) -> str:
    return str(request.url_for("paper_page", paper_id=paper_id))


def paper_out(request: Request, row: Mapping[str, Any]) -> PaperOut:
    fields = {name: row[name] for name in PaperOut.model_fields if name in row}
    return PaperOut(**fields, url=paper_url(request, row["id"]))


def hit_out(request: Request, hit: dict[str, Any]) -> HitOut:
    fields = {name: hit.get(name) for name in HitOut.model_fields if name != "url" and name in hit}
    return HitOut(**fields, url=paper_url(request, hit["id"]))


@router.get("/papers", response_model=PaperListOut, responses=ERRORS)
def list_papers(
    request: Request,
    services: ServicesDep,
    day: Annotated[date | None, Query(alias="date", description="Announcement day; default the latest.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> Response:
    """Papers announced on one day (the newest day by default)."""
    day = day or papers.latest_announcement_day(services.db)
    rows = papers.papers_announced_on(services.db, day, limit=limit, offset=offset) if day else []
    payload = PaperListOut(date=day, limit=limit, offset=offset, papers=[paper_out(request, r) for r in rows])
    return cached_json(request, payload)


@router.get("/papers/{paper_id:paper_id}/similar", response_model=SimilarOut, responses=ERRORS)
def similar_papers(
    request: Request, services: ServicesDep, paper_id: str, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> Response:
    """Nearest neighbours of a paper by meaning (its other versions excluded)."""
    if papers.get_paper(services.db, paper_id) is None:
        raise HTTPException(status_code=404, detail=f"no paper {paper_id}")
    try:
        hits = services.search.similar(paper_id, limit=limit)
    except KeyError:
        hits = []
    return cached_json(request, SimilarOut(id=paper_id, results=[hit_out(request, h.as_dict()) for h in hits]))


@router.post(
    "/papers/{paper_id:paper_id}/{kind}",
    response_model=ReactionOut,
    dependencies=[CsrfChecked],
    responses={**ERRORS, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
def add_reaction(services: ServicesDep, user: CurrentUser, paper_id: str, kind: Kind) -> ReactionOut:
    """Upvote or save a paper (once per user; repeating changes nothing)."""
    return _react(services, user.id, paper_id, kind, on=True)


@router.delete(
    "/papers/{paper_id:paper_id}/{kind}",
    response_model=ReactionOut,
    dependencies=[CsrfChecked],
    responses={**ERRORS, 401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 429: {"model": ErrorOut}},
)
def remove_reaction(services: ServicesDep, user: CurrentUser, paper_id: str, kind: Kind) -> ReactionOut:
    """Take back an upvote or unsave a paper."""
    return _react(services, user.id, paper_id, kind, on=False)


def _react(services: Services, user_id: int, paper_id: str, kind: str, *, on: bool) -> ReactionOut:
    try:
        _, count = usecases.react(services, user_id=str(user_id), paper_id=paper_id, kind=kind, on=on)
    except usecases.TooManyVotes:
        raise HTTPException(status_code=429, detail="too many votes in a minute; try again shortly") from None
    except usecases.NoSuchPaper:
        raise HTTPException(status_code=404, detail=f"no paper {paper_id}") from None
    return ReactionOut(id=paper_id, kind=kind, on=on, count=count)


@router.get("/papers/{paper_id:paper_id}", response_model=PaperOut, responses=ERRORS)
def get_paper(request: Request, services: ServicesDep, paper_id: str) -> Response:
    """One paper by arXiv id (no version) or the id its source gave it."""
    row = papers.get_paper(services.db, paper_id)
    if row is None or row.deleted:
        raise HTTPException(status_code=404, detail=f"no paper {paper_id}")
    return cached_json(request, paper_out(request, row))


@router.get("/search", response_model=SearchOut, responses=ERRORS)
def search(
    request: Request,
    services: ServicesDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            description='Words, "phrases", au:/ti:/abs:/cat:/id: operators, -exclusions, an arXiv id or URL, a title '
            f"or a pasted abstract; text past {MAX_QUERY_CHARS:,} characters is cut (see notes), never refused.",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
    category: Annotated[str | None, Query(max_length=40, description="cs.LG, or a prefix: cs.*")] = None,
    since: date | None = None,
    until: date | None = None,
    has_code: bool | None = None,
    sort: Literal["relevance", "date", "trending"] = "relevance",
) -> Response:
    """Hybrid search (keyword + meaning, fused); exact ids and titles come first."""
    filters = SearchFilters(categories=[category] if category else [], since=since, until=until, has_code=has_code)
    try:
        results = usecases.search(services, q, filters, limit=limit, offset=offset, sort=sort)
    except QueryError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None
    payload = SearchOut(
        query=q,
        total=results.total,
        matches=results.matches,
        notes=results.notes,
        unknown_id=results.unknown_id,
        author=results.author,
        took_ms=round(results.took_ms, 2),
        limit=limit,
        offset=offset,
        results=[hit_out(request, hit.as_dict()) for hit in results.hits],
        meaning_coverage=_coverage_out(results.coverage),
    )
    return cached_json(request, payload, max_age=30)


def _coverage_out(coverage: Coverage | None) -> CoverageOut | None:
    if coverage is None:
        return None
    return CoverageOut(covered=coverage.covered, documents=coverage.documents, message=coverage.message)


@router.get("/trending", response_model=TrendingOut, responses=ERRORS)
def trending_list(
    request: Request,
    services: ServicesDep,
    window: Window = "day",
    category: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response:
    """What is trending now, with the signal parts behind each score (``why``)."""
    category = category or None  # ?category= (empty) is no filter, as on the trending page
    try:
        items = usecases.trending_items(services, window=window, category=category, limit=limit, offset=offset)
    except trending.TrendingError as exc:  # a category that cannot be one: a clear 400, not a server error
        raise HTTPException(status_code=400, detail=str(exc)) from None
    out = [
        TrendingItemOut(
            **{k: item[k] for k in TrendingItemOut.model_fields if k != "url"},
            url=paper_url(request, item["id"]),
        )
        for item in items
    ]
    day, note = usecases.trending_as_of(services)
    listed = TrendingOut(
        window=window,
        category=category,
        as_of=day,
        as_of_note=note,
        limit=limit,
        offset=offset,
        items=out,
    )
    return cached_json(request, listed)


@router.get("/me", response_model=MeOut, responses={401: {"model": ErrorOut}})
def me(services: ServicesDep, user: CurrentUser) -> Response:
    """The signed-in user's votes and saves."""
    saved = [p["id"] for p in reactions.saved_papers(services.db, str(user.id))]
    upvoted = reactions.user_papers(services.db, str(user.id), signals.UPVOTE)
    body = json.dumps(MeOut(email=user.email, upvoted=upvoted, saved=saved).model_dump())
    return Response(body, media_type="application/json", headers={"Cache-Control": "private, no-store"})
