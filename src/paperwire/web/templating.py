"""Jinja2 templates for the pages, with the helpers every template uses."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import escape
from starlette.responses import HTMLResponse

from paperwire.core.taxonomy import category_name
from paperwire.web.security import csrf_token

HERE = Path(__file__).parent
STATIC = HERE / "static"

templates = Jinja2Templates(directory=str(HERE / "templates"))


@cache
def static_url(name: str) -> str:
    """``/static/name?v=<content hash>``: cached for a year by browsers, refreshed when the file changes."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def human_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return f"{day:%b} {day.day}, {day.year}"


def author_line(authors: list[str], limit: int = 4) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + f" +{len(authors) - limit}"


def html_text(value: object) -> str:
    """Text as HTML source, returned as a plain string so autoescaping escapes it once more: for fields that
    readers interpret as HTML inside XML (RSS ``<description>``), where one escape would only undo the XML
    layer and leave ``<script>`` as markup."""
    return str(escape("" if value is None else str(value)))


templates.env.globals.update(static_url=static_url, category_name=category_name)
templates.env.filters.update(human_date=human_date, author_line=author_line, html_text=html_text)


def render(request: Request, name: str, context: dict[str, Any], *, status_code: int = 200) -> HTMLResponse:
    """Render a page with what every page needs: the user, the CSRF token, the current path."""
    full = {
        "user": getattr(request.state, "user", None),
        "csrf_token": csrf_token(request.session),
        "path": request.url.path,
        **context,
    }
    return templates.TemplateResponse(request, name, full, status_code=status_code)
