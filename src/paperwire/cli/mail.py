"""``paperwire subscribers ...``, ``digest ...``, ``worker send``, ``bounces record``, ``daily``.

The subscriber commands only read and write rows; the digest, sending and pipeline machinery (search index,
templates, SMTP) is imported inside the commands that use it, so `subscribers list` starts at once.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from paperwire.cli.common import (
    CliError,
    JsonOpt,
    clean_errors,
    email_argument,
    err,
    open_database,
    parse_day,
    print_json,
    settings,
)
from paperwire.cli.output import show_subscribers
from paperwire.core.clock import utcnow
from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.db.subscribers import Preferences

if TYPE_CHECKING:
    from paperwire.config import Settings
    from paperwire.db.engine import Database
    from paperwire.search import SearchService

subscribers_app = typer.Typer(help="Manage digest subscribers (admin).")
digest_app = typer.Typer(help="Plan, send and preview the digest mail.")
worker_app = typer.Typer(help="Background workers.")
bounces_app = typer.Typer(help="Bounces and complaints from the mail system.")


def register(root: typer.Typer) -> None:
    root.add_typer(subscribers_app, name="subscribers")
    root.add_typer(digest_app, name="digest")
    root.add_typer(worker_app, name="worker")
    root.add_typer(bounces_app, name="bounces")
    root.command("daily")(daily)


# --- subscribers -----------------------------------------------------------------------------------------


@subscribers_app.command("add")
@clean_errors
def subscribers_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    topic: Annotated[list[str] | None, typer.Option("--topic", help="A topic of interest (repeatable).")] = None,
    category: Annotated[list[str] | None, typer.Option("--category", help="arXiv category (repeatable).")] = None,
    author: Annotated[list[str] | None, typer.Option("--author", help="Author to follow (repeatable).")] = None,
    like: Annotated[
        list[str] | None,
        typer.Option(
            "--like", metavar="ARXIV_ID", help="A stored paper the reader likes (repeatable); seeds the profile."
        ),
    ] = None,
    author_name: Annotated[
        str | None,
        typer.Option("--author-name", help="The reader's own name as an author: their papers seed the profile."),
    ] = None,
    confirmed: Annotated[bool, typer.Option("--confirmed", help="Skip double opt-in (you have consent).")] = False,
    frequency: Annotated[str, typer.Option("--frequency", help="daily or weekly.")] = "daily",
    hour: Annotated[int, typer.Option("--hour", help="Local delivery hour, 0-23.")] = 7,
    timezone: Annotated[str, typer.Option("--timezone", help="IANA time zone.")] = "UTC",
    as_json: JsonOpt = False,
) -> None:
    """Add (or update) a subscriber. Without --confirmed they get a confirmation mail first."""
    from paperwire.mail.subscriptions import InvalidSubscription, check_preferences, clean_list
    from paperwire.recommend.interests import liked_ids

    config = settings()
    db = open_database(config)
    try:
        prefs = check_preferences(
            Preferences(
                topics=clean_list(topic or [], name="topics"),
                categories=clean_list(category or [], name="categories"),
                authors=clean_list(author or [], name="authors"),
                frequency=frequency,
                hour=hour,
                timezone=timezone,
                liked=liked_ids(db, like or []),
                author_name=" ".join(author_name.split()) if author_name and author_name.strip() else None,
            )
        )
    except (InvalidSubscription, ValueError) as exc:
        raise CliError(str(exc)) from None
    address = email_argument(email)
    subscriber, created = subs.add(db, address, prefs, confirmed=confirmed, now=utcnow())
    if subscriber.status == subs.PENDING:
        from paperwire.mail.subscriptions import request_subscription

        request_subscription(db, config, address, prefs, now=utcnow())
    if as_json:
        print_json({**subscriber.as_dict(), "created": created})
    else:
        err.print(f"{'added' if created else 'updated'} {address} ({subscriber.status})", highlight=False)


@subscribers_app.command("list")
@clean_errors
def subscribers_list(
    status: Annotated[str | None, typer.Option("--status", help="pending, confirmed or unsubscribed.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List subscribers."""
    show_subscribers(subs.all_subscribers(open_database(settings()), status=status), as_json=as_json)


CSV_FIELDS = [
    "email",
    "status",
    "topics",
    "categories",
    "authors",
    "liked",
    "author_name",
    "frequency",
    "weekday",
    "hour",
    "timezone",
    "digest_size",
    "paused",
    "suppressed_reason",
]


