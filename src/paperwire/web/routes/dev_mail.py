"""/_mail: the dev mailbox (only when PAPERWIRE_MAIL_URL=dev://), so the whole flow works offline."""

from __future__ import annotations

from email import message_from_string, policy
from email.message import EmailMessage

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from paperwire.db import dev_mail
from paperwire.mail.transport import is_dev_mailbox
from paperwire.web.deps import OptionalUser, ServicesDep
from paperwire.web.services import Services
from paperwire.web.templating import render

router = APIRouter(prefix="/_mail", include_in_schema=False)

# The HTML part of a mail is shown in a sandboxed frame: its inline styles are allowed, scripts never.
MAIL_FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: 'self'; frame-ancestors 'self'"


def require_dev_mailbox(services: Services) -> None:
    if not is_dev_mailbox(services.settings.mail_url):
        raise HTTPException(status_code=404, detail="The dev mailbox is off (PAPERWIRE_MAIL_URL is not dev://).")


def parse(raw: str) -> EmailMessage:
    message = message_from_string(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def part(message: EmailMessage, subtype: str) -> str:
    body = message.get_body(preferencelist=(subtype,))
    return body.get_content() if body is not None else ""


@router.get("", response_class=HTMLResponse)
def mailbox(request: Request, services: ServicesDep, user: OptionalUser, to: str | None = None) -> HTMLResponse:
    require_dev_mailbox(services)
    return render(request, "dev_mail.html", {"messages": dev_mail.latest(services.db, to_addr=to), "to": to})


@router.get("/{message_id}", response_class=HTMLResponse)
def show(request: Request, services: ServicesDep, user: OptionalUser, message_id: int) -> HTMLResponse:
    require_dev_mailbox(services)
    stored = dev_mail.get(services.db, message_id)
    if stored is None:
        raise HTTPException(status_code=404, detail="No such message.")
    message = parse(stored["raw"])
    headers = [(name, str(value)) for name, value in message.items()]
    return render(
        request,
        "dev_mail_message.html",
        {
            "stored": stored,
            "headers": headers,
            "text": part(message, "plain"),
            "has_html": bool(part(message, "html")),
        },
    )


@router.get("/{message_id}/html")
def show_html(services: ServicesDep, message_id: int) -> Response:
    require_dev_mailbox(services)
    stored = dev_mail.get(services.db, message_id)
    if stored is None:
        raise HTTPException(status_code=404, detail="No such message.")
    html = part(parse(stored["raw"]), "html")
    return Response(
        html,
        media_type="text/html",
        headers={
            "Content-Security-Policy": MAIL_FRAME_CSP,
            "X-Frame-Options": "SAMEORIGIN",
        },
    )
