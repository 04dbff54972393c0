"""Mail transports chosen by URL (``PAPERWIRE_MAIL_URL``): SMTP, a directory of .eml files, the dev mailbox.

Every transport raises ``TemporaryFailure`` (try again later: SMTP 4xx, a dropped connection) or
``PermanentFailure`` (give up on this address: SMTP 5xx) so the sender can retry or suppress.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
import struct
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from paperwire.db import dev_mail
from paperwire.db.engine import Database
from paperwire.faults import crash_point, note_window
from paperwire.mail.compose import Outgoing


class MailError(Exception):
    """A message could not be delivered."""


class TemporaryFailure(MailError):
    """Worth retrying later (SMTP 4xx, connection trouble)."""


class PermanentFailure(MailError):
    """Retrying will not help (SMTP 5xx for this recipient)."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class LeaseLost(MailError):
    """The outbox row was taken over by another sender before this one committed: nothing was sent."""


# The outbox commit, called with two hooks: ``hold`` runs once the row is ours, before the commit; ``release``
# right after the commit. False: the row is not ours any more, abort the send (see ``SmtpTransport.send``).
Hook = Callable[[], None]
BeforeFinal = Callable[[Hook, Hook], bool]


def _nothing() -> None:
    return None


class Transport(Protocol):
    def send(self, message: Outgoing, *, before_final: BeforeFinal | None = None) -> None: ...

    def close(self) -> None: ...


def _check(before_final: BeforeFinal | None) -> None:
    if before_final is not None and not before_final(_nothing, _nothing):
        raise LeaseLost("another sender owns this message now")


def smtp_data(message: Outgoing) -> bytes:
    """The DATA payload: CRLF line ends, leading dots doubled (RFC 5321 4.5.2), without the final dot."""
    raw = message.data
    if b"\n." in raw:  # bytes.replace is a memchr scan: ten times faster than the regular expression
        raw = raw.replace(b"\r\n.", b"\r\n..")
    if raw.startswith(b"."):
        raw = b"." + raw
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"


