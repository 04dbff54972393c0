"""FastAPI dependencies as ``Annotated`` aliases: the services, the signed-in user, CSRF checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from paperwire.db import users
from paperwire.db.users import User
from paperwire.web.security import CSRF_FIELD, CSRF_HEADER, csrf_matches
from paperwire.web.services import Services

SESSION_USER = "uid"


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def optional_user(request: Request, services: ServicesDep) -> User | None:
    user_id = request.session.get(SESSION_USER)
    user = users.get_user(services.db, user_id) if isinstance(user_id, int) else None
    if user is None and user_id is not None:  # the account is gone: forget the stale session
        request.session.pop(SESSION_USER, None)
    request.state.user = user  # templates show who is signed in
    return user


OptionalUser = Annotated[User | None, Depends(optional_user)]


def require_user(request: Request, user: OptionalUser) -> User:
    if user is None:
        raise HTTPException(status_code=401, detail="Sign in first.")
    return user


CurrentUser = Annotated[User, Depends(require_user)]


async def verify_csrf(request: Request) -> None:
    """State-changing requests made with the session cookie must echo the session's CSRF token
    (a form field for forms, the X-CSRF-Token header for scripts)."""
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()  # Starlette caches it, so Form(...) parameters still work
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf_matches(request.session, presented):
        raise HTTPException(
            status_code=403,
            detail="The form expired or did not come from this site. Reload the page and try again.",
        )


CsrfChecked = Depends(verify_csrf)
