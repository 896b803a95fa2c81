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
from functools import cache

from kabar.tasks.outlets import OutletRule, recognise_outlet

CLEAN_VERSION = "3"  # bump when the output of clean_text changes for the same input


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
_DATE_ISO = re.compile(
    r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ,]+(?:" + _TIME + r"))?"
)
_DATE_WORDS = re.compile(
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?\s+(?P<year>\d{4})[,\s|-]*(?:" + _TIME + r")?"
)


def parse_date(line: str) -> str | None:
    """The first date in an Indonesian date line, as ISO 8601 (with offset when a zone is given)."""
    for pattern in (_DATE_WORDS, _DATE_NUMERIC, _DATE_ISO):
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
      | baca\s+berita\s+(tanpa|dengan\s+sedikit)\s+iklan.*
      | baca\s+(selengkapnya|berita\s+selengkapnya|artikel\s+selengkapnya).*
      | [·•]?\s*bacaan\s+\d+\s+menit | \d+\s+menit\s+(baca|membaca)
      | advertisement | iklan | scroll\s+to\s+continue.* | loading(\.*|…)
      | (close|hide)\s+ads | a\s+a\s+a(\s+pengaturan\s+font)? | pengaturan\s+font
      | bagikan(\s+artikel\s+ini.*)? | share(\s+this.*)? | komentar | oke
      | login\b.* | masuk\b.* | daftar\b.* | ikuti\s+(kami|berita).* | follow\s+us.*
      | halaman:?(\s*\d+)* | video\s+(rekomendasi|lainnya)
      | (foto|photo|sumber\s+foto|ilustrasi)\s*:.*
      | (copyright|hak\s+cipta|©).*
      | https?://\S+ | link\s*:.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Ikuti WhatsApp channel ...", "Mari bergabung di Grup Telegram ...", "Pastikan kamu sudah
# install aplikasi WhatsApp ya.": promotions of the outlet's channels, often over several lines.
_CHANNEL = re.compile(r"\b(whatsapp|telegram|google\s+news)\b", re.IGNORECASE)
_PROMO_VERB = re.compile(
    r"\b(ikuti|gabung|bergabung|klik|saluran|install|unduh|download|follow|simak|cek)\b",
    re.IGNORECASE,
)

