"""Composing mail is pure: settings and data in, an ``EmailMessage`` out. Templates are files beside this."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from paperwire.config import Settings

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


def render(name: str, **context: object) -> str:
    return _env.get_template(name).render(**context)


def no_header_injection(value: str) -> str:
    """Header values never carry CR/LF: a subject or name from user input cannot add headers."""
    return " ".join(value.splitlines()).strip()


def base_message(settings: Settings, *, to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = no_header_injection(to)
    message["Subject"] = no_header_injection(subject)
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=urlsplit(settings.base_url).hostname or "paperwire.local")
    return message


def compose_signin(settings: Settings, *, to: str, link: str, minutes: int) -> EmailMessage:
    """The sign-in ("magic link") mail: plain text and HTML with the same link."""
    message = base_message(settings, to=to, subject="Your paperwire sign-in link")
    context = {"link": link, "minutes": minutes, "base_url": settings.base_url}
    message.set_content(render("signin.txt", **context))
    message.add_alternative(render("signin.html", **context), subtype="html")
    return message


# --- the digest ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestItem:
    id: str
    title: str
    authors: list[str]
    categories: list[str]
    summary: str
    why: str
    code_link: str | None
    url: str
    fewer_url: str


@dataclass(frozen=True, slots=True)
class DigestContext:
    email: str
    period_label: str
    items: list[DigestItem]
    manage_url: str
    unsubscribe_url: str
    unsubscribe_token: str
    note: str | None = None  # for an "empty" digest: what happened instead


_inliner = css_inline.CSSInliner(keep_style_tags=True)  # the dark-mode media query must survive inlining


def _list_id(settings: Settings) -> str:
    host = urlsplit(settings.base_url).hostname or "paperwire.local"
    return f"paperwire digest <digest.{host}>"


def _sender_address(settings: Settings) -> str:
    return getaddresses([settings.mail_from])[0][1] or "paperwire@localhost"


def digest_subject(context: DigestContext) -> str:
    if not context.items:
        return f"paperwire · nothing new for {context.period_label}"
    count = len(context.items)
    lead = context.items[0].title
    lead = lead if len(lead) <= 60 else lead[:57].rstrip() + "…"
    return f"paperwire · {count} paper{'s' if count != 1 else ''} for {context.period_label}: {lead}"


def compose_digest(settings: Settings, context: DigestContext) -> EmailMessage:
    """The digest mail: plain text + HTML (CSS inlined), with RFC 8058 one-click unsubscribe headers."""
    message = base_message(settings, to=context.email, subject=digest_subject(context))
    message["List-Id"] = _list_id(settings)
    mailto = f"mailto:{_sender_address(settings)}?subject=unsubscribe%20{context.unsubscribe_token}"
    message["List-Unsubscribe"] = f"<{context.unsubscribe_url}>, <{mailto}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    preheader = ", ".join(item.title for item in context.items[:3]) or (context.note or "")
    values = {"c": context, "preheader": preheader, "base_url": settings.base_url}
    # base64, not quoted-printable: the stdlib's quoted-printable encoder is pure Python and was a third of
    # the time it took to build a digest; base64 is C code, and every mail client reads it.
    message.set_content(render("digest.txt", **values), cte="base64")
    message.add_alternative(_inliner.inline(render("digest.html", **values)), subtype="html", cte="base64")
    return message


def compose_confirmation(settings: Settings, *, to: str, link: str) -> EmailMessage:
    message = base_message(settings, to=to, subject="Confirm your paperwire subscription")
    context = {"email": to, "link": link, "base_url": settings.base_url}
    message.set_content(render("confirm.txt", **context))
    message.add_alternative(render("confirm.html", **context), subtype="html")
    return message