@subscribers_app.command("import")
@clean_errors
def subscribers_import(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="CSV",
            help="Header row; email required; topics, categories, authors and liked (paper ids) separated by ';'; "
            "status confirmed or pending.",
        ),
    ],
    no_confirm_mail: Annotated[
        bool,
        typer.Option(
            "--no-confirm-mail",
            help="Do not mail pending rows a confirmation link (they get no digest until they confirm).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Import subscribers from CSV. Bad rows are reported with their line number and skipped.

    Rows with status pending (the default) get a confirmation mail through the outbox, as if they had
    subscribed on the site: they get digests only once they confirm. ``paperwire worker send`` (or the
    running scheduler) delivers the mails."""
    from paperwire.mail.subscriptions import InvalidSubscription, queue_confirmation

    if not file.is_file():
        raise CliError(f"no such file: {file}")
    config = settings()
    db = open_database(config)
    created = updated = queued = pending = 0
    problems: list[dict[str, object]] = []
    with file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "email" not in [f.strip().lower() for f in reader.fieldnames]:
            raise CliError(f"{file}: the header row must name an 'email' column")
        for line, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            try:
                subscriber, was_created = _import_row(db, config, row)
            except (InvalidSubscription, ValueError) as exc:
                problems.append({"line": line, "email": row.get("email", ""), "reason": str(exc)})
                continue
            created += was_created
            updated += not was_created
            if subscriber.status == subs.PENDING and subscriber.suppressed_at is None:
                pending += 1
                if not no_confirm_mail:
                    queued += queue_confirmation(db, config, subscriber, now=utcnow())
    report = {
        "created": created,
        "updated": updated,
        "skipped": problems,
        "pending": pending,
        "confirmation_mails_queued": queued,
    }
    if as_json:
        print_json(report)
        return
    for problem in problems[:20]:
        err.print(
            f"[yellow]skipped[/] line {problem['line']} ({problem['email']}): {problem['reason']}",
            highlight=False,
        )
    err.print(f"imported: {created} new, {updated} updated, {len(problems)} skipped", highlight=False)
    err.print(_confirmation_summary(pending, queued, no_confirm_mail), highlight=False)


def _confirmation_summary(pending: int, queued: int, no_confirm_mail: bool) -> str:
    if not pending:
        return "no pending subscribers: no confirmation mail needed"
    if no_confirm_mail:
        return (
            f"{pending} pending subscriber(s) got no confirmation mail (--no-confirm-mail): they get no digests "
            "until they confirm; import them again without --no-confirm-mail to mail them the link"
        )
    held = pending - queued
    line = f"{queued} confirmation mail(s) queued in the outbox; `paperwire worker send` delivers them"
    if held:
        line += f"; {held} not queued (that address already had today's confirmation mails)"
    return line


def _import_row(db: Database, config: Settings, row: dict[str, str]) -> tuple[subs.Subscriber, bool]:
    from paperwire.mail.subscriptions import (
        InvalidSubscription,
        check_preferences,
        clean_author_name,
        clean_list,
        normalise_email,
        resolve_liked,
    )

    status = row.get("status") or "pending"
    if status not in {"confirmed", "pending"}:
        raise InvalidSubscription(f"status must be confirmed or pending, not {status!r}")
    prefs = check_preferences(
        Preferences(
            topics=clean_list(row.get("topics"), name="topics"),
            categories=clean_list(row.get("categories"), name="categories"),
            authors=clean_list(row.get("authors"), name="authors"),
            frequency=row.get("frequency") or "daily",
            hour=int(row.get("hour") or 7),
            timezone=row.get("timezone") or "UTC",
            liked=resolve_liked(db, row.get("liked")),
            author_name=clean_author_name(row.get("author_name")),
        )
    )
    return subs.add(db, normalise_email(row.get("email", "")), prefs, confirmed=status == "confirmed", now=utcnow())


@subscribers_app.command("export")
@clean_errors
def subscribers_export(
    file: Annotated[Path | None, typer.Option("--file", help="Write here instead of stdout.")] = None,
) -> None:
    """Export all subscribers as CSV (the same columns `import` reads)."""
    rows = subs.all_subscribers(open_database(settings()))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS)
    writer.writeheader()
    for s in rows:
        writer.writerow(
            {
                "email": s.email,
                "status": s.status,
                "topics": ";".join(s.topics),
                "categories": ";".join(s.categories),
                "authors": ";".join(s.authors),
                "liked": ";".join(s.liked),
                "author_name": s.author_name or "",
                "frequency": s.frequency,
                "weekday": s.weekday,
                "hour": s.hour,
                "timezone": s.timezone,
                "digest_size": s.digest_size,
                "paused": s.paused,
                "suppressed_reason": s.suppressed_reason or "",
            }
        )
    if file:
        file.write_text(buffer.getvalue(), encoding="utf-8")
        err.print(f"wrote {len(rows)} subscriber(s) to {file}", highlight=False)
    else:
        sys.stdout.write(buffer.getvalue())


@subscribers_app.command("remove")
@clean_errors
def subscribers_remove(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Delete a subscriber and everything recorded about them."""
    db = open_database(settings())
    subscriber = subs.find(db, email_argument(email))
    if subscriber is None:
        raise CliError(f"no subscriber {email}")
    subs.remove(db, subscriber.id)
    err.print(f"removed {subscriber.email}", highlight=False)


@subscribers_app.command("suppress")
@clean_errors
def subscribers_suppress(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    reason: Annotated[str, typer.Option("--reason")] = "suppressed by an admin",
) -> None:
    """Never mail this address again (until unsuppressed)."""
    if not subs.suppress(open_database(settings()), email_argument(email), reason, now=utcnow()):
        raise CliError(f"no subscriber {email}, or already suppressed")
    err.print(f"suppressed {email}", highlight=False)


@subscribers_app.command("unsuppress")
@clean_errors
def subscribers_unsuppress(email: Annotated[str, typer.Argument(metavar="EMAIL")]) -> None:
    """Allow mail to an address again (and forget its hard bounces)."""
    if not subs.unsuppress(open_database(settings()), email_argument(email)):
        raise CliError(f"no subscriber {email}")
    err.print(f"unsuppressed {email}", highlight=False)


# --- digests ---------------------------------------------------------------------------------------------

DateOpt = Annotated[str | None, typer.Option("--date", help="Plan for this day (YYYY-MM-DD); default today.")]


def caught_up_search(config: Settings, db: Database) -> SearchService:
    """Topic matching needs the index to know every paper the database has (if the index cannot be written,
    a warning is logged and planning goes on with the index as last saved)."""
    from paperwire.search import SearchService

    search = SearchService(config, db)
    search.catch_up_if_behind()
    return search


def _day(value: str | None) -> date:
    return parse_day(value) if value else utcnow().date()


@digest_app.command("plan")
@clean_errors
def digest_plan(date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Write one outbox row per due subscriber and period; sends nothing. Idempotent."""
    from paperwire.jobs import pipeline

    config = settings()
    db = open_database(config)
    search = caught_up_search(config, db)
    report = pipeline.plan(db, config, search, day=_day(date_))
    if as_json:
        print_json(report.as_dict())
    else:
        err.print(
            f"planned {report.planned} digest(s) for {report.listing_day or 'no listing yet'}: "
            f"{report.due} due, {report.already_planned} already planned, {report.nothing_new} with "
            f"nothing new ({report.seconds:.1f}s)",
            highlight=False,
        )


@digest_app.command("send")
@clean_errors
def digest_send(date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Plan and deliver in one process (the usual daily command)."""
    from paperwire.jobs import pipeline
    from paperwire.mail.sender import Sender

    config = settings()
    db = open_database(config)
    search = caught_up_search(config, db)
    planned = pipeline.plan(db, config, search, day=_day(date_))
    sent = Sender(db, config).run(until_empty=True)
    if as_json:
        print_json({"plan": planned.as_dict(), "send": sent.as_dict()})
    else:
        err.print(
            f"planned {planned.planned}, sent {sent.sent}, retrying {sent.retried}, failed {sent.failed}, "
            f"suppressed {sent.suppressed} ({sent.seconds:.1f}s)",
            highlight=False,
        )


@digest_app.command("preview")
@clean_errors
def digest_preview(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    date_: DateOpt = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the HTML part to this file.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Render exactly what this subscriber would get (plans nothing, sends nothing, stores nothing)."""
    from paperwire.mail.compose import compose_digest
    from paperwire.mail.digest import digest_context
    from paperwire.mail.digest import digest_plan as plan_of
    from paperwire.mail.links import Links
    from paperwire.recommend import Recommender, reader_for

    config = settings()
    db = open_database(config)
    subscriber = subs.find(db, email_argument(email))
    if subscriber is None:
        raise CliError(f"no subscriber {email}")
    search = caught_up_search(config, db)
    day = _day(date_)
    recommender = Recommender(db, config, search, now=utcnow())
    reader = reader_for(db, subscriber)
    period = recommender.period(reader, day)
    if period is None:
        raise CliError("no papers have been listed yet; ingest some first")
    pool = [paper.id for paper in recommender.pool(period).papers]
    with db.read() as conn:
        got = {p for _, p in subs.received_papers(conn, [subscriber.id], pool)}
    plan = plan_of(recommender.picks(reader, day, subscriber.digest_size, exclude=got))
    from paperwire.db.papers import papers_by_ids

    context = digest_context(Links.build(config), subscriber, plan, papers_by_ids(db, plan.paper_ids))
    message = compose_digest(config, context).as_message()
    if as_json:
        print_json(
            {
                "subject": str(message["Subject"]),
                "period": period.key,
                "items": [{"id": i.id, "title": i.title, "why": i.why, "reason": i.reason} for i in context.items],
                "notes": [n.text for n in context.notes],
            }
        )
    else:
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in message.items()) + "\n")
        text = message.get_body(preferencelist=("plain",))
        sys.stdout.write(text.get_content() if text else "")
    if html:
        part = message.get_body(preferencelist=("html",))
        html.write_text(part.get_content() if part else "", encoding="utf-8")
        err.print(f"wrote the HTML part to {html}", highlight=False)


@worker_app.command("send")
@clean_errors
def worker_send(
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, max=64, help="SMTP connections in this process.")
    ] = None,
    until_empty: Annotated[
        bool,
        typer.Option(
            "--until-empty",
            help="Return when no row is pending or leased (waits out leases of dead senders).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Deliver planned mail from the outbox. Run several (here or on other machines) to go faster."""
    from paperwire.mail.sender import Sender

    config = settings()
    if concurrency:
        config = config.model_copy(update={"mail_connections": concurrency})
    db = open_database(config)
    report = Sender(db, config).run(until_empty=until_empty)
    if as_json:
        print_json({**report.as_dict(), "outbox": outbox.counts(db)})
    else:
        err.print(
            f"sent {report.sent}, retrying {report.retried}, failed {report.failed}, "
            f"suppressed {report.suppressed} ({report.seconds:.1f}s)",
            highlight=False,
        )


@bounces_app.command("record")
@clean_errors
def bounces_record(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    kind: Annotated[str, typer.Option("--kind", help="hard, soft or complaint.")] = "hard",
    reason: Annotated[str, typer.Option("--reason")] = "",
) -> None:
    """Record a bounce or complaint (hard bounces past the limit, or a complaint, suppress the address)."""
    if kind not in {"hard", "soft", "complaint"}:
        raise CliError("--kind must be hard, soft or complaint")
    config = settings()
    suppressed = subs.record_bounce(
        open_database(config),
        email_argument(email),
        kind=kind,
        reason=reason,
        hard_limit=config.hard_bounce_limit,
        now=utcnow(),
    )
    err.print(
        f"recorded {kind} bounce for {email}" + ("; address suppressed" if suppressed else ""),
        highlight=False,
    )


@clean_errors
def daily(date_: DateOpt = None, as_json: JsonOpt = False) -> None:
    """The whole daily pipeline for cron/systemd: harvest → signals → index → trending → plan → send."""
    from paperwire.jobs import pipeline
    from paperwire.mail.sender import Sender
    from paperwire.search import SearchService

    config = settings()
    db = open_database(config)
    search = SearchService(config, db)
    day = _day(date_)
    harvested = pipeline.guarded(db, f"harvest:{day.isoformat()}", lambda: pipeline.harvest(db, config, day=day))
    collected = pipeline.guarded(db, f"signals:{day.isoformat()}", lambda: pipeline.collect_signals(db, config))
    refreshed = pipeline.after_ingest(db, config, search)
    planned = pipeline.plan(db, config, search, day=day)
    sent = Sender(db, config).run(until_empty=True)
    result = {
        "harvested": [r.as_dict() for r in harvested],
        "signals": collected,
        "refreshed": dataclasses.asdict(refreshed),
        "plan": planned.as_dict(),
        "send": sent.as_dict(),
    }
    if as_json:
        print_json(result)
    else:
        err.print(
            f"harvested {sum(r.counts.changed for r in harvested)} changed papers; planned {planned.planned} "
            f"digests; sent {sent.sent}",
            highlight=False,
        )
