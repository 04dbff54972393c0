"""Composing is pure: check the message itself (headers, both parts, links, inlined CSS)."""

from __future__ import annotations

from email.message import EmailMessage

from paperwire.config import Settings
from paperwire.mail.compose import DigestContext, DigestItem, compose_digest, no_header_injection


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


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_headers_for_one_click_unsubscribe_and_threading() -> None:
    message = compose_digest(settings(), context())
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
    text, html = parts(compose_digest(settings(), context()))
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
    _, html = parts(compose_digest(settings(), context()))
    assert 'class="card" style="' in html  # css-inline moved the rules onto the elements
    assert "prefers-color-scheme: dark" in html  # the media query survives for clients that support it
    assert 'class="preheader"' in html
    assert '<meta name="viewport"' in html


def test_note_when_nothing_new() -> None:
    message = compose_digest(settings(), context(items=[], note="Nothing new matched your interests."))
    text, _ = parts(message)
    assert "Nothing new matched your interests." in text
    assert message["Subject"] == "paperwire · nothing new for Thursday, May 14, 2026"


def test_header_values_cannot_inject_headers() -> None:
    assert no_header_injection("Hello\r\nBcc: victim@example.org") == "Hello Bcc: victim@example.org"
    message = compose_digest(settings(), context(email="ada@example.org\r\nBcc: x@example.org"))
    assert message["Bcc"] is None
