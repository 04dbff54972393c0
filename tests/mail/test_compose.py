"""Composing is pure: check the message itself (headers, both parts, links, inlined CSS), parsed back with
the standard ``email`` package — the digest's MIME is written by hand (``paperwire.mail.mime``)."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from paperwire.config import Settings
from paperwire.mail import mime
from paperwire.mail.compose import DigestContext, DigestItem, Outgoing, compose_digest, no_header_injection


def context(**overrides: object) -> DigestContext:
    item = DigestItem(
        id="2605.13343",
        title="Sparse <Experts> & friends",
        authors=["Ada Lovelace", "Alan Turing"],
        categories=["cs.LG"],
        summary="We route tokens.",
        why="matches your topic “mixture of experts”",
        code_link="https://github.com/acme/moe",
        url="https://papers.example.org/c/TOKEN1",
        fewer_url="https://papers.example.org/f/TOKEN2",
    )
    values: dict[str, object] = {
        "email": "ada@example.org",
        "period_label": "Thursday, May 14, 2026",
        "items": [item],
        "manage_url": "https://papers.example.org/manage/M",
        "unsubscribe_url": "https://papers.example.org/u/U",
        "unsubscribe_token": "U",
    }
    values.update(overrides)
    return DigestContext(**values)  # type: ignore[arg-type]


def settings() -> Settings:
    return Settings(base_url="https://papers.example.org", mail_from="paperwire <digest@papers.example.org>")


def digest(**overrides: object) -> EmailMessage:
    return compose_digest(settings(), context(**overrides)).as_message()


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_headers_for_one_click_unsubscribe_and_threading() -> None:
    message = digest()
    assert message["List-Unsubscribe"] == (
        "<https://papers.example.org/u/U>, <mailto:digest@papers.example.org?subject=unsubscribe%20U>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Id"] == "paperwire digest <digest.papers.example.org>"
    assert message["Message-ID"].endswith("@papers.example.org>")
    assert message["Date"]
    assert message["To"] == "ada@example.org"
    assert message["Subject"].startswith("paperwire · 1 paper for Thursday, May 14, 2026: Sparse <Experts>")
    assert message.get_content_type() == "multipart/alternative"


def test_text_and_html_parts_carry_the_same_links() -> None:
    text, html = parts(digest())
    for link in (
        "https://papers.example.org/c/TOKEN1",
        "https://papers.example.org/f/TOKEN2",
        "https://papers.example.org/manage/M",
        "https://papers.example.org/u/U",
    ):
        assert link in text
        assert link in html
    assert "Why: matches your topic “mixture of experts”" in text
    assert "Sparse &lt;Experts&gt; &amp; friends" in html  # escaped in HTML
    assert "Sparse <Experts> & friends" in text


def test_html_has_inlined_css_preheader_and_dark_mode() -> None:
    _, html = parts(digest())
    assert 'class="card" style="' in html  # css-inline moved the rules onto the elements
    assert "prefers-color-scheme: dark" in html  # the media query survives for clients that support it
    assert 'class="preheader"' in html
    assert '<meta name="viewport"' in html


def test_note_when_nothing_new() -> None:
    message = digest(items=[], note="Nothing new matched your interests.")
    text, _ = parts(message)
    assert "Nothing new matched your interests." in text
    assert message["Subject"] == "paperwire · nothing new for Thursday, May 14, 2026"


def test_header_values_cannot_inject_headers() -> None:
    assert no_header_injection("Hello\r\nBcc: victim@example.org") == "Hello Bcc: victim@example.org"
    message = digest(email="ada@example.org\r\nBcc: x@example.org")
    assert message["Bcc"] is None


def test_the_envelope_matches_the_headers() -> None:
    outgoing = compose_digest(settings(), context())
    message = outgoing.as_message()
    assert outgoing.sender == "digest@papers.example.org"
    assert outgoing.recipients == ("ada@example.org",)
    assert outgoing.message_id == message["Message-ID"]
    assert outgoing.subject == message["Subject"]
    assert b"\r\n" in outgoing.data
    assert b"\n" not in outgoing.data.replace(b"\r\n", b"")  # no bare LF anywhere
    head, _, body = outgoing.data.partition(b"\r\n\r\n")
    assert max(len(line) for line in head.split(b"\r\n")) <= 78  # headers as the email package folds them
    assert max(len(line) for line in body.split(b"\r\n")) <= 998  # RFC 5322's limit in the 7bit HTML


def test_unicode_long_and_hostile_subjects_survive_the_hand_written_headers() -> None:
    long_title = "Attention Is Not All You Need: " + "very " * 30 + "long titles"
    for title in ["Ünïcödé 🚀 and 中文 titles", long_title, "=?utf-8?q?not_an_encoded_word?=", "Line\r\nBcc: x@y"]:
        message = digest(items=[replace_title(title)])
        expected = no_header_injection(f"paperwire · 1 paper for Thursday, May 14, 2026: {shorten(title)}")
        assert message["Subject"] == expected
        assert message["Bcc"] is None


def replace_title(title: str) -> DigestItem:
    item = context().items[0]
    return DigestItem(**{**{f: getattr(item, f) for f in item.__slots__}, "title": title})  # type: ignore[arg-type]


def shorten(title: str) -> str:
    return title if len(title) <= 60 else title[:57].rstrip() + "…"


def test_text_is_quoted_printable_and_html_plain_ascii_lines() -> None:
    """Neither part is base64 (1.35x the size, unreadable in a raw view); the HTML keeps its own lines."""
    data = compose_digest(settings(), context(items=[replace_title("Ünïcödé “quotes” · 中文")])).data
    assert data.count(b"Content-Transfer-Encoding: quoted-printable") == 1
    assert data.count(b"Content-Transfer-Encoding: 7bit") == 1
    assert b"base64" not in data
    assert data.isascii()
    assert b"&#220;n&#239;c&#246;d&#233;" in data  # non-ASCII in the HTML as character references
    _, html = parts(compose_digest(settings(), context(items=[replace_title("Ünïcödé “quotes” · 中文")])).as_message())
    assert "Ünïcödé “quotes” · 中文" in unescape(html)


def test_html_lines_longer_than_998_octets_are_broken_at_spaces() -> None:
    html = "<p>" + "word " * 500 + "</p>"
    body = mime.html_as_7bit(html)
    assert body is not None
    assert max(len(line) for line in body.split(b"\r\n")) <= 998
    assert body.replace(b"\r\n", b" ") == html.encode()
    assert mime.html_as_7bit("<p>" + "x" * 2000 + "</p>") is None  # no space to break at: quoted-printable


@hypothesis_settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=300))
def test_any_header_text_parses_back_to_itself(value: str) -> None:
    value = no_header_injection(value)
    raw = mime.header("Subject", value) + b"\r\n"
    for line in raw.split(b"\r\n"):  # only a single word longer than a line may make a line longer
        assert len(line) <= 78 or len(line.strip().split(b" ")[-1]) > 60
    assert message_from_bytes(raw, policy=default)["Subject"] == value


@hypothesis_settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=2000), st.text(max_size=2000))
def test_any_body_text_parses_back_to_itself(text: str, html: str) -> None:
    """The text exactly; the HTML as HTML reads it (character references resolved, any whitespace a space)."""
    raw = mime.multipart_alternative([b"Subject: x\r\n"], text=text, html=html)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = message_from_bytes(raw, policy=default)
    assert isinstance(message, EmailMessage)
    plain, rich = (part.replace("\r\n", "\n") for part in parts(message))  # the parser keeps the wire's CRLF
    assert plain == text.replace("\r\n", "\n").replace("\r", "\n")
    assert as_html_reads(rich) == as_html_reads(html.replace("\r\n", "\n").replace("\r", "\n"))


def as_html_reads(markup: str) -> str:
    return re.sub(r"\s+", " ", unescape(markup)).strip()


@pytest.mark.parametrize("value", ["", "short", "x" * 200, "a " * 100, "two  spaces " * 20])
def test_ascii_headers_fold_at_spaces_and_unfold_to_the_same(value: str) -> None:
    folded = mime.fold(value, len("List-Id: "))
    assert folded.replace("\r\n", "") == value
    assert all(len(line) <= 78 for line in folded.split("\r\n")[1:] if " " in line.strip())
    raw = mime.header("List-Id", value.strip()) + b"\r\n"
    assert message_from_bytes(raw, policy=default)["List-Id"] == value.strip()


def test_other_mails_go_through_the_email_package_into_the_same_envelope() -> None:
    from paperwire.mail.compose import compose_confirmation

    outgoing = compose_confirmation(settings(), to="bob@example.org", link="https://papers.example.org/confirm/T")
    assert isinstance(outgoing, Outgoing)
    assert outgoing.recipients == ("bob@example.org",)
    assert outgoing.as_message()["Subject"] == "Confirm your paperwire subscription"


def test_smtp_data_doubles_every_leading_dot_and_ends_with_crlf() -> None:
    from paperwire.mail.transport import smtp_data

    outgoing = Outgoing("a@example.org", ("b@example.org",), "<m@x>", "s", b".one\r\ntwo\r\n.\r\n..three")
    assert smtp_data(outgoing) == b"..one\r\ntwo\r\n..\r\n...three\r\n"


class _Events(HTMLParser):
    """What a browser builds from markup: tags, attributes and text (entities resolved, whitespace runs one)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[str, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, *sorted(f"{k}={' '.join((v or '').split())}" for k, v in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.events.append(("text", " ".join(data.split())))


def html_events(markup: str) -> list[tuple[str, ...]]:
    parser = _Events()
    parser.feed(markup)
    parser.close()
    return parser.events


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"items": [], "note": "Nothing new matched your interests."},
        {"items": [replace_title('<script>alert("x")</script> & “quotes” > 4 authors')] * 3},
    ],
    ids=["one item", "note", "hostile and repeated"],
)
def test_the_pre_inlined_template_renders_what_inlining_each_mail_did(overrides: dict[str, object]) -> None:
    from paperwire.mail.compose import _inliner, inlined_template, render

    ctx = context(**overrides)
    item = ctx.items[0] if ctx.items else None
    authors = [f"Author {n}" for n in range(6)]
    if item is not None:  # more than four authors exercises the "et al." branch
        ctx = context(**{**overrides, "items": [DigestItem(**{**_fields(item), "authors": authors}), *ctx.items]})
    values = {"c": ctx, "preheader": "pre", "base_url": "https://papers.example.org"}
    per_mail = _inliner.inline(render("digest.html", **values))
    once = inlined_template("digest.html").render(**values)
    assert html_events(once) == html_events(per_mail)
    assert 'style="' in once


def _fields(item: DigestItem) -> dict[str, object]:
    return {f: getattr(item, f) for f in item.__slots__}  # type: ignore[attr-defined]
