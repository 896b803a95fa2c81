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
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache

from kabar.tasks.dates import MONTHS, ZONES
from kabar.tasks.outlets import OutletRule, recognise_outlet

CLEAN_VERSION = "5"  # bump when the output of clean_text changes for the same input


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
            month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text.lower())
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
                hours = ZONES.get(m["zone"] or "WIB", 7)
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
      | bagikan(\s+(ke|artikel\s+ini)\b.*|\s*:)? | share(\s+this.*)? | komentar | oke
      | login\b.* | masuk\b.* | daftar\b.* | ikuti\s+(kami|berita).* | follow\s+us.*
      | halaman:?(\s*\d+)* | halaman\s+(selanjutnya|berikutnya|sebelumnya)
      | video\s+(rekomendasi|lainnya)
      | baca\s+(artikel|berita)\b.*\b(di\s+sini|tautan|link)\b.*
      | (foto|photo|sumber\s+foto|ilustrasi)\s*:.*
      | ©.*
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
      | (copyright|hak\s+cipta)\b.*
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
# A caption's credit at its end, in brackets: "(ANTARA FOTO/Muhamad Ridwan)", "(Yudi
# Permana/detikJabar)", "[Suara.com/Dimas Prasetyo]", "(Dok. Humas)". A name has a space,
# which editor initials such as "(rds/has)" or "(Aljazeera/OL-1)" do not.
_BRACKETED_CREDIT = re.compile(
    r"[(\[](?:(?:foto|dok|doc)\b\.?[^)\]]{0,80}"
    r"|[\w.'-]+(?:\s[\w.'-]+)+/[\w.' /-]{1,60}|[\w.' -]{1,40}/[\w.'-]+(?:\s[\w.'-]+)+)"
    r"[)\]]\.?$",
    re.IGNORECASE,
)
# ... or after the caption's last sentence: "Pontianak. ANTARA/Nurul Hidayah", "(3/6/2024).
# ANTARA FOTO/Jessica Wuysang/aww.", "Kupang. REUTERS/Kornelis Kaha", "Kupang. Dok. Humas".
_TRAILING_CREDIT = re.compile(
    r"[.)]\s+(?:[A-Z]{2,}[\w.]*(?:\s+FOTO)?\s*/\s*[\w.' /-]{2,60}|Dok\.\s+[A-Z][\w .'-]{1,40})\.?$"
)
# "Sumber :" or "Foto:" alone, with the credit on the next line.
_CREDIT_LABEL = re.compile(r"^(?:sumber|foto|photo)\s*:?$", re.IGNORECASE)
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
    """A photo caption or its credit, known by the credit (see `_caption_flags` for a
    caption whose credit stands on the next line)."""
    if _CREDIT.match(line) or _GLUED_CREDIT.search(line):
        return True
    credit = _BRACKETED_CREDIT.search(line) or _TRAILING_CREDIT.search(line)
    # A caption is a sentence or two about a photo; a paragraph that happens to end in a
    # bracketed source is longer, or quotes someone.
    return bool(credit) and _words(line[: credit.start()]) <= 45 and '"' not in line


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
_DASH_START = re.compile(r"^(?:--|-|–|—)\s")
_DASH_END = re.compile(r"\s(?:--|-|–|—)$")  # "Jakarta, CNN Indonesia --" alone on its line


class _Paragraph:
    """A paragraph being put back together from a page's lines. Its pieces are joined once,
    at the end, and its word count and last character are kept as it grows, so that joining
    costs the same at the ten-thousandth line as at the first."""

    def __init__(self, line: str) -> None:
        self.pieces = [line]
        self.words = _words(line)

    def add(self, line: str, space: bool = True) -> None:
        self.pieces.append((" " if space else "") + line)
        self.words += _words(line)

    def open_ended(self) -> bool:
        """Ends without final punctuation: the sentence goes on in the next line."""
        return bool(_OPEN_END.search(self.pieces[-1][-1:]))

    def text(self) -> str:
        return "".join(self.pieces)


def _goes_on(line: str) -> bool:
    """A line that can only be the middle of a sentence: lower case or punctuation first."""
    return bool(line) and (line[0].islower() or bool(_CONTINUATION.match(line)))


def _headline_case(line: str) -> bool:
    """Most words capitalised, as in a headline ('Judul Tanpa Titik Sama Sekali'); a
    sentence has most of its words in lower case."""
    words = [w for w in line.split() if w[0].isalpha()]
    capitalised = sum(1 for w in words if w[0].isupper())
    return len(words) >= 2 and capitalised >= 0.7 * len(words)


