"""arXiv OAI-PMH: parse ListRecords/GetRecord pages and follow resumption tokens.

Three metadata formats are understood, told apart by the namespace of the element inside ``<metadata>``:
``arXiv`` (structured authors), ``arXivRaw`` (every version with its date) and ``oai_dc`` (Dublin Core,
categories only as subject names, mapped back to codes with ``taxonomy``).

An OAI-PMH ``<error>`` is part of the protocol, not a broken document: ``parse_oai_page`` returns it in
``OaiPage.error_code`` and the harvest loop decides (``noRecordsMatch`` is an empty, successful harvest).
"""

from __future__ import annotations

import logging
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from paperwire.core import taxonomy
from paperwire.core.ids import split_arxiv_id
from paperwire.core.records import Page, Parsed, RecordError, SourceError, Version
from paperwire.ingest import normalize
from paperwire.ingest.http import PoliteClient
from paperwire.ingest.normalize import make_record
from paperwire.ingest.xmltools import (
    all_texts,
    child_text,
    html_summary,
    local_name,
    pages_from_files,
    parse_int,
    parse_xml,
)

logger = logging.getLogger(__name__)

OAI_NS = "http://www.openarchives.org/OAI/2.0/"
ARXIV_NS = "http://arxiv.org/OAI/arXiv/"
ARXIV_RAW_NS = "http://arxiv.org/OAI/arXivRaw/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"

_OAI = f"{{{OAI_NS}}}"
_ARXIV = f"{{{ARXIV_NS}}}"
_RAW = f"{{{ARXIV_RAW_NS}}}"
_DC = f"{{{DC_NS}}}"

NO_RECORDS_MATCH = "noRecordsMatch"

# What a user can do about each OAI-PMH error code that stops a harvest.
_ERROR_ADVICE = {
    "badResumptionToken": "the resumption token expired or is invalid; "
    "rerun with --restart to harvest the range from its start",
    "badArgument": "the server rejected the request's arguments; check the from/until dates (YYYY-MM-DD) "
    "and the set name",
    "badVerb": "the server did not understand the request; check that the URL is an OAI-PMH endpoint",
    "cannotDisseminateFormat": "the server does not offer this metadata format; use arXiv, arXivRaw or oai_dc",
    "idDoesNotExist": "the server has no record with that identifier",
    "noSetHierarchy": "the server does not support sets; harvest without a set",
    "noMetadataFormats": "the server offers no metadata format for that item",
}


@dataclass(slots=True)
class OaiPage:
    """One parsed OAI-PMH response."""

    items: list[Parsed] = field(default_factory=list)
    resumption_token: str | None = None  # None: this was the last page
    complete_list_size: int | None = None
    cursor: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    response_date: datetime | None = None
    # Latest header datestamp on the page (as the server wrote it): the next incremental harvest's ``from``.
    max_datestamp: str | None = None


# --- parsing ---------------------------------------------------------------------------------------------


def parse_oai_page(data: bytes, *, source: str = "oai") -> OaiPage:
    """Parse a ListRecords or GetRecord response (plain or gzipped bytes).

    Raises ``SourceError`` for a document that is not OAI-PMH at all; per-record problems become
    ``RecordError`` items and the rest of the page is kept.
    """
    root = parse_xml(data, what="OAI-PMH")
    if root.tag != f"{_OAI}OAI-PMH":
        raise SourceError(f"not an OAI-PMH response: root element is <{local_name(root.tag)}>{_gist(root)}")
    page = OaiPage(response_date=normalize.parse_datetime(child_text(root, f"{_OAI}responseDate")))
    error = root.find(f"{_OAI}error")
    if error is not None:
        page.error_code = error.get("code") or "unknown"
        page.error_message = (error.text or "").strip() or None
        return page
    datestamps: list[str] = []
    for record in root.iter(f"{_OAI}record"):
        item, datestamp = _parse_record(record, source)
        page.items.append(item)
        if datestamp:
            datestamps.append(datestamp)
    page.max_datestamp = max(datestamps, default=None)
    _read_resumption_token(root, page)
    return page