# Lines after which the rest of the page is not the article.
_TRAILER = re.compile(
    r"""^(
        (terkini|berita|artikel)\s+(lainnya|terkait|terkini|populer|pilihan|rekomendasi)\b.*
      | (berita\s+)?populer | terpopuler | rekomendasi(\s+untuk\s+anda)?
      | disclaimer\s*:.* | komentar\s+yang\s+tampil.*
      | sumber\s*:.* | halaman\s*:? | video\s+rekomendasi
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Where a first paragraph's dateline ends: "MOSKWA, KOMPAS.com - ", "REPUBLIKA.CO.ID, MOSKOW -- ",
# "Jakarta (ANTARA) - ", "JAKARTA – ", "10Berita -Wakil ...", "VOInews, Jakarta : ...".
_DATELINE_SEPARATOR = re.compile(r"\s(?:--|-|–|—)\s?(?=\S)|\s:\s(?=\S)")
_DOMAIN = re.compile(r"\w\.(?:com|co|id|net|org)\b", re.IGNORECASE)
# Editor initials closing an article: "(rds/has)", "[vm/ft]", "(Aljazeera/OL-1)", "[RWT]".
_EDITOR_TAG = re.compile(
    r"\s*(?:[(\[](?P<tag>[A-Za-z][\w.-]*(?:/[\w.-]+)+)[)\]]|\[(?P<initials>[A-Z]{2,5})\])\s*$"
)
# A sentence ends with . ! ? or a colon that opens a list, before closing quotes or brackets.
_SOLO_INITIALS = re.compile(r"^[(\[][a-z]{2,4}[)\]]$")  # "(rca)" alone closes an article
_GLUED_INITIALS = re.compile(r"(?<=[.!?\"'])\s*\((?P<initials>[a-z]{2,4})\)$")  # "tersebut.(afr)"
# "(Susi Fatimah)" alone after the article: Okezone's writer.
_BRACKETED_NAME = re.compile(r"^\((?P<name>[A-Z][a-z'.-]+(?:\s+[A-Z][\w'.-]*){1,3})\)$")
_SENTENCE_END = re.compile(r"""[.!?:]["')\]]*$|[.!?]["')]?\s*[(\[][^)\]]*[)\]]$""")
_STATEMENT_END = re.compile(r"""[.:]["')\]]*$""")  # headlines may end with ? or !, not with .
_NUMBERED = re.compile(r"^\d{1,2}\.\s+\S")  # "1. Transjakarta lakukan ..." heads a list item
# Photo credits on their own line: "- VIVA/M Ali Wafa", "AFP/Sergei GAPON", "- Istimewa",
# "• ANTARA FOTO/Reno Esnir"; the line before one is its caption.
_CREDIT = re.compile(
    r"^[-–•]?\s*(?:(?:foto|sumber(?:\s+foto)?|dok\.?)\s*:?\s*)?"
    r"(?:[\w.' ]{1,40}/[\w.' /-]{1,60}|istimewa|ist|dok\.?\s*pribadi)\.?$",
    re.IGNORECASE,
)
# A caption with its credit glued on: "... gedung KPK. Foto/Jonathan Simanjuntak",
# "... (Foto: Ari Saputra/detikcom)", "ilustrasi.(MI)".
_GLUED_CREDIT = re.compile(
    r"(?:[.\s](?:foto|sumber\s+foto)\s*[:/]\s*[\w .'/-]{2,60}|\((?:foto|dok)\s*:[^)]*\)"
    r"|^ilustrasi\.?\s*\([^)]*\))$",
    re.IGNORECASE,
)
# Links inside a paragraph: "(Baca: ...)", "(Baca juga: ...)"; and a closing
# "Baca berita lengkapnya di tautan ini."
_INLINE_LINK = re.compile(r"\s*\((?:baca|simak|lihat)(?:\s+juga)?\s*:[^)]*\)", re.IGNORECASE)
_TRAILING_LINK = re.compile(
    r"\s*\b(?:baca|simak)\s+(?:berita\s+|artikel\s+)?(?:selengkapnya|lengkapnya)\b[^.]*\.?$",
    re.IGNORECASE,
)
_BYLINE_LABELLED = re.compile(
    r"(?:^|\|\s*)(?:penulis|pewarta|reporter|laporan\s+wartawan[^:]*?|oleh)\s*:?\s+(?P<name>[^|]+)",
    re.IGNORECASE,
)
_REP_RED = re.compile(r"^Rep\s*:\s*(?P<name>[^/]+?)\s*/\s*Red\s*:", re.IGNORECASE)
_NAME_PIPE_SECTION = re.compile(r"^(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,4})\s*\|\s*\w+$")
# "LAPORAN: ANGGA ULUNG TRANGGANA SELASA, 11 AGUSTUS 2020": the name runs into the weekday.
_LAPORAN_FUSED = re.compile(
    r"^laporan\s*:\s*(?P<name>.+?)\s+(?:senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad)\b",
    re.IGNORECASE,
)
# "Dimas Andhika Fikri, Jurnalis-Selasa, 11 Agustus 2020 |11:30 WIB"
_JURNALIS = re.compile(r"^(?P<name>[A-Z][\w'.-]+(?:\s+[A-Z][\w'.-]+){0,4}),\s*Jurnalis\s*-")
# A person's name alone on a line: two to four capitalised words.
_PERSON = re.compile(r"^[A-Z][a-z'.-]+(?:\s+[A-Z][\w'.-]*){1,3}$")
_READING_TIME = re.compile(
    r"^[·•]?\s*(?:bacaan\s+\d+\s+menit|\d+\s+menit\s+(?:baca|membaca))$", re.I
)
_AGENCY_LINE = re.compile(r"^sumber\s*:?\s+(?P<agency>[A-Z][\w .&-]{1,40})$", re.IGNORECASE)
_AGENCY_PREFIX = re.compile(r"^(?P<agency>VOA Indonesia|ANTARA|Antara|Reuters|AFP|AP)\s+-\s+\S")
_FEED_ACCOUNT = re.compile(r"feeder|redaksi|admin|tim\s", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s)\]]+")
_WORD = re.compile(r"[a-z]{4,}")


