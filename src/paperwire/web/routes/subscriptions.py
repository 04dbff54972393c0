"""Subscribe (double opt-in), confirm, manage, unsubscribe (RFC 8058 one-click), digest link actions,
and the bounce/complaint webhook. Links from mail are signed tokens; nothing here needs a password."""

from __future__ import annotations

import hmac
import json
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from paperwire.core.clock import utcnow
from paperwire.db import subscribers as subs
from paperwire.db.subscribers import Preferences, Subscriber
from paperwire.mail import subscriptions
from paperwire.mail.links import CONFIRM, UNSUBSCRIBE
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
    topics: str,
    categories: str,
    authors: str,
    frequency: str,
    weekday: int,
    hour: int,
    timezone: str,
    digest_size: int = 10,
) -> Preferences:
    """The subscribe and manage forms' fields as preferences (lists split on ``;``, categories also on ``,``)."""
    return Preferences(
        topics=clean_list(topics, name="topics"),
        categories=clean_list(categories.replace(",", ";"), name="categories"),
        authors=clean_list(authors, name="authors"),
        frequency=frequency,
        weekday=weekday,
        hour=hour,
        timezone=timezone.strip() or "UTC",
        digest_size=digest_size,
    )


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
        prefs = form_preferences(topics, categories, authors, frequency, weekday, hour, timezone)
        subscriptions.request_subscription(services.db, services.settings, email, prefs, now=utcnow())
    except InvalidSubscription as exc:
        return render(request, "subscribe.html", {"error": str(exc), "tz_hint": TIMEZONES_HINT}, status_code=400)
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
    return render(
        request,
        "manage.html",
        {"s": subscriber, "token": token, "error": None, "saved": False, "tz_hint": TIMEZONES_HINT},
    )


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
) -> HTMLResponse:
    subscriber = _subscriber_for(services, token)
    try:
        prefs = subscriptions.check_preferences(
            form_preferences(topics, categories, authors, frequency, weekday, hour, timezone, digest_size)
        )
    except InvalidSubscription as exc:
        return render(
            request,
            "manage.html",
            {"s": subscriber, "token": token, "error": str(exc), "saved": False, "tz_hint": TIMEZONES_HINT},
            status_code=400,
        )
    subs.update_preferences(services.db, subscriber.id, prefs, paused=paused)
    fresh = subs.get(services.db, subscriber.id)
    return render(
        request,
        "manage.html",
        {"s": fresh, "token": token, "error": None, "saved": True, "tz_hint": TIMEZONES_HINT},
    )


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
    """Digest link: record the click, then show the paper. It only ever redirects to our own paper page."""
    try:
        paper_id = subscriptions.click(services.db, services.signer, token, now=utcnow())
    except TokenError as exc:
        return link_error(request, exc)
    except LookupError:  # the paper is gone from this database: a plain 404, never a redirect elsewhere
        raise HTTPException(status_code=404, detail="That paper is not here any more.") from None
    return RedirectResponse(f"/papers/{quote(paper_id, safe='/')}", status_code=302)


@router.get("/f/{token}", response_class=HTMLResponse)
def fewer(request: Request, services: ServicesDep, user: OptionalUser, token: str) -> HTMLResponse:
    """ "Fewer like this" works in one click (it is idempotent and only affects what we pick for you)."""
    try:
        _, paper_id = subscriptions.fewer(services.db, services.signer, token, now=utcnow())
    except TokenError as exc:
        return link_error(request, exc)
    return render(
        request,
        "message.html",
        {
            "title": "Got it: fewer like this",
            "message": "Your next digests will rank papers like this one lower.",
            "paper_id": paper_id,
        },
    )


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