def _continues(paragraph: _Paragraph, line: str, following: str, across_blank: bool) -> bool:
    """Whether `line` carries on `paragraph`'s sentence (what a copied link split off):
    lower case or punctuation first, a number in a sentence under way, or a short name
    with the sentence going on after it ('kepada' / 'Kompas.com' / ', Senin')."""
    if _CONTINUATION.match(line) and (not across_blank or paragraph.open_ended()):
        return True
    if not paragraph.open_ended():
        return False
    if across_blank and len(paragraph.pieces) == 1 and _headline_case(paragraph.pieces[0]):
        return False  # a headline alone on its line is not a sentence cut at a link
    # Over a blank line only a sentence well under way goes on: headlines and menus stand
    # alone between blank lines.
    if paragraph.pieces[-1].endswith("("):
        return True  # the link's text inside brackets
    if paragraph.words < (4 if across_blank else 3):
        return not across_blank and line[0].islower()
    if line[0].islower() or paragraph.pieces[-1].endswith("(") or line.endswith("("):
        return True
    if line[0].isdigit() and paragraph.words >= 5:
        return not across_blank or _goes_on(following)
    return _words(line) <= 4 and _goes_on(following)


def _rejoin(lines: list[str]) -> list[str]:
    """Put back together what a copied link split over lines: 'kepada' / 'Kompas.com' /
    ', Senin (4/3).' is one sentence, 'DEPOK, KOMPAS.com' / '– Kecelakaan ...' one paragraph,
    and 'Jakarta, CNN Indonesia --' / (blank) / 'Jembatan ...' too. Blank lines are kept
    where nothing was joined over them. Linear in the page: each line is looked at once."""
    out: list[_Paragraph | None] = []  # None stands for a blank line
    last: _Paragraph | None = None  # the paragraph before any blank lines since
    blank_since = False
    for i, line in enumerate(lines):
        if not line:
            out.append(None)
            blank_since = True
            continue
        following = next((n for n in lines[i + 1 : i + 3] if n), "")
        if last is not None and _joins(last, line, following, blank_since):
            if blank_since:  # drop the blank lines the join went over
                while out and out[-1] is None:
                    out.pop()
            glued = _CONTINUATION.match(line) or last.pieces[-1].endswith("(")
            last.add(line, space=not glued)
        else:
            last = _Paragraph(line)
            out.append(last)
        blank_since = False
    return [p.text() if p is not None else "" for p in out]


def _joins(paragraph: _Paragraph, line: str, following: str, across_blank: bool) -> bool:
    if paragraph.words <= 6 and _DASH_END.search(paragraph.pieces[-1]):
        return True  # a dateline on its own line, the paragraph after it
    if not across_blank and _DASH_START.match(line) and paragraph.words <= 4:
        return True  # a dateline broken before its dash
    return _continues(paragraph, line, following, across_blank)


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


def _body_start(lines: list[str], captions: list[bool]) -> int | None:
    """Index of the first article paragraph: a dateline, or else the first prose paragraph
    (or the short sentence just above it, when the page has no dateline to start from)."""
    for i, line in enumerate(lines[:60]):
        if split_dateline(line) and not _BOILERPLATE.match(line) and not captions[i]:
            return i
    for i, line in enumerate(lines):
        if _reads_like_prose(line) and not _BOILERPLATE.match(line) and not captions[i]:
            return i - 1 if i and _short_opening(lines, i - 1, captions) else i
    return None


def _short_opening(lines: list[str], index: int, captions: list[bool]) -> bool:
    """A short first paragraph ('Pacuan kuda kembali digelar di Desa Lape, Sabtu pagi.'):
    a statement of six words or more, not a caption, byline or date, printed once."""
    line = lines[index]
    return (
        _words(line) >= 6
        and bool(_STATEMENT_END.search(line))
        and not captions[index]
        and not _is_noise(line, None)
        and not _BYLINE_LABELLED.search(line)
        and parse_date(line) is None
        and not line.startswith(("•", "-", "*"))
        and lines.count(line) == 1
        and not _summarises(line, lines[index + 1])
    )


def _summarises(line: str, paragraph: str) -> bool:
    """A standfirst or summary box: most of its words come again in the paragraph after."""
    words = _topic_words(line)
    return len(words & _topic_words(paragraph)) * 5 >= len(words) * 3


def _author_from(header: list[str]) -> str | None:
    printed = Counter(header)
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
            and printed[line] == 1
            and (parse_date(following) or _READING_TIME.match(following))
        ):
            return line
    return None


def _bracketed_name(lines: list[str]) -> str | None:
    for line in lines:
        if m := _BRACKETED_NAME.match(line):
            return m["name"]
    return None