def raise_for_oai_error(page: OaiPage) -> None:
    """Raise a ``SourceError`` saying what to do for an error that stops a harvest.

    ``noRecordsMatch`` (an empty date range or set) is not one: there is simply nothing to harvest.
    """
    if page.error_code is None or page.error_code == NO_RECORDS_MATCH:
        return
    advice = _ERROR_ADVICE.get(page.error_code, "the harvest cannot continue")
    said = f" (server said: {page.error_message})" if page.error_message else ""
    raise SourceError(f"OAI-PMH error {page.error_code}: {advice}{said}")


def _gist(root: ET.Element) -> str:
    text = " ".join("".join(root.itertext()).split())
    code = root.get("code")
    detail = f"{code}: {text}" if code else text
    return f" ({detail[:120]})" if detail else ""


def _read_resumption_token(root: ET.Element, page: OaiPage) -> None:
    token = root.find(f".//{_OAI}resumptionToken")
    if token is None:
        return
    page.resumption_token = (token.text or "").strip() or None
    page.complete_list_size = parse_int(token.get("completeListSize"))
    page.cursor = parse_int(token.get("cursor"))


def _parse_record(record: ET.Element, source: str) -> tuple[Parsed, str | None]:
    """A record and its header datestamp."""
    header = record.find(f"{_OAI}header")
    if header is None:
        return RecordError(None, "OAI-PMH record without a header"), None
    header_id = child_text(header, f"{_OAI}identifier") or ""
    datestamp = child_text(header, f"{_OAI}datestamp")
    if header.get("status") == "deleted":
        deleted = make_record(raw_id=header_id, title=None, abstract=None, source=source, deleted=True)
        return deleted, datestamp
    metadata = record.find(f"{_OAI}metadata")
    if metadata is None or len(metadata) == 0:
        return RecordError(_short_id(header_id), "record has no metadata"), datestamp
    payload = metadata[0]
    parser = _METADATA_PARSERS.get(payload.tag)
    if parser is None:
        return RecordError(_short_id(header_id), f"unsupported metadata format <{payload.tag}>"), datestamp
    return parser(payload, header_id, source), datestamp


def _short_id(header_id: str) -> str | None:
    return split_arxiv_id(header_id)[0] or None


def _parse_arxiv(meta: ET.Element, header_id: str, source: str) -> Parsed:
    """``metadataPrefix=arXiv``: structured authors, created/updated dates, no version history."""
    created = child_text(meta, f"{_ARXIV}created")
    return make_record(
        raw_id=child_text(meta, f"{_ARXIV}id") or header_id,
        title=child_text(meta, f"{_ARXIV}title"),
        abstract=child_text(meta, f"{_ARXIV}abstract"),
        source=source,
        authors=[_arxiv_author(author) for author in meta.iterfind(f"{_ARXIV}authors/{_ARXIV}author")],
        categories=child_text(meta, f"{_ARXIV}categories"),
        # Only revised papers have <updated>; for the others the latest version is the first one.
        submitted=created,
        updated=child_text(meta, f"{_ARXIV}updated") or created,
        doi=_first_doi(child_text(meta, f"{_ARXIV}doi")),
        journal_ref=child_text(meta, f"{_ARXIV}journal-ref"),
        comments=child_text(meta, f"{_ARXIV}comments"),
        license=child_text(meta, f"{_ARXIV}license"),
    )


def _arxiv_author(author: ET.Element) -> str:
    parts = (child_text(author, f"{_ARXIV}{part}") for part in ("forenames", "keyname", "suffix"))
    return " ".join(part for part in parts if part)


