"""Admin pages (users with the admin role): subscribers, sends per day, harvests, index freshness."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from paperwire.core.clock import utcnow
from paperwire.db import admin as admin_queries
from paperwire.db import harvest, outbox
from paperwire.db import subscribers as subs
from paperwire.db.users import User
from paperwire.web.charts import bar_chart, line_chart
from paperwire.web.deps import CsrfChecked, CurrentUser, ServicesDep
from paperwire.web.templating import render


def require_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="This page is for administrators.")
    return user


AdminUser = Annotated[User, Depends(require_admin)]
router = APIRouter(prefix="/admin", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, services: ServicesDep, admin: AdminUser, q: str = "", status: str = "") -> HTMLResponse:
    today = utcnow().date()
    sends = admin_queries.sends_per_day(services.db, days=30, today=today)
    growth = admin_queries.subscribers_per_day(services.db, days=30, today=today)
    return render(
        request,
        "admin.html",
        {
            "subscribers": admin_queries.find_subscribers(services.db, q=q, status=status or None),
            "q": q,
            "status": status,
            "counts": subs.count_by_status(services.db),
            "outbox": outbox.counts(services.db),
            "sends": sends,
            "harvests": harvest.all_states(services.db),
            "index": services.search.status(),
            "growth_chart": line_chart([(d.isoformat(), n) for d, n in growth], title="Subscribers, last 30 days"),
            "sends_chart": bar_chart(
                [(row["day"].isoformat(), row["sent"], row["failed"]) for row in sends],
                title="Digests sent (and failed) per day",
            ),
        },
    )


@router.post("/subscribers/{subscriber_id}/{action}", dependencies=[CsrfChecked])
def subscriber_action(
    services: ServicesDep,
    admin: AdminUser,
    subscriber_id: int,
    action: str,
    reason: Annotated[str, Form(max_length=500)] = "suppressed by an admin",
) -> Response:
    subscriber = subs.get(services.db, subscriber_id)
    if subscriber is None:
        raise HTTPException(status_code=404, detail="No such subscriber.")
    if action == "suppress":
        subs.suppress(services.db, subscriber.email, reason, now=utcnow())
    elif action == "unsuppress":
        subs.unsuppress(services.db, subscriber.email)
    else:
        raise HTTPException(status_code=404, detail="Unknown action.")
    return RedirectResponse(f"/admin?{urlencode({'q': subscriber.email})}", status_code=303)
