"""`paperwire subscribers import` (issue 14): pending rows get a confirmation mail through the outbox and a
real SMTP server, confirmed rows get none, `--no-confirm-mail` says plainly what it did not do; liked papers
and an author name can be imported too, and export writes them back out."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from paperwire.cli import app
from paperwire.db import outbox
from paperwire.db import subscribers as subs
from paperwire.web.app import create_app
from testkit.mail_world import World
from testkit.smtp_sink import SmtpSink

PEOPLE = (
    "email,topics,status,liked,author_name\n"
    "ann@example.org,transformers,pending,2605.12778;https://arxiv.org/abs/2605.13333,Ann Author\n"
    "ben@example.org,,confirmed,,\n"
    "cat@example.org,attention,,,\n"  # no status: pending
    "dan@example.org,,pending,2699.99999,\n"  # an unknown liked paper: skipped, with the reason
)


@pytest.fixture
def env(world: World, smtp_sink: SmtpSink) -> dict[str, str]:
    return {
        "PAPERWIRE_HOME": str(world.settings.home),
        "PAPERWIRE_DATABASE_URL": world.settings.resolved_database_url,
        "PAPERWIRE_MAIL_URL": smtp_sink.url,
        "PAPERWIRE_BASE_URL": "https://papers.example.org",
        "PAPERWIRE_MAIL_RETRY_SECONDS": "0.05",
    }


def cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def people_file(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    return path


def test_pending_rows_get_a_confirmation_mail_that_confirms(
    world: World, env: dict[str, str], smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    code, out, _ = cli(env, "subscribers", "import", str(people_file(tmp_path)), "--json")
    assert code == 0
    report = json.loads(out)
    assert (report["created"], report["pending"], report["confirmation_mails_queued"]) == (3, 2, 2)
    assert [(p["line"], p["email"]) for p in report["skipped"]] == [(5, "dan@example.org")]
    assert "2699.99999" in report["skipped"][0]["reason"]
    assert outbox.counts(world.db) == {"pending": 2}
    code, _, _ = cli(env, "worker", "send", "--until-empty")
    assert code == 0
    assert len(smtp_sink.to("ben@example.org")) == 0  # confirmed already: no mail asking to confirm
    assert len(smtp_sink.to("cat@example.org")) == 1
    [mail] = smtp_sink.to("ann@example.org")
    assert mail["Subject"] == "Confirm your paperwire subscription"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https://papers\.example\.org(/subscribe/confirm/\S+)", text)
    assert link
    client = TestClient(create_app(world.settings, db=world.db, search=world.search), base_url="https://testserver")
    page = client.get(link.group(1))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    assert client.post(link.group(1), data={"csrf_token": token.group(1)}).status_code == 200
    ann = subs.find(world.db, "ann@example.org")
    assert ann is not None
    assert (ann.status, ann.liked, ann.author_name) == ("confirmed", ["2605.12778", "2605.13333"], "Ann Author")
    # Export writes the liked papers and name back out, in columns import reads.
    code, exported, _ = cli(env, "subscribers", "export")
    assert "ann@example.org,confirmed,transformers,,,2605.12778;2605.13333,Ann Author" in exported


def test_no_confirm_mail_queues_nothing_and_says_so(
    world: World, env: dict[str, str], smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    code, _, err = cli(env, "subscribers", "import", str(people_file(tmp_path)), "--no-confirm-mail")
    assert code == 0
    assert "imported: 3 new, 0 updated, 1 skipped" in err
    assert "2 pending subscriber(s) got no confirmation mail (--no-confirm-mail)" in " ".join(err.split())
    assert outbox.counts(world.db) == {}
    code, _, err = cli(env, "subscribers", "import", str(people_file(tmp_path)))
    assert "2 confirmation mail(s) queued in the outbox" in " ".join(err.split())
    assert outbox.counts(world.db) == {"pending": 2}
