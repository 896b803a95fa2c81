"""A fetched article page -> its text and metadata, in the page-text shape the cleaner reads.

No HTTP here: the bytes come from tasks/web.py. Note for tasks/ingest.py: its
html_to_page_text gives the same shape (title, blank line, text) and could call extract_page;
this module leaves ingest.py alone.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html


@dataclass(frozen=True)
class Page:
    text: str  # title line, blank line, then the paragraphs separated by blank lines
    title: str
    published: str | None  # ISO 8601, with the page's own UTC offset when it gives a time
    author: str
    canonical_url: str | None
    site_name: str


# --- decoding ---------------------------------------------------------------------------

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What browsers do (WHATWG): these labels mean windows-1252, which fills 0x80-0x9F with
# curly quotes, the euro sign and dashes where Latin-1 has control characters.
_AS_CP1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp819"}
# UTF-8 read as a single-byte charset: 'Ã©', 'â€™', 'Â ' are the classic traces.
_MOJIBAKE = re.compile("[ÃÂâ][\u0080-\u00bf\u2018-\u203a\u0152-\u0192\u02c6\u02dc]")


def _codec(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None for an unknown one."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _AS_CP1252:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _strict(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_page(body: bytes, declared_charset: str | None) -> str:
    """The page's text. Never raises.

    Order: a BOM; the declared charset when it decodes cleanly (a single-byte one is passed
    over when the bytes are valid UTF-8 with non-ASCII in them: that is UTF-8, mislabelled);
    the page's own <meta charset>; UTF-8; windows-1252 with replacement characters.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    declared = _codec(declared_charset)
    utf8 = _strict(body, "utf-8")
    if (text := _strict(body, declared)) is not None:
        single_byte = declared not in ("utf-8", "utf-16", "utf-32")
        if not (single_byte and utf8 is not None and not body.isascii() and _MOJIBAKE.search(text)):
            return text
    m = _META_CHARSET.search(body[:8192])
    if m and (text := _strict(body, _codec(m.group(1).decode("ascii")))) is not None:
        if not (utf8 is not None and _MOJIBAKE.search(text)):
            return text
    if utf8 is not None:
        return utf8
    return body.decode("cp1252", errors="replace")


# --- anti-bot pages ---------------------------------------------------------------------

# Titles only challenge pages have: enough on their own, whatever the page's length.
_CHALLENGE_TITLE = re.compile(
    r"^\s*(just a moment|attention required|checking your browser|please wait\b.*cloudflare"
    r"|ddos-guard|ddos protection|one more step|pardon our interruption|access denied"
    r"|security check|are you a (robot|human)|human verification|verify you are human"
    r"|bot verification|robot check)",
    re.IGNORECASE,
)
# Words a captcha wall shows; counted only on short pages (an article may mention captchas).
_CHALLENGE_WORDS = re.compile(
    r"captcha|cf-challenge|cf-turnstile|challenge-platform|verify (that )?you are (a )?human"
    r"|are you a robot|not a robot|bukan robot|verifikasi (bahwa )?anda (adalah )?manusia"
    r"|enable javascript and cookies|aktifkan javascript|unusual traffic|lalu lintas tidak biasa"
    r"|akses (anda )?(ditolak|diblokir)",
    re.IGNORECASE,
)
_SHORT_PAGE = 1500  # characters of visible text; challenge pages show a few lines


def _parse_html(page: str) -> lxml_html.HtmlElement | None:
    try:
        return lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError):  # empty, or a str with an encoding declaration
        try:
            return lxml_html.document_fromstring(page.encode("utf-8"))
        except (etree.ParserError, ValueError):
            return None


def _visible_text(root: lxml_html.HtmlElement) -> str:
    body = root.find("body")
    return " ".join(body.text_content().split()) if body is not None else ""


