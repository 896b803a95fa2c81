"""Indonesian news page text -> the article: title, date, byline, outlet and body.

Pages are plain text copied from a browser: the article sits between a header
(banner, date, title, byline, photo caption) and a trailer (related headlines,
ads, footers), with 'Baca juga' links and widgets inside it. No general
extractor handles that without HTML, so this module reads the page the way a
person does: find where the article starts (a dateline, or the first paragraph
that reads like prose), take the metadata from the lines above it, and keep
prose paragraphs until a line says the article is over.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from tasks.outlets import OutletRule, recognise_outlet

CLEAN_VERSION = "2"  # bump when the output of clean_text changes for the same input


@dataclass
class Article:
    title: str = ""
    published: str | None = None  # ISO 8601 with the UTC offset
    author: str | None = None
    outlet: str | None = None
    dateline: str | None = None
    agency: str | None = None
    url: str | None = None
    body: list[str] = field(default_factory=list)
    removed_lines: int = 0  # how many non-empty page lines were not kept: for the logs

    def to_dict(self) -> dict:
        return asdict(self)


# --- text normalisation ---------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " "})
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text).translate(_QUOTES)
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- dates ------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2, "peb": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "ags": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "dec": 12, "desember": 12, "december": 12,
}  # fmt: skip
_ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}
_TIME = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.]\d{2})?\s*(?P<zone>WITA|WIB|WIT)?"
_DATE_NUMERIC = re.compile(
    r"(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})[,\s|-]*(?:" + _TIME + r")?"
)
_DATE_WORDS = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?\s+(?P<year>\d{4})[,\s|-]*(?:" + _TIME + r")?"
)


def parse_date(line: str) -> str | None:
    """The first date in an Indonesian date line, as ISO 8601 (with offset when a zone is given)."""
    for pattern in (_DATE_WORDS, _DATE_NUMERIC):
        for m in pattern.finditer(line):
            month_text = m["month"]
            month = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower())
            if not month:
                continue
            try:
                when = datetime(int(m["year"]), month, int(m["day"]))
                if m["hour"]:
                    when = when.replace(hour=int(m["hour"]), minute=int(m["minute"]))
            except ValueError:
                continue
            # Indonesian sites print local time; a time without a zone is taken as WIB.
            if m["hour"]:
                hours = _ZONES.get(m["zone"] or "WIB", 7)
                return when.replace(tzinfo=timezone(timedelta(hours=hours))).isoformat()
            return when.date().isoformat()
    return None


# --- line classes -------------------------------------------------------------

# Lines that are never article text, wherever they stand.
_BOILERPLATE = re.compile(
    r"""^(
        (baca|simak|lihat)\s+(juga|pula)\b.*
      | baca\s+berita\s+tanpa\s+iklan.*
      | advertisement | iklan | scroll\s+to\s+continue.* | loading\.*
      | (close|hide)\s+ads | a\s+a\s+a
      | bagikan(\s+artikel\s+ini.*)? | share(\s+this.*)? | komentar | oke
      | login\b.* | masuk\b.* | daftar\b.* | ikuti\s+(kami|berita).* | follow\s+us.*
      | halaman:?(\s*\d+)* | video\s+(rekomendasi|lainnya)
      | (foto|photo|sumber\s+foto|ilustrasi)\s*:.*
      | (copyright|hak\s+cipta|©).*
      | https?://\S+ | link\s*:.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Lines after which the rest of the page is not the article.
_TRAILER = re.compile(
    r"""^(
        (terkini|berita|artikel)\s+(lainnya|terkait|terkini|populer|pilihan|rekomendasi)\b.*
      | (berita\s+)?populer | terpopuler | rekomendasi(\s+untuk\s+anda)?
      | disclaimer\s*:.* | komentar\s+yang\s+tampil.*
      | sumber\s*:.* | halaman\s*:.* | video\s+rekomendasi
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "MOSKWA, KOMPAS.com - Kremlin ..." / "REPUBLIKA.CO.ID, MOSKOW -- ..."
_DATELINE = re.compile(
    r"^(?P<dateline>[A-Z][\w.'()/ ]{1,40}?,\s*[\w.'()/ ]{2,40}?)\s+(?:-{1,2}|–|—)\s+(?P<rest>\S.*)$"
)
# Editor initials closing an article: "(rds/has)", "[vm/ft]", "(Aljazeera/OL-1)".
_EDITOR_TAG = re.compile(r"\s*[(\[](?P<tag>[A-Za-z][\w.-]*(?:/[\w.-]+)+)[)\]]\s*$")
_SENTENCE_END = re.compile(r"""[.!?]["')\]]*$|[.!?]["')]?\s*[(\[][^)\]]*[)\]]$""")
_BYLINE_LABELLED = re.compile(
    r"(?:^|\|\s*)(?:penulis|pewarta|reporter|laporan\s+wartawan[^:]*?|oleh)\s*:?\s+(?P<name>[^|]+)",
    re.IGNORECASE,
)
_REP_RED = re.compile(r"^Rep\s*:\s*(?P<name>[^/]+?)\s*/\s*Red\s*:", re.IGNORECASE)
_NAME_PIPE_SECTION = re.compile(r"^(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,4})\s*\|\s*\w+$")
_AGENCY_LINE = re.compile(r"^sumber\s*:?\s+(?P<agency>[A-Z][\w .&-]{1,40})$", re.IGNORECASE)
_AGENCY_PREFIX = re.compile(r"^(?P<agency>VOA Indonesia|ANTARA|Antara|Reuters|AFP|AP)\s+-\s+\S")
_FEED_ACCOUNT = re.compile(r"feeder|redaksi|admin|tim\s", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)\]]+")


def _words(line: str) -> int:
    return len(line.split())


def _reads_like_prose(line: str) -> bool:
    """A body paragraph: ends like a sentence and is longer than a headline or caption.
    A very long line is prose even unpunctuated (a transcript, a pasted wall of text)."""
    return _words(line) >= 60 or (_words(line) >= 12 and bool(_SENTENCE_END.search(line)))


def _headline_like(line: str) -> bool:
    return 2 <= _words(line) <= 25 and not _SENTENCE_END.search(line)


def _is_noise(line: str, rule: OutletRule | None) -> bool:
    return bool(_BOILERPLATE.match(line)) or (
        rule is not None and any(re.fullmatch(p, line, re.IGNORECASE) for p in rule.body_ends)
    )


def _ends_body(line: str, rule: OutletRule | None) -> bool:
    if _TRAILER.match(line):
        return True
    return rule is not None and any(re.fullmatch(p, line, re.IGNORECASE) for p in rule.body_ends)


# --- the cleaner ----------------------------------------------------------------


def _body_start(lines: list[str]) -> int | None:
    """Index of the first article paragraph: a dateline, or else the first prose paragraph."""
    for i, line in enumerate(lines[:60]):
        m = _DATELINE.match(line)
        if m and parse_date(m["dateline"]) is None and _reads_like_prose(m["rest"]):
            return i
    for i, line in enumerate(lines):
        if _reads_like_prose(line) and not _BOILERPLATE.match(line):
            return i
    return None


def _author_from(header: list[str]) -> str | None:
    for i, line in enumerate(header):
        if m := _REP_RED.match(line):
            return m["name"].strip()
        if line.lower() == "penulis" and i > 0:
            return header[i - 1].strip()
        if m := _BYLINE_LABELLED.search(line):
            name = m["name"].strip(" ,;-")
            return None if _FEED_ACCOUNT.search(name) else name
        if (m := _NAME_PIPE_SECTION.match(line)) and parse_date(line) is None:
            return m["name"].strip()
    return None


def _title_from(header: list[str], author: str | None) -> str:
    """The headline: a line printed more than once, else the first headline-like line."""
    candidates = [
        line
        for line in header
        if _headline_like(line)
        and not _is_noise(line, None)
        and parse_date(line) is None
        and line != author
        and not _REP_RED.match(line)
        and not _NAME_PIPE_SECTION.match(line)
        and not _BYLINE_LABELLED.search(line)
        and line.lower() not in {"penulis", "editor"}
        and _words(line) >= 4
    ]
    for line in candidates:
        if header.count(line) > 1:
            return line
    return candidates[0] if candidates else ""


def clean_text(text: str) -> Article:
    """The article in a page's plain text. Never raises on odd text; the body may be empty."""
    text = normalise(text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    lines = [line for line in lines if line]
    rule = recognise_outlet(text)
    article = Article(outlet=rule.name if rule else None)

    start = _body_start(lines)
    if start is None:
        article.removed_lines = len(lines)
        return article
    header = lines[:start]

    for line in header:
        if article.published is None:
            article.published = parse_date(line)
        if m := _AGENCY_LINE.match(line) or _AGENCY_PREFIX.match(line):
            article.agency = article.agency or m["agency"].strip()
    article.author = _author_from(header)
    article.title = _title_from(header, article.author)

    body: list[str] = []
    seen: set[str] = set()
    for index, line in enumerate(lines[start:]):
        if index == 0 and (m := _DATELINE.match(line)):
            article.dateline = m["dateline"].strip()
            line = m["rest"]
        if m := _AGENCY_LINE.match(line):
            article.agency = article.agency or m["agency"].strip()
        if _ends_body(line, rule):
            break
        if _is_noise(line, rule) or line == article.title:
            continue
        if not _reads_like_prose(line) and not (body and _SENTENCE_END.search(line)):
            continue  # a headline, caption or widget placed inside the article
        tag = _EDITOR_TAG.search(line)
        if tag:
            line = line[: tag.start()].rstrip()
            source = tag["tag"].split("/")[0]
            # "(Aljazeera/OL-1)": the first part names the source when it is a word, not initials.
            if article.agency is None and len(source) > 3 and source[0].isupper():
                article.agency = source
        if line not in seen:  # a paragraph printed twice is kept once
            seen.add(line)
            body.append(line)
        if tag:
            break  # editor initials close the article

    article.body = body
    for line in lines:
        if url := _URL.search(line):
            article.url = url.group(0)
            break
    article.removed_lines = len(lines) - len(body) - (1 if article.title else 0)
    return article
