"""Subscribe (double opt-in), confirm, manage, unsubscribe (RFC 8058 one-click), digest link actions (clicks,
more/fewer like this, save), and the bounce/complaint webhook. Links from mail are signed tokens; nothing here
needs a password."""

from __future__ import annotations

import hmac
import json
import re
from types import SimpleNamespace
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperwire.core.clock import utcnow
from paperwire.db import papers, personal_feeds
from paperwire.db import subscribers as subs
from paperwire.db.subscribers import Preferences, Subscriber
from paperwire.mail import feedback, subscriptions
from paperwire.mail.links import CONFIRM, FEEDBACK, FEWER, UNSUBSCRIBE, Links
from paperwire.mail.subscriptions import InvalidSubscription, clean_list, normalise_email
from paperwire.tokens import TokenError
from paperwire.web.deps import CsrfChecked, OptionalUser, ServicesDep
from paperwire.web.routes.auth import client_ip
from paperwire.web.services import Services
from paperwire.web.templating import render

router = APIRouter(include_in_schema=False)
TIMEZONES_HINT = "UTC, Europe/Berlin, America/New_York, Asia/Shanghai…"


def link_error(request: Request, exc: TokenError) -> HTMLResponse:
    return render(
        request,
        "message.html",
        {"title": "This link does not work", "message": str(exc), "error": True},
        status_code=400,
    )


def form_preferences(
    services: Services,
    topics: str,
    categories: str,
    authors: str,
    frequency: str,
    weekday: int,
    hour: int,
    timezone: str,
    digest_size: int = 10,
    *,
    liked: str = "",
    author_name: str = "",
) -> Preferences:
    """The subscribe and manage forms' fields as preferences (lists split on ``;``, categories also on ``,``;
    liked papers one per line, each one a paper this site has)."""
    return Preferences(
        topics=clean_list(topics, name="topics"),
        categories=clean_list(categories.replace(",", ";"), name="categories"),
        authors=clean_list(authors, name="authors"),
        frequency=frequency,
        weekday=weekday,
        hour=hour,
        timezone=timezone.strip() or "UTC",
        digest_size=digest_size,
        liked=subscriptions.resolve_liked(services.db, liked),
        author_name=subscriptions.clean_author_name(author_name),
    )


LIST_FIELDS = ("topics", "categories", "authors", "liked")


def form_echo(**fields: Any) -> SimpleNamespace:
    """What the visitor typed, to show the form again with it after an error (nothing is lost)."""
    split = {name: [v for v in re.split(r"[\n;]+", str(fields.get(name, ""))) if v.strip()] for name in LIST_FIELDS}
    return SimpleNamespace(**{**fields, **split})


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_page(request: Request, user: OptionalUser) -> HTMLResponse:
    return render(request, "subscribe.html", {"error": None, "tz_hint": TIMEZONES_HINT})


@router.post("/subscribe", response_class=HTMLResponse, dependencies=[CsrfChecked])
def subscribe(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    email: Annotated[str, Form(max_length=320)],
    topics: Annotated[str, Form(max_length=4000)] = "",
    categories: Annotated[str, Form(max_length=2000)] = "",
    authors: Annotated[str, Form(max_length=4000)] = "",
    frequency: Annotated[str, Form()] = "daily",
    weekday: Annotated[int, Form()] = 0,
    hour: Annotated[int, Form()] = 7,
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    liked: Annotated[str, Form(max_length=8000)] = "",
    author_name: Annotated[str, Form(max_length=400)] = "",
) -> HTMLResponse:
    """The same answer for new, pending and confirmed addresses: nobody learns who subscribed."""
    if not services.subscribe_by_ip.allow(client_ip(request)):
        return render(
            request,
            "subscribe.html",
            {"error": "Too many sign-ups from here; try again later.", "tz_hint": TIMEZONES_HINT},
            status_code=429,
        )
    try:
        fields = (topics, categories, authors, frequency, weekday, hour, timezone)
        prefs = form_preferences(services, *fields, liked=liked, author_name=author_name)
        subscriptions.request_subscription(services.db, services.settings, email, prefs, now=utcnow())
    except InvalidSubscription as exc:
        echo = form_echo(
            email=email,
            topics=topics,
            categories=categories,
            authors=authors,
            liked=liked,
            author_name=author_name,
            frequency=frequency,
            weekday=weekday,
            hour=hour,
            timezone=timezone,
        )
        return render(
            request, "subscribe.html", {"error": str(exc), "tz_hint": TIMEZONES_HINT, "s": echo}, status_code=400
        )
    return render(
        request,
        "message.html",
        {
            "title": "Check your inbox",
            "message": "If this address can receive mail, a confirmation link is on its way. "
            "Digests start once you confirm.",
        },
    )