def _words(line: str) -> int:
    return len(line.split())


def _reads_like_prose(line: str) -> bool:
    """A body paragraph: ends like a sentence and is longer than a headline or caption.
    A long line is prose even unpunctuated (a list run into one line, a transcript)."""
    return _words(line) >= 30 or (_words(line) >= 12 and bool(_SENTENCE_END.search(line)))


def _headline_like(line: str) -> bool:
    return 2 <= _words(line) <= 25 and not _STATEMENT_END.search(line)


def _is_caption(line: str) -> bool:
    return bool(_CREDIT.match(line) or _GLUED_CREDIT.search(line))


def _is_promo(line: str) -> bool:
    return bool(_CHANNEL.search(line) and _PROMO_VERB.search(line))


def _is_noise(line: str, rule: OutletRule | None) -> bool:
    return (
        bool(_BOILERPLATE.match(line))
        or _is_promo(line)
        or (rule is not None and any(re.fullmatch(p, line, re.IGNORECASE) for p in rule.body_ends))
    )


def _ends_body(line: str, rule: OutletRule | None) -> bool:
    if _TRAILER.match(line):
        return True
    return rule is not None and any(re.fullmatch(p, line, re.IGNORECASE) for p in rule.body_ends)


@cache
def _stopwords() -> frozenset[str]:
    """Indonesian function words (jusText's list), which say nothing about a topic."""
    import justext

    return frozenset(justext.get_stoplist("Indonesian"))


def _topic_words(line: str) -> set[str]:
    return set(_WORD.findall(line.lower())) - _stopwords()


# --- the cleaner ----------------------------------------------------------------


_CONTINUATION = re.compile(r"^[,.;:)\]!?]")
_OPEN_END = re.compile(r"""[^.!?:"')\]]$""")


def _rejoin(lines: list[str]) -> list[str]:
    """Put back together what a copied link split over lines: 'kepada' / 'Kompas.com' /
    ', Senin (4/3).' is one sentence, 'DEPOK, KOMPAS.com' / '– Kecelakaan ...' one paragraph.
    Only consecutive lines are joined; a blank line always separates paragraphs."""
    out: list[str] = []
    for i, line in enumerate(lines):
        previous = out[-1] if out else ""
        following = lines[i + 1] if i + 1 < len(lines) else ""
        if not previous or not line:
            out.append(line)
        elif _CONTINUATION.match(line):
            out[-1] = previous + line
        elif re.match(r"^(?:--|-|–|—)\s", line) and _words(previous) <= 4:
            out[-1] = f"{previous} {line}"  # a dateline broken before its dash
        elif _OPEN_END.search(previous) and (
            line[0].islower()
            or (_words(line) <= 3 and _CONTINUATION.match(following) and _words(previous) >= 5)
        ):
            out[-1] = f"{previous} {line}"  # the link's text, or the sentence going on
        else:
            out.append(line)
    return out


