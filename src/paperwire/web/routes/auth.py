"""Passwordless sign-in: an emailed link that is signed, single-use and expires in 15 minutes.

The link opens a page with a button rather than signing in on GET: mail scanners prefetch links, and a
GET that burnt the single-use token would lock the real person out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.core.clock import utcnow
from paperwire.db import users
from paperwire.mail.compose import compose_signin
from paperwire.mail.subscriptions import InvalidSubscription, normalise_email
from paperwire.mail.transport import MailError
from paperwire.tokens import TokenError
from paperwire.web.deps import SESSION_USER, CsrfChecked, OptionalUser, ServicesDep
from paperwire.web.security import safe_next
from paperwire.web.templating import render

router = APIRouter(include_in_schema=False)
PURPOSE = "signin"


def normalise_address(raw: str) -> str | None:
    """The address as we store it, or ``None`` when it is not a valid address."""
    try:
        return normalise_email(raw)
    except InvalidSubscription:
        return None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, user: OptionalUser, next: str = "/") -> HTMLResponse:
    return render(request, "signin.html", {"next": safe_next(next), "sent": False, "error": None})


@router.post("/signin", response_class=HTMLResponse, dependencies=[CsrfChecked])
def signin_request(
    request: Request,
    services: ServicesDep,
    user: OptionalUser,
    email: Annotated[str, Form(max_length=320)],
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> HTMLResponse:
    """Always the same answer for known and unknown addresses: nobody learns who has an account."""
    next_url = safe_next(next_url)
    address = normalise_address(email)
    if address is None:
        context = {"next": next_url, "sent": False, "error": "That does not look like an email address."}
        return render(request, "signin.html", context, status_code=400)
    allowed = services.signin_by_ip.allow(client_ip(request)) and services.signin_by_address.allow(address)
    if not allowed:
        context = {
            "next": next_url,
            "sent": False,
            "error": "Too many sign-in requests. Wait a few minutes and try again.",
        }
        return render(request, "signin.html", context, status_code=429)
    token = services.signer.make(PURPOSE, {"email": address, "next": next_url})
    link = f"{services.settings.base_url.rstrip('/')}/signin/confirm?{urlencode({'token': token})}"
    message = compose_signin(services.settings, to=address, link=link, minutes=services.settings.magic_link_minutes)
    transport = services.transport()
    try:
        transport.send(message)
    except MailError:
        context = {
            "next": next_url,
            "sent": False,
            "error": "We could not send mail just now. Please try again in a minute.",
        }
        return render(request, "signin.html", context, status_code=503)
    finally:
        transport.close()
    return render(request, "signin.html", {"next": next_url, "sent": True, "error": None})


@router.get("/signin/confirm", response_class=HTMLResponse)
def signin_confirm_page(request: Request, services: ServicesDep, user: OptionalUser, token: str = "") -> HTMLResponse:
    try:
        data = services.signer.read(PURPOSE, token, max_age=services.settings.magic_link_minutes * 60)
    except TokenError as exc:
        return render(request, "signin_confirm.html", {"token": None, "error": str(exc)}, status_code=400)
    return render(request, "signin_confirm.html", {"token": token, "email": data.payload["email"], "error": None})


@router.post("/signin/confirm", dependencies=[CsrfChecked])
def signin_confirm(request: Request, services: ServicesDep, token: Annotated[str, Form()]) -> Response:
    minutes = services.settings.magic_link_minutes
    try:
        data = services.signer.read(PURPOSE, token, max_age=minutes * 60)
    except TokenError as exc:
        return render(request, "signin_confirm.html", {"token": None, "error": str(exc)}, status_code=400)
    now = utcnow()
    if not users.consume_nonce(
        services.db, data.nonce, purpose=PURPOSE, expires_at=now + timedelta(minutes=minutes), now=now
    ):
        error = "This link was already used. Ask for a new one."
        return render(request, "signin_confirm.html", {"token": None, "error": error}, status_code=400)
    user = users.sign_in(services.db, str(data.payload["email"]), now=now)
    request.session.clear()  # a fresh session (and CSRF token) at the privilege change
    request.session[SESSION_USER] = user.id
    return RedirectResponse(safe_next(str(data.payload.get("next", "/"))), status_code=303)


@router.post("/signout", dependencies=[CsrfChecked])
def signout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/", status_code=303)