class SmtpTransport:
    """One reused SMTP connection (reconnects when the server drops it)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.host = parts.hostname or "localhost"
        self.implicit_tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.starttls = query.get("starttls", ["0"])[0] in {"1", "true", "yes"}
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.implicit_tls:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                smtp.starttls(context=context)
        if smtp.sock is not None:
            # The final dot goes out as its own small write (see ``send``); with Nagle's algorithm on, it
            # would wait for the ACK of the message body (a delayed ACK: 40 ms) on every message.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.username:
            smtp.login(self.username, self.password or "")
        return smtp

    def send(self, message: Outgoing, *, before_final: BeforeFinal | None = None) -> None:
        """Deliver one message over the reused connection.

        The transaction is driven by hand so that the outbox commit happens after the whole message is with
        the server and the terminating dot is queued in the kernel but held back (TCP_CORK, with SO_LINGER 0
        so that a process killed now makes the kernel drop it and reset the connection: the server discards
        an unfinished message). Right after the commit the dot is released. A crash before the commit: the
        message was not delivered and the row is not sent — the next sender delivers it. After the release:
        delivered and recorded. The only window in which a crash loses a digest is the tail of the database
        commit itself (the commit is durable, the release not yet made): usually microseconds. Nothing doubles it.
        """
        try:
            smtp = self._smtp = self._smtp or self._connect()
            self._transaction(smtp, message, before_final)
        except LeaseLost:
            self.abort()  # drop the connection mid-DATA: the server discards the unfinished message
            raise
        except smtplib.SMTPResponseException as exc:
            self._reset_or_close()
            self._raise_for_code(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError as exc:  # an internationalised address, a server without SMTPUTF8
            self._reset_or_close()
            raise PermanentFailure(f"SMTP {self.host}:{self.port}: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            self.abort()  # the connection is in an unknown state: start afresh next time
            raise TemporaryFailure(f"SMTP {self.host}:{self.port}: {exc}") from exc

    def _transaction(self, smtp: smtplib.SMTP, message: Outgoing, before_final: BeforeFinal | None) -> None:
        smtp.ehlo_or_helo_if_needed()
        smtp.command_encoding = "ascii"  # SMTPUTF8 switches it to UTF-8 for one message
        envelope = [message.sender, *message.recipients]
        options = "" if all(address.isascii() for address in envelope) else " SMTPUTF8"
        if options:
            if not smtp.has_extn("smtputf8"):
                raise smtplib.SMTPNotSupportedError("the server does not accept internationalised addresses")
            smtp.command_encoding = "utf-8"
        commands = [f"MAIL FROM:{smtplib.quoteaddr(message.sender)}{options}"]
        commands += [f"RCPT TO:{smtplib.quoteaddr(address)}" for address in message.recipients]
        commands.append("DATA")
        if smtp.has_extn("pipelining"):  # RFC 2920: one write, then the replies: two round trips fewer
            smtp.send("".join(command + "\r\n" for command in commands))
            _expect_pipelined(smtp, commands, [smtp.getreply() for _ in commands])
        else:
            for command in commands:
                smtp.putcmd(command)
                _expect(smtp.getreply(), _EXPECTED_DATA if command == "DATA" else _EXPECTED_ENVELOPE)
        smtp.send(smtp_data(message))
        crash_point("body_sent")
        if before_final is None:
            smtp.send(b".\r\n")
        elif not before_final(lambda: _hold_dot(smtp, message), lambda: _release_dot(smtp, message)):
            raise LeaseLost("another sender owns this message now")
        crash_point("released")
        _expect(smtp.getreply(), (250,))

    def _reset_or_close(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.abort()

    @staticmethod
    def _raise_for_code(code: int, text: bytes | str) -> None:
        reason = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        if 500 <= code < 600:
            raise PermanentFailure(f"{code} {reason}", code=code)
        raise TemporaryFailure(f"{code} {reason}")

    def close(self) -> None:
        """Say goodbye politely (QUIT) on a healthy connection."""
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
            self._smtp = None

    def abort(self) -> None:
        """Drop the connection without a word: after an error, or in the middle of DATA where a QUIT would
        only be read as more message text."""
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
            self._smtp = None


_LINGER_RESET = struct.pack("ii", 1, 0)  # on close (or death): discard unsent data and reset
_LINGER_NORMAL = struct.pack("ii", 0, 0)


def _hold_dot(smtp: smtplib.SMTP, message: Outgoing) -> None:
    """Queue the final dot in the kernel without letting it leave, and make a death drop it."""
    assert smtp.sock is not None
    smtp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    smtp.send(b".\r\n")
    crash_point("dot_held")
    note_window("enter", message.recipients)  # before the commit: the fault tests' view of the window


def _release_dot(smtp: smtplib.SMTP, message: Outgoing) -> None:
    crash_point("committed")  # the documented window: "sent" is durable, the dot not yet released
    assert smtp.sock is not None
    # Normal linger first: from this call on, even a death delivers the dot (closing a socket sends what is
    # queued, corked or not, and then FIN). Uncorking first would leave a moment in which the dot is out but a
    # death still resets the connection, and a server that sees the reset before it reads the dot drops it.
    smtp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_NORMAL)
    note_window("leave", message.recipients)
    smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)  # the dot leaves now


_EXPECTED_ENVELOPE, _EXPECTED_DATA = (250, 251), (354,)


def _expect_pipelined(smtp: smtplib.SMTP, commands: list[str], replies: list[tuple[int, bytes]]) -> None:
    """The replies to MAIL, RCPT... and DATA, in order: the first refusal is the one that counts. Should DATA
    have been accepted (354) all the same, the connection is closed before raising: it now waits for message
    text, and an RSET would be read as some."""
    for command, (code, text) in zip(commands, replies, strict=True):
        if code not in (_EXPECTED_DATA if command == "DATA" else _EXPECTED_ENVELOPE):
            if replies[-1][0] == 354:
                smtp.close()
            raise smtplib.SMTPResponseException(code, text)


def _expect(reply: tuple[int, bytes], codes: tuple[int, ...]) -> None:
    code, text = reply
    if code not in codes:
        raise smtplib.SMTPResponseException(code, text)


class FileTransport:
    """Writes each message as an .eml file (for inspection, or a mail pickup directory)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)

    def send(self, message: Outgoing, *, before_final: BeforeFinal | None = None) -> None:
        _check(before_final)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(message.data)
        temporary.rename(path)  # readers never see half a message

    def close(self) -> None:
        return None


class DevMailbox:
    """Stores mail in the database; the site shows it at /_mail. For trying paperwire out offline."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def send(self, message: Outgoing, *, before_final: BeforeFinal | None = None) -> None:
        _check(before_final)
        now = datetime.now(UTC).replace(tzinfo=None)
        raw = message.data.decode("utf-8", errors="replace")
        for address in message.recipients or ("",):
            dev_mail.store(self.db, to_addr=address, subject=message.subject, raw=raw, now=now)

    def close(self) -> None:
        return None


def is_dev_mailbox(url: str) -> bool:
    return urlsplit(url).scheme == "dev"


def transport_from_url(url: str, db: Database) -> Transport:
    scheme = urlsplit(url).scheme
    if scheme in {"smtp", "smtps"}:
        return SmtpTransport(url)
    if scheme == "file":
        return FileTransport(Path(unquote(urlsplit(url).path)))
    if scheme == "dev":
        return DevMailbox(db)
    raise ValueError(f"unknown mail transport {url!r}: use smtp://, smtps://, file:// or dev://")