def split_dateline(line: str) -> tuple[str, str] | None:
    """(dateline, rest) when a paragraph opens with one: a short place or outlet name
    ('MOSKWA, KOMPAS.com', 'Jakarta (ANTARA)', 'JAKARTA', 'VIVA') and a dash."""
    separator = _DATELINE_SEPARATOR.search(line[:90])
    if not separator:
        return None
    dateline, rest = line[: separator.start()].strip(), line[separator.end() :].strip()
    words = dateline.split()
    if not 1 <= len(words) <= 6 or re.search(r"[.!?]$|[.!?]\s", dateline):
        return None
    looks_like_one = (
        "," in dateline
        or "(" in dateline
        or _DOMAIN.search(dateline)
        or any(len(w) >= 3 and w.isupper() for w in words)
        or (len(words) == 1 and (dateline[0].isupper() or dateline[0].isdigit()))
    )
    opens_article = _reads_like_prose(rest) or (_words(rest) >= 6 and _SENTENCE_END.search(rest))
    return (dateline, rest) if looks_like_one and opens_article else None


def _body_start(lines: list[str]) -> int | None:
    """Index of the first article paragraph: a dateline, or else the first prose paragraph."""
    for i, line in enumerate(lines[:60]):
        if split_dateline(line) and not _BOILERPLATE.match(line):
            return i
    for i, line in enumerate(lines):
        if _reads_like_prose(line) and not _BOILERPLATE.match(line) and not _is_caption(line):
            return i
    return None


def _author_from(header: list[str]) -> str | None:
    for i, line in enumerate(header):
        following = header[i + 1] if i + 1 < len(header) else ""
        if m := _REP_RED.match(line):
            return m["name"].strip()
        if m := _LAPORAN_FUSED.match(line) or _JURNALIS.match(line):
            name = m["name"].strip()
            return name.title() if name.isupper() else name
        if line.lower() == "penulis" and i > 0:
            return header[i - 1].strip()
        if m := _BYLINE_LABELLED.search(line):
            name = m["name"].strip(" ,;-")
            # "Laporan Wartawan TribunJakarta.com, Gerald Leonardo Agustino"
            if "," in name and _DOMAIN.search(name.split(",")[0]):
                name = name.split(",", 1)[1].strip()
            return None if _FEED_ACCOUNT.search(name) else name
        if (m := _NAME_PIPE_SECTION.match(line)) and parse_date(line) is None:
            return m["name"].strip()
        # A name alone just above the date or the reading time, printed once (titles repeat).
        if (
            _PERSON.match(line)
            and header.count(line) == 1
            and (parse_date(following) or _READING_TIME.match(following))
        ):
            return line
    return None


def _bracketed_name(lines: list[str]) -> str | None:
    for line in lines:
        if m := _BRACKETED_NAME.match(line):
            return m["name"]
    return None


def _title_from(header: list[str], author: str | None, lead: str = "") -> str:
    """The headline: a line printed more than once, else the first headline-like line; in
    both cases one that shares a topic word with the article's opening first (a sidebar's
    headline or a banner shares none)."""
    candidates = [
        line
        for line in header
        if _headline_like(line)
        and not _is_noise(line, None)
        and not _is_caption(line)
        and parse_date(line) is None
        and line != author
        and not _REP_RED.match(line)
        and not _NAME_PIPE_SECTION.match(line)
        and not _BYLINE_LABELLED.search(line)
        and line.lower() not in {"penulis", "editor"}
        and _words(line) >= 4
    ]
    if not candidates:
        return ""
    lead_words = _topic_words(lead)

    def about_the_article(line: str) -> bool:
        return bool(_topic_words(line) & lead_words)

    repeated = [line for line in candidates if header.count(line) > 1]
    for line in repeated:
        if about_the_article(line):
            return line
    for line in candidates:  # a standfirst runs longer than a headline
        if _words(line) <= 18 and about_the_article(line):
            return line
    return (repeated or candidates)[0]


def _next_kept(lines: list[str], index: int, rule: OutletRule | None) -> str | None:
    """The next line after `index` that is not page noise."""
    for line in lines[index + 1 :]:
        if not _is_noise(line, rule):
            return line
    return None