def _parse_arxiv_raw(meta: ET.Element, header_id: str, source: str) -> Parsed:
    """``metadataPrefix=arXivRaw``: every version with its date; authors as one string."""
    return make_record(
        raw_id=child_text(meta, f"{_RAW}id") or header_id,
        title=child_text(meta, f"{_RAW}title"),
        abstract=child_text(meta, f"{_RAW}abstract"),
        source=source,
        authors=child_text(meta, f"{_RAW}authors"),
        categories=child_text(meta, f"{_RAW}categories"),
        versions=_raw_versions(meta),  # make_record takes submitted/updated from the first/last version
        doi=_first_doi(child_text(meta, f"{_RAW}doi")),
        journal_ref=child_text(meta, f"{_RAW}journal-ref"),
        comments=child_text(meta, f"{_RAW}comments"),
        license=child_text(meta, f"{_RAW}license"),
    )


def _raw_versions(meta: ET.Element) -> list[Version]:
    versions = []
    for element in meta.iterfind(f"{_RAW}version"):
        number = parse_int((element.get("version") or "").strip().lstrip("vV"))
        if number is None:
            continue
        submitted = normalize.parse_datetime(child_text(element, f"{_RAW}date"))
        versions.append(Version(number=number, submitted=submitted, size=child_text(element, f"{_RAW}size")))
    return versions


def _first_doi(text: str | None) -> str | None:
    # arXiv lists a paper's DOI and its erratum's DOI space-separated in one field; the first is the paper.
    return text.split()[0] if text else None


def _parse_oai_dc(meta: ET.Element, header_id: str, source: str) -> Parsed:
    """``metadataPrefix=oai_dc``: Dublin Core as arXiv writes it (see the module docstring)."""
    identifiers = all_texts(meta, f"{_DC}identifier")
    descriptions = all_texts(meta, f"{_DC}description")
    dates = all_texts(meta, f"{_DC}date")
    return make_record(
        raw_id=next((i for i in identifiers if "arxiv.org/abs/" in i), header_id),
        title=child_text(meta, f"{_DC}title"),
        abstract=next((d for d in descriptions if not d.startswith("Comment:")), None),
        source=source,
        authors=_dc_creators(all_texts(meta, f"{_DC}creator")),
        categories=_subjects_to_categories(all_texts(meta, f"{_DC}subject")),
        submitted=dates[0] if dates else None,  # dc:date lists v1's date first and the latest version's last
        updated=dates[-1] if dates else None,
        doi=next((i[4:].strip() for i in identifiers if i.lower().startswith("doi:")), None),
        # arXiv puts the journal reference among the identifiers: the one that is neither a link nor a DOI.
        journal_ref=next((i for i in identifiers if not _is_link_or_doi(i)), None),
        comments=next((d.removeprefix("Comment:") for d in descriptions if d.startswith("Comment:")), None),
    )


def _dc_creators(creators: list[str]) -> list[str]:
    """ "Surname, Forenames" -> "Forenames Surname"; arXiv's own splitting of odd author lists leaves
    punctuation-only creators such as ":" (after "collaborations"), which are dropped."""
    return [normalize.invert_name(c) for c in creators if any(ch.isalpha() for ch in c)]


def _is_link_or_doi(identifier: str) -> bool:
    return identifier.lower().startswith(("http://", "https://", "doi:"))


_reported_subjects: set[str] = set()


def _subjects_to_categories(subjects: list[str]) -> list[str]:
    """Subject names -> category codes, in order (arXiv lists the primary category first)."""
    codes = [code for code in map(taxonomy.subject_to_category, subjects) if code]
    for subject in taxonomy.unmapped_subjects(subjects):
        if subject not in _reported_subjects:  # once per process: a taxonomy gap, not a per-record problem
            _reported_subjects.add(subject)
            logger.warning("unknown arXiv subject %r: add it to paperwire.core.taxonomy", subject)
    return codes


