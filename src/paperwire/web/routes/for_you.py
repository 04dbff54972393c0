"""The For-you page (signed-in readers) and the personal feed (a secret, revocable URL; no sign-in: feed
readers cannot sign in). Both render ``paperwire.web.for_you.for_you``: the digest's own ranking."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from paperwire.core.clock import utcnow
from paperwire.db import personal_feeds
from paperwire.db import subscribers as subs
from paperwire.mail.links import Links, read_feed_key
from paperwire.web.deps import CurrentUser, ServicesDep
from paperwire.web.for_you import for_you, reader_of_subscriber, reader_of_user
from paperwire.web.routes.feeds import Format, render_feed
from paperwire.web.routes.pages import with_reactions
from paperwire.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/for-you", response_class=HTMLResponse)
def for_you_page(request: Request, services: ServicesDep, user: CurrentUser) -> HTMLResponse:
    reader, subscriber = reader_of_user(services.db, user)
    found = for_you(services.db, services.settings, services.search, reader, day=utcnow().date())
    links = Links(services.settings, services.signer)
    feed = None
    if subscriber is not None:
        generation = personal_feeds.generation(services.db, subscriber.id)
        feed = {fmt: links.personal_feed(subscriber.id, generation, fmt) for fmt in ("atom", "rss")}
    return render(
        request,
        "for_you.html",
        {
            "found": found,
            "items": with_reactions(services, user, [dict(item) for item in found.items]),
            "subscriber": subscriber,
            "feed": feed,
            "manage_url": links.manage(subscriber.id) if subscriber is not None else None,
        },
    )


@router.get("/feeds/for-you/{key}.{fmt}")
def personal_feed(request: Request, services: ServicesDep, key: str, fmt: Format) -> Response:
    """A wrong, forged or revoked key is a plain 404: it tells nobody whether the subscriber exists."""
    parsed = read_feed_key(services.settings.secret_key, key)
    subscriber = subs.get(services.db, parsed[0]) if parsed else None
    if parsed is None or subscriber is None or personal_feeds.generation(services.db, parsed[0]) != parsed[1]:
        raise HTTPException(status_code=404, detail="There is no feed here.")
    reader = reader_of_subscriber(services.db, subscriber)
    found = for_you(services.db, services.settings, services.search, reader, day=utcnow().date())
    response = render_feed(
        request,
        services,
        fmt,
        title="paperwire: for you" + (f" ({found.period_label})" if found.period_label else ""),
        self_query="",
        html_url="/for-you",
        items=[{**item, "explanation": item["why"]} for item in found.items],
    )
    # Personal: no shared cache may keep it, and the secret URL must not leak as a referrer.
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