def _is_subhead(line: str, following: str | None) -> bool:
    """A heading of the article's own (kept) rather than a headline of another article
    placed in it (dropped): it numbers a list item, opens a list ('Berikut ...'), or
    shares its topic words with the paragraph it heads."""
    if following is not None and _is_caption(following):
        return False  # a caption: the line under it credits the photo
    if line.isupper():
        return False  # 'VIDEO ...', 'BACA JUGA ...': widgets shout
    if _NUMBERED.match(line) or line.lower().startswith("berikut "):
        return True
    return (
        following is not None
        and _reads_like_prose(following)
        and len(_topic_words(line) & _topic_words(following)) >= 2
    )


def _preferred_url(lines: list[str], title: str) -> str | None:
    """The page's own link: a URL whose path carries the title's words, else the first."""
    urls = [m.group(0) for line in lines for m in _URL.finditer(line)]
    title_words = _topic_words(title)
    for url in urls:
        if len(title_words & set(_WORD.findall(url.lower()))) >= 2:
            return url
    return urls[0] if urls else None


def clean_text(text: str) -> Article:
    """The article in a page's plain text. Never raises on odd text; the body may be empty."""
    text = normalise(text)
    lines = _rejoin([" ".join(line.split()) for line in text.split("\n")])
    lines = [line for line in lines if line]
    rule = recognise_outlet(text)
    article = Article(outlet=rule.name if rule else None)

    start = _body_start(lines)
    if start is None:
        article.removed_lines = len(lines)
        return article
    header = lines[:start]

    for line in reversed(header):  # the date nearest the article, not a sidebar's
        if article.published is None:
            article.published = parse_date(line)
        if m := _AGENCY_LINE.match(line) or _AGENCY_PREFIX.match(line):
            article.agency = article.agency or m["agency"].strip()
    # Some outlets print 'Penulis: A | Editor: B' under the article instead of above it.
    trailer = [line for line in lines[start:] if _words(line) <= 12 and not _reads_like_prose(line)]
    article.author = _author_from(header) or _author_from(trailer) or _bracketed_name(trailer)
    article.title = _title_from(header, article.author, " ".join(lines[start : start + 2]))

    body_lines = lines[start:]
    if dated := split_dateline(body_lines[0]):
        article.dateline, body_lines[0] = dated
        article.published = article.published or parse_date(article.dateline)
    article.body = _body_paragraphs(body_lines, rule, article)
    article.url = _preferred_url(lines, article.title)
    article.removed_lines = len(lines) - len(article.body) - (1 if article.title else 0)
    return article


def _body_paragraphs(lines: list[str], rule: OutletRule | None, article: Article) -> list[str]:
    """The article's paragraphs, from its first line to the first line that ends it."""
    body: list[str] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if m := _AGENCY_LINE.match(line):
            article.agency = article.agency or m["agency"].strip()
        if _ends_body(line, rule) or (body and _SOLO_INITIALS.match(line)):
            break
        if body and _words(line) <= 8 and parse_date(line):
            break  # a date line after the article: a list of other articles begins
        if _is_noise(line, rule) or line == article.title or _is_caption(line):
            continue
        line = _TRAILING_LINK.sub("", _INLINE_LINK.sub("", line)).strip()
        tag = _EDITOR_TAG.search(line) or _GLUED_INITIALS.search(line)
        if tag:
            line = line[: tag.start()].rstrip()
            source = (tag.groupdict().get("tag") or "").split("/")[0]
            # "(Aljazeera/OL-1)": the first part names the source when it is a word, not initials.
            if article.agency is None and len(source) > 3 and source[0].isupper():
                article.agency = source
        if not line:
            if tag:
                break
            continue
        opening = index == 0  # the paragraph the article starts at, however short
        if (
            not opening
            and not _reads_like_prose(line)
            and not (body and _SENTENCE_END.search(line))
        ):
            if not _is_subhead(line, _next_kept(lines, index, rule)):
                continue  # a headline, caption or widget placed inside the article
        if line not in seen:  # a paragraph printed twice is kept once
            seen.add(line)
            body.append(line)
        if tag:
            break  # editor initials close the article
    return body