_METADATA_PARSERS: dict[str, Callable[[ET.Element, str, str], Parsed]] = {
    f"{_ARXIV}arXiv": _parse_arxiv,
    f"{_RAW}arXivRaw": _parse_arxiv_raw,
    f"{{{OAI_DC_NS}}}dc": _parse_oai_dc,
}


# --- harvesting ------------------------------------------------------------------------------------------


def fetch_oai_pages(
    client: PoliteClient,
    url: str,
    *,
    metadata_prefix: str = "arXiv",
    from_: str | None = None,
    until: str | None = None,
    set_: str | None = None,
    resume_token: str | None = None,
    page_pause: float,
    sleep: Callable[[float], None] = time.sleep,
    source: str = "oai",
) -> Iterator[Page]:
    """ListRecords page by page, following resumption tokens; ``resume_token`` continues a harvest.

    Each page's ``resume`` holds the token for the next request (``None`` on the last page), so a crashed
    harvest continues where it stopped. An empty range (``noRecordsMatch``) yields one empty, final page.
    """
    params = _resume_params(resume_token) if resume_token else _first_params(metadata_prefix, from_, until, set_)
    number = 1
    while True:
        page = _request_page(client, url, params, source)
        label = f"OAI-PMH page {number} ({urlencode(params)})"
        if page.error_code == NO_RECORDS_MATCH:
            yield Page([], label, resume=None, total=0, progress=0)
            return
        raise_for_oai_error(page)
        token = page.resumption_token
        resume: dict[str, str | int | None] | None = None
        if token:
            resume = {"token": token, "cursor": page.cursor}
        yield _to_page(page, label, resume)
        if token is None:
            return
        sleep(page_pause)  # arXiv asks harvesters to pause between pages
        params = _resume_params(token)
        number += 1


def _first_params(metadata_prefix: str, from_: str | None, until: str | None, set_: str | None) -> dict[str, str | int]:
    params: dict[str, str | int] = {"verb": "ListRecords", "metadataPrefix": metadata_prefix}
    optional = {"from": from_, "until": until, "set": set_}
    params.update({name: value for name, value in optional.items() if value})
    return params


def _resume_params(token: str) -> dict[str, str | int]:
    # OAI-PMH: resumptionToken is an exclusive argument; the token already encodes prefix, range and set.
    return {"verb": "ListRecords", "resumptionToken": token}


def _request_page(client: PoliteClient, url: str, params: dict[str, str | int], source: str) -> OaiPage:
    response = client.get(url, params=params)
    if response.status_code == 200:
        return parse_oai_page(response.content, source=source)
    # Some servers send OAI-PMH errors with a 4xx status; the OAI error code says more than the status.
    page = _oai_error_or_none(response.content, source)
    if page is not None:
        return page
    body = f": {html_summary(response.content)!r}" if response.content.strip() else ""
    raise SourceError(f"{url} answered HTTP {response.status_code}{body}")


def _oai_error_or_none(body: bytes, source: str) -> OaiPage | None:
    try:
        page = parse_oai_page(body, source=source)
    except SourceError:
        return None
    return page if page.error_code else None


def parse_oai_files(paths: Iterable[Path | str], *, source: str = "oai") -> Iterator[Page]:
    """Recorded OAI-PMH responses (``.xml`` or ``.xml.gz``), one ``Page`` per file, in the given order."""

    def parse(data: bytes, label: str) -> Page:
        page = parse_oai_page(data, source=source)
        raise_for_oai_error(page)
        return _to_page(page, label, None)

    return pages_from_files(paths, parse)


def _to_page(page: OaiPage, label: str, resume: dict[str, str | int | None] | None) -> Page:
    # cursor is the position of the page's first record in the complete list (0, 1000, ... on arXiv)
    progress = page.cursor + len(page.items) if page.cursor is not None else None
    return Page(
        page.items,
        label,
        resume=resume,
        total=page.complete_list_size,
        datestamp=page.max_datestamp,
        progress=progress,
    )