@router.get("/subscribe/confirm/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    # A button, not a GET that confirms: mail scanners open links, and must not opt anybody in.
    try:
        target = subscriptions.read_link(services.db, services.signer, CONFIRM, token)
    except TokenError as exc:
        return link_error(request, exc)
    return render(request, "confirm.html", {"token": token, "email": target.subscriber.email})


@router.post("/subscribe/confirm/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def confirm(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    try:
        subscriber = subscriptions.confirm(services.db, services.signer, token, now=utcnow())
    except TokenError as exc:
        return link_error(request, exc)
    return render(
        request,
        "message.html",
        {
            "title": "You are subscribed",
            "message": f"Digests for {subscriber.email} start with the next listing. "
            "Every mail has links to change your topics or to unsubscribe.",
        },
    )


def _subscriber_for(services: Services, token: str) -> Subscriber:
    try:
        return subscriptions.manage_target(services.db, services.signer, token)
    except TokenError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


@router.get("/manage/{token}", response_class=HTMLResponse)
def manage_page(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    try:
        subscriber = subscriptions.manage_target(services.db, services.signer, token)
    except TokenError as exc:
        return link_error(request, exc)
    return manage_view(request, services, subscriber, token)


def manage_view(
    request: Request,
    services: Services,
    subscriber: Subscriber,
    token: str,
    *,
    form: Any = None,
    error: str | None = None,
    saved: bool = False,
    feed_renewed: bool = False,
) -> HTMLResponse:
    """The manage page: the form (with what was typed, after an error), the personal feed's link, the data."""
    links = Links(services.settings, services.signer)
    generation = personal_feeds.generation(services.db, subscriber.id)
    context = {
        "s": subscriber if form is None else form,
        "subscriber": subscriber,
        "token": token,
        "error": error,
        "saved": saved,
        "tz_hint": TIMEZONES_HINT,
        "feed": {fmt: links.personal_feed(subscriber.id, generation, fmt) for fmt in ("atom", "rss")},
        "feed_renewed": feed_renewed,
    }
    return render(request, "manage.html", context, status_code=400 if error else 200)


@router.post("/manage/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def manage_save(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    token: str,
    topics: Annotated[str, Form(max_length=4000)] = "",
    categories: Annotated[str, Form(max_length=2000)] = "",
    authors: Annotated[str, Form(max_length=4000)] = "",
    frequency: Annotated[str, Form()] = "daily",
    weekday: Annotated[int, Form()] = 0,
    hour: Annotated[int, Form()] = 7,
    timezone: Annotated[str, Form(max_length=64)] = "UTC",
    digest_size: Annotated[int, Form()] = 10,
    paused: Annotated[bool, Form()] = False,
    liked: Annotated[str, Form(max_length=8000)] = "",
    author_name: Annotated[str, Form(max_length=400)] = "",
) -> HTMLResponse:
    subscriber = _subscriber_for(services, token)
    try:
        prefs = subscriptions.check_preferences(
            form_preferences(
                services,
                topics,
                categories,
                authors,
                frequency,
                weekday,
                hour,
                timezone,
                digest_size,
                liked=liked,
                author_name=author_name,
            )
        )
    except InvalidSubscription as exc:
        typed = {"topics": topics, "categories": categories, "authors": authors, "liked": liked}
        echo = form_echo(**{**subscriber.as_dict(), **typed, "author_name": author_name})
        return manage_view(request, services, subscriber, token, form=echo, error=str(exc))
    subs.update_preferences(services.db, subscriber.id, prefs, paused=paused)
    fresh = subs.get(services.db, subscriber.id)
    assert fresh is not None
    return manage_view(request, services, fresh, token, saved=True)


@router.post("/manage/{token}/feed", response_class=HTMLResponse, dependencies=[CsrfChecked])
def new_feed_link(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    """A new personal feed link; the old one stops working (it leaked, or a feed reader is retired)."""
    subscriber = _subscriber_for(services, token)
    personal_feeds.rotate(services.db, subscriber.id, now=utcnow())
    return manage_view(request, services, subscriber, token, feed_renewed=True)


@router.get("/manage/{token}/export")
def export(services: ServicesDep, token: str) -> Response:
    subscriber = _subscriber_for(services, token)
    data = subs.export(services.db, subscriber.id)
    body = json.dumps(data, default=str, indent=2, ensure_ascii=False)
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="paperwire-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/manage/{token}/delete", response_class=HTMLResponse, dependencies=[CsrfChecked])
def delete_data(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    subscriber = _subscriber_for(services, token)
    subs.remove(services.db, subscriber.id)
    return render(
        request,
        "message.html",
        {
            "title": "Your data is deleted",
            "message": "The subscription and everything recorded about it are gone. You will get no more mail.",
        },
    )


@router.get("/u/{token}", response_class=HTMLResponse)
def unsubscribe_page(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    try:
        target = subscriptions.read_link(services.db, services.signer, UNSUBSCRIBE, token)
    except TokenError as exc:
        return link_error(request, exc)
    return render(request, "unsubscribe.html", {"token": token, "email": target.subscriber.email})


@router.post("/u/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    """RFC 8058 one-click: mail clients POST ``List-Unsubscribe=One-Click`` here without cookies, so the
    signed token is the only credential (and no CSRF token can be asked for)."""
    try:
        subscriber = subscriptions.unsubscribe(services.db, services.signer, token, now=utcnow())
    except TokenError as exc:
        return link_error(request, exc)
    return render(
        request,
        "message.html",
        {
            "title": "You are unsubscribed",
            "message": f"{subscriber.email} gets no more digests. Changed your mind? Subscribe again any time.",
        },
    )


@router.get("/c/{token}")
def click(request: Request, services: ServicesDep, token: str) -> Response:
    """Digest link: record the click, then show the paper. It only ever redirects to our own paper page.

    The one GET from mail that records something: the click is logged (and flagged if the mail's clicks look
    like a scanner's). The paper page is told not to count a view as well: the click was the visit."""
    try:
        outcome = subscriptions.click(services.db, services.signer, token, now=utcnow())
    except TokenError as exc:
        return link_error(request, exc)
    except LookupError:  # the paper is gone from this database: a plain 404, never a redirect elsewhere
        raise HTTPException(status_code=404, detail="That paper is not here any more.") from None
    return RedirectResponse(f"/papers/{quote(outcome.paper_id, safe='/')}?from=digest", status_code=302)


# --- "more like this", "fewer like this", "save" from the digest -----------------------------------------
# Opening a link shows a page with one button (GET changes nothing: mail scanners open every link); the
# button POSTs with the page's CSRF token, and the result page offers Undo (another POST).
FEEDBACK_PREFIXES = {FEEDBACK: "/fb", FEWER: "/f"}


def _feedback_link(services: Services, purpose: str, token: str) -> feedback.FeedbackLink:
    return feedback.read_link(services.db, services.signer, purpose, token)


def _feedback_page(
    request: Request, services: Services, purpose: str, token: str, link: feedback.FeedbackLink, state: str
) -> HTMLResponse:
    paper = papers.get_paper(services.db, link.paper_id)
    return render(
        request,
        "feedback.html",
        {
            "link": link,
            "paper": paper if paper and not paper["deleted"] else None,
            "action": f"{FEEDBACK_PREFIXES[purpose]}/{token}",
            "state": state,  # "ask", "done" or "undone"
        },
    )


def _feedback_get(request: Request, services: Services, purpose: str, token: str) -> HTMLResponse:
    try:
        link = _feedback_link(services, purpose, token)
    except TokenError as exc:
        return link_error(request, exc)
    state = "done" if feedback.is_given(services.db, link) else "ask"
    return _feedback_page(request, services, purpose, token, link, state)


def _feedback_post(request: Request, services: Services, purpose: str, token: str, *, undo: bool) -> HTMLResponse:
    try:
        link = _feedback_link(services, purpose, token)
    except TokenError as exc:
        return link_error(request, exc)
    if undo:
        feedback.undo(services.db, link)
    else:
        try:
            feedback.give(services.db, link, now=utcnow())
        except LookupError:
            raise HTTPException(status_code=404, detail="That paper is not here any more.") from None
    return _feedback_page(request, services, purpose, token, link, "undone" if undo else "done")


@router.get("/fb/{token}", response_class=HTMLResponse)
def feedback_page(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    return _feedback_get(request, services, FEEDBACK, token)


@router.post("/fb/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def feedback_give(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    return _feedback_post(request, services, FEEDBACK, token, undo=False)


@router.post("/fb/{token}/undo", response_class=HTMLResponse, dependencies=[CsrfChecked])
def feedback_undo(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    return _feedback_post(request, services, FEEDBACK, token, undo=True)


@router.get("/f/{token}", response_class=HTMLResponse)
def fewer_page(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    """ "Fewer like this" links of digests sent before ``/fb``: the same page, the same button."""
    return _feedback_get(request, services, FEWER, token)


@router.post("/f/{token}", response_class=HTMLResponse, dependencies=[CsrfChecked])
def fewer_give(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    return _feedback_post(request, services, FEWER, token, undo=False)


@router.post("/f/{token}/undo", response_class=HTMLResponse, dependencies=[CsrfChecked])
def fewer_undo(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    return _feedback_post(request, services, FEWER, token, undo=True)


class BounceIn(BaseModel):
    email: str = Field(max_length=320)
    kind: str = Field(pattern="^(hard|soft|complaint)$")
    reason: str = Field(default="", max_length=2000)


@router.post("/hooks/bounce")
def bounce_webhook(
    services: ServicesDep, body: BounceIn, x_paperwire_token: Annotated[str | None, Header()] = None
) -> JSONResponse:
    """Bounces and complaints from the mail provider (shared-secret header ``X-Paperwire-Token``)."""
    secret = services.settings.webhook_token
    if not secret or not x_paperwire_token or not hmac.compare_digest(secret, x_paperwire_token):
        raise HTTPException(status_code=403, detail="bad or missing webhook token")
    try:
        email = normalise_email(body.email)
    except InvalidSubscription as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    suppressed = subs.record_bounce(
        services.db,
        email,
        kind=body.kind,
        reason=body.reason,
        hard_limit=services.settings.hard_bounce_limit,
        now=utcnow(),
    )
    return JSONResponse({"recorded": True, "suppressed": suppressed})