# "Beranda » Daerah » Sumbawa", "detikNews › Berita › Jawa Barat", "Home > News",
# "Beranda / Berita / Nasional", "Tribunnews.com/Regional": where the page sits, not its title.
_BREADCRUMB = re.compile(r"[›»>]|\s/\s|^\S+/\S+$")
_CAPTION_DAY = re.compile(r"\(\d{1,2}/\d{1,2}(?:/\d{2,4})?\)")  # "Jumat (10/5/2024)": a caption's


def _title_from(
    header: list[str], captions: list[bool], author: str | None, lead: str, body: str
) -> str:
    """The headline: a line printed more than once, else the first headline-like line; one
    that shares a topic word with the article's opening (a sidebar's headline or a banner
    shares none), else two with the article. No title rather than a wrong one: a caption,
    a breadcrumb or a line about something else is never taken."""
    counts = Counter(header)
    candidates = [
        line
        for line, caption in zip(header, captions, strict=True)
        if _headline_like(line)
        and not caption
        and not _is_noise(line, None)
        and not _BREADCRUMB.search(line)
        and not _CAPTION_DAY.search(line)
        and parse_date(line) is None
        and line != author
        and not _REP_RED.match(line)
        and not _NAME_PIPE_SECTION.match(line)
        and not _BYLINE_LABELLED.search(line)
        and line.lower() not in {"penulis", "editor"}
        and _words(line) >= 4
    ]
    lead_words = _topic_words(lead)

    def about_the_article(line: str) -> bool:
        return bool(_topic_words(line) & lead_words)

    for line in candidates:
        if counts[line] > 1 and about_the_article(line):
            return line
    for line in candidates:  # a standfirst runs longer than a headline
        if _words(line) <= 18 and about_the_article(line):
            return line
    article_words = _topic_words(body)
    for line in candidates:
        if _words(line) <= 18 and len(_topic_words(line) & article_words) >= 2:
            return line
    # A later page of a long article shares few words with its headline, but the header
    # block still reads headline, standfirst, byline: a line with the author's byline one or
    # two lines below it.
    if author:
        byline = re.compile(rf"(?<!\w){re.escape(author)}(?!\w)")
        for i, line in enumerate(header):
            below = header[i + 1 : i + 3]
            if line in candidates and _words(line) <= 18 and any(map(byline.search, below)):
                return line
    return ""


def _is_subhead(line: str, following: str | None, following_is_caption: bool) -> bool:
    """A heading of the article's own (kept) rather than a headline of another article
    placed in it (dropped): it numbers a list item, opens a list ('Berikut ...'), or
    shares its topic words with the paragraph it heads."""
    if following_is_caption:
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


def _caption_flags(lines: list[str]) -> list[bool]:
    """Which lines are photo captions or their credits: a line known by its credit, and the
    sentence just above a credit that stands alone ('- VIVA/M Ali Wafa'), or above 'Sumber :'
    with the credit under it."""
    flags = [_is_caption(line) for line in lines]
    for i in range(len(lines) - 1):
        after = lines[i + 1]
        credit_below = _CREDIT.match(after) or (
            _CREDIT_LABEL.match(after) and i + 2 < len(lines) and _CREDIT.match(lines[i + 2])
        )
        # A headline over a credit is left to the title and heading rules: some pages print
        # the photo's credit under the headline, with no caption.
        if credit_below and not _headline_like(lines[i]) and not split_dateline(lines[i]):
            flags[i] = True
        if _CREDIT_LABEL.match(lines[i]) and i + 1 < len(lines) and _CREDIT.match(after):
            flags[i] = True
    return flags


def _next_kept_indices(lines: list[str], rule: OutletRule | None) -> list[int | None]:
    """For each line, the index of the next line that is not page noise (one pass back)."""
    following: list[int | None] = [None] * len(lines)
    nearest: int | None = None
    for i in range(len(lines) - 1, -1, -1):
        following[i] = nearest
        if not _is_noise(lines[i], rule):
            nearest = i
    return following