def looks_like_challenge(page: str) -> bool:
    """True for an anti-bot page ('Just a moment...', a captcha wall) instead of the article.

    Judged on the <title>, and on the words of short pages only: an article about captchas
    is still an article.
    """
    root = _parse_html(page)
    if root is None:
        return False
    title = " ".join((root.findtext(".//title") or "").split())
    if _CHALLENGE_TITLE.match(title):
        return True
    # Scripts are code, not words on the page, but a challenge's own markers (cf-challenge, a
    # captcha widget) often sit only there: keep those, drop the rest.
    markers = []
    for element in root.iter("script", "style", "noscript", "template"):
        markers += [m.group(0) for m in _CHALLENGE_WORDS.finditer(element.text or "")]
        element.text = ""
    text = _visible_text(root)
    if len(text) > _SHORT_PAGE:
        return False
    markup = " ".join(
        f"{el.get('class', '')} {el.get('id', '')} {el.get('src', '')} {el.get('action', '')}"
        for el in root.iter(etree.Element)
    )
    return bool(markers) or bool(_CHALLENGE_WORDS.search(f"{title} {text} {markup}"))


# --- extraction -------------------------------------------------------------------------

_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "dc.date.issued",
    "dcterms.created",
)


def _iso(value: str | None) -> str | None:
    """An ISO 8601 string as the page wrote it (offset kept), or None when it is not one."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    except ValueError:
        return None


def _json_ld_dates(root: lxml_html.HtmlElement) -> list[str]:
    dates = []
    for script in root.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, dict):
                if isinstance(node.get("datePublished"), str):
                    dates.append(node["datePublished"])
                stack.extend(v for v in node.values() if isinstance(v, dict | list))
    return dates


def _published(root: lxml_html.HtmlElement | None, fallback: str | None) -> str | None:
    """The publication time with its offset: meta tags, JSON-LD, <time datetime>, then
    trafilatura's date (a day only, and sometimes guessed from the URL: the last resort)."""
    candidates: list[str] = []
    if root is not None:
        wanted = {name.lower() for name in _DATE_META}
        for meta in root.iter("meta"):
            key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
            if key in wanted:
                candidates.append(meta.get("content") or "")
        candidates += _json_ld_dates(root)
        candidates += [t.get("datetime") or "" for t in root.iter("time")]
    for candidate in candidates:
        if iso := _iso(candidate):
            return iso
    return fallback or None


def _canonical(root: lxml_html.HtmlElement | None, url: str) -> str | None:
    """The address the page names for itself (rel=canonical, then og:url), made absolute."""
    if root is None:
        return None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href", "").strip():
            return urljoin(url, link.get("href").strip())
    for meta in root.iter("meta"):
        if (meta.get("property") or "").lower() == "og:url" and meta.get("content", "").strip():
            return urljoin(url, meta.get("content").strip())
    return None


def _paragraphs(text: str, title: str) -> list[str]:
    paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    paragraphs = [p for p in paragraphs if p]
    # trafilatura keeps an <h1> that sits inside the article: the title is said once, on top.
    if paragraphs and title and paragraphs[0].casefold() == title.casefold():
        paragraphs = paragraphs[1:]
    return paragraphs


def extract_page(page: str, url: str) -> Page:
    """The article in an HTML page, as page text plus metadata; an empty Page when none."""
    import trafilatura  # slow to import; only the fetch path needs it

    document = trafilatura.bare_extraction(
        page,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
    )
    root = _parse_html(page)
    if document is None:
        return Page("", "", _published(root, None), "", None, "")
    title = " ".join(html.unescape(document.title or "").split())
    paragraphs = _paragraphs(document.text or "", title)
    text = "\n\n".join([title, *paragraphs] if title else paragraphs)
    return Page(
        text=text,
        title=title,
        published=_published(root, document.date),
        author=" ".join((document.author or "").split()),
        canonical_url=_canonical(root, url),
        site_name=own_site_name(document.sitename, url, getattr(document, "url", None)),
    )


def own_site_name(name: str | None, *urls: str | None) -> str:
    """The name the page gives its site; '' for trafilatura's stand-in when it gives none:
    the host of the page's address (or of its canonical one), lower case, 'www.' dropped,
    port kept ('kompas.com', '127.0.0.1:8000'). A real name written so ('Kompas.com') stays."""
    name = " ".join((name or "").split())
    stand_ins = {""}
    for url in urls:
        netloc = urlsplit(url or "").netloc.rpartition("@")[2].lower()
        stand_ins |= {netloc, netloc.removeprefix("www.")}
    return "" if name in stand_ins else name