def _page_date(header: list[str], captions: list[bool]) -> str | None:
    """The date nearest the article, not a caption's; a date with a time of day (the page's
    own stamp) before a bare one (an event's day)."""
    dates = [
        date
        for line, caption in zip(reversed(header), reversed(captions), strict=True)
        if not caption and (date := parse_date(line))
    ]
    timed = [date for date in dates if "T" in date]
    return (timed or dates or [None])[0]


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
    captions = _caption_flags(lines)

    start = _body_start(lines, captions)
    if start is None:
        article.removed_lines = len(lines)
        return article
    header = lines[:start]

    article.published = _page_date(header, captions[:start])
    for line in reversed(header):
        if m := _AGENCY_LINE.match(line) or _AGENCY_PREFIX.match(line):
            article.agency = article.agency or m["agency"].strip()
    # Some outlets print 'Penulis: A | Editor: B' under the article instead of above it.
    trailer = [line for line in lines[start:] if _words(line) <= 12 and not _reads_like_prose(line)]
    article.author = _author_from(header) or _author_from(trailer) or _bracketed_name(trailer)
    lead, whole = " ".join(lines[start : start + 2]), " ".join(lines[start:])
    article.title = _title_from(header, captions[:start], article.author, lead, whole)

    body_lines = lines[start:]
    if dated := split_dateline(body_lines[0]):
        article.dateline, body_lines[0] = dated
        article.published = article.published or parse_date(article.dateline)
    kept = _body_paragraphs(body_lines, captions[start:], rule, article)
    article.body = _without_teasers(kept, article.title)
    article.url = _preferred_url(lines, article.title)
    article.removed_lines = len(lines) - len(article.body) - (1 if article.title else 0)
    return article


@dataclass
class _Kept:
    """A paragraph kept for the body, and what stood around it on the page."""

    text: str
    heading: bool = False  # one of the article's own headings


def _body_paragraphs(
    lines: list[str], captions: list[bool], rule: OutletRule | None, article: Article
) -> list[_Kept]:
    """The article's paragraphs, from its first line to the first line that ends it."""
    body: list[_Kept] = []
    seen: set[str] = set()
    next_kept = _next_kept_indices(lines, rule)
    for index, line in enumerate(lines):
        if m := _AGENCY_LINE.match(line):
            article.agency = article.agency or m["agency"].strip()
        if captions[index] and index:
            continue  # before the end marks: 'Sumber :' over a credit is a caption's
        if _ends_body(line, rule) or (body and _SOLO_INITIALS.match(line)):
            break
        if body and _words(line) <= 8 and parse_date(line):
            break  # a date line after the article: a list of other articles begins
        if _is_noise(line, rule) or line == article.title:
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
        heading = False
        if (
            not opening
            and not _reads_like_prose(line)
            and not (body and _SENTENCE_END.search(line))
        ):
            following = next_kept[index]
            heading = _is_subhead(
                line,
                None if following is None else lines[following],
                following is not None and captions[following],
            )
            if not heading:
                continue  # a headline, caption or widget placed inside the article
        if line not in seen:  # a paragraph printed twice is kept once
            seen.add(line)
            body.append(_Kept(line, heading=heading))
        if tag:
            break  # editor initials close the article
    return body


_SENTENCE_STOP = re.compile(r"""[.!?]["')]*(?=\s+["'A-Z(]|$)""")


def _lead_sized(text: str) -> bool:
    """One or two sentences, none of them a quotation: what a teaser of another story shows."""
    return '"' not in text and len(_SENTENCE_STOP.findall(text)) <= 2


def _without_teasers(kept: list[_Kept], title: str) -> list[str]:
    """The body without teasers of other articles placed between its paragraphs with no
    label: a headline that shares its words with the paragraph under it, and that paragraph
    a short lead (one or two sentences, no quotation). It looks like one of the article's
    own headings; the article's flow tells it apart: the paragraph after it goes on with the
    article's words, not the teaser's, and the words the teaser brought in are hardly used
    again. Counts are kept as it goes, so this is linear in the body."""
    words = [_topic_words(item.text) for item in kept]
    later: Counter[str] = Counter(word for group in words for word in group)
    before = _topic_words(title)  # the article's words up to the paragraph looked at
    before_heading = before  # ... and up to the heading above it
    dropped: set[int] = set()
    for i, item in enumerate(kept):
        later.subtract(words[i])  # now: the words of the paragraphs after this one
        if (
            1 < i < len(kept) - 1
            and kept[i - 1].heading
            and not _NUMBERED.match(kept[i - 1].text)
            and not item.heading
            and _lead_sized(item.text)
            and _tells_another_story(words[i] | words[i - 1], before_heading, words[i + 1], later)
        ):
            dropped.update((i - 1, i))
            continue
        before_heading = before
        before = before | words[i]
    return [item.text for i, item in enumerate(kept) if i not in dropped]


def _tells_another_story(
    unit: set[str], before: set[str], following: set[str], later: Counter[str]
) -> bool:
    """The paragraph after the unit picks up the article's words rather than the unit's
    new ones, and the rest of the article hardly uses the unit's new words."""
    new = unit - before
    to_unit, to_article = len(following & new), len(following & before)
    if not new or to_unit > 1 or to_article <= to_unit:
        return False
    return sum(1 for word in new if later[word] > 0) <= max(1, len(new) // 5)
