"""A feed or sitemap body -> the article links it lists, with their titles and dates. No HTTP.

Well-formed RSS 2.0 / Atom / RDF and sitemaps are read with lxml (hardened: no network, no
entities, no huge trees), which takes a 10,000-item feed in a fraction of a second; feedparser
takes about 2 s for one, so it reads only what lxml refuses: broken XML, undefined entities, a
declared charset that is wrong. Both give the same items for the same feed (the tests check).
"""

from __future__ import annotations

import email.utils
import html
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Literal
from urllib.parse import urljoin, urlsplit

from lxml import etree

from kabar.tasks.dates import MONTHS, ZONES
from kabar.tasks.sources import canonical_url
from kabar.tasks.words import counted


@dataclass(frozen=True)
class FeedItem:
    url: str  # absolute: relative and '//host/path' links resolved against the feed / xml:base
    title: str  # the item's own title ("" when none)
    published: datetime | None  # timezone-aware UTC; None when absent or unreadable
    note: str = ""  # e.g. "date in the future (2031-01-01): taken as the feed's time"


@dataclass(frozen=True)
class Listing:
    kind: Literal["feed", "sitemap", "sitemap-index"]
    items: list[FeedItem]  # for a sitemap index: the child sitemaps
    problems: list[str]  # what was wrong with the body or its items (skipped items counted)


class NotAFeed(ValueError):
    """The body lists nothing: 'empty body', 'malformed XML: ...', 'an HTML page, not a feed'."""


# --- dates ------------------------------------------------------------------------------

_ZONES = {**ZONES, "GMT": 0, "UTC": 0, "UT": 0, "Z": 0}
WIB = timezone(timedelta(hours=7))  # a time with no zone: Indonesian outlets print local time

_TIME = (
    r"(?:[,\s|-]+(?:pukul\s+|jam\s+)?(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?:[:.](?P<second>\d{2}))?)?"
    r"\s*(?P<zone>WITA|WIB|WIT|GMT|UTC|UT|Z|[+-]\d{2}:?\d{2})?"
)
_WORD_DATE = re.compile(
    r"(?:[A-Za-z']+,?\s+)?(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]{3,9})\.?,?\s+(?P<year>\d{4})"
    + _TIME,
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(
    r"(?:[A-Za-z']+,?\s+)?(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})" + _TIME,
    re.IGNORECASE,
)


@lru_cache(maxsize=64)
def _zone(text: str | None) -> timezone:
    if not text:
        return WIB
    if text.upper() in _ZONES:
        return timezone(timedelta(hours=_ZONES[text.upper()]))
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _from_match(m: re.Match[str]) -> datetime | None:
    month = m["month"]
    number = int(month) if month.isdigit() else MONTHS.get(month.lower())
    if not number:
        return None
    try:
        return datetime(
            int(m["year"]),
            number,
            int(m["day"]),
            int(m["hour"] or 0),
            int(m["minute"] or 0),
            int(m["second"] or 0),
            tzinfo=_zone(m["zone"]),
        )
    except ValueError:  # 31 Februari, 25:61
        return None


def parse_feed_date(text: str | None) -> datetime | None:
    """A feed or sitemap date as timezone-aware UTC, or None when it cannot be read.

    ISO 8601 / W3C ('2026-11-23T14:05:00+07:00'), RFC 822 ('Mon, 23 Nov 2026 07:05:00 GMT') and
    the Indonesian forms outlets print ('Senin, 23 November 2026 14:05 WIB', '23 Agt 2026 14:05
    WITA', '23/11/2026 14:05'). WIB is +07, WITA +08, WIT +09; a time without a zone is WIB.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        for pattern in (_WORD_DATE, _NUMERIC_DATE):
            if (m := pattern.fullmatch(text)) and (when := _from_match(m)):
                break
        else:
            try:  # RFC 822 with a zone name the patterns do not know (EST, PDT, ...)
                when = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=WIB)
    return when.astimezone(UTC)


def _dated(raw: str | None, now: datetime) -> tuple[datetime | None, str]:
    """The item's date and a note: unreadable dates are None, far-future ones become `now`."""
    if not raw or not raw.strip():
        return None, ""
    when = parse_feed_date(raw)
    if when is None:
        return None, f"date not read: {raw.strip()[:60]!r}"
    if when > now + timedelta(days=1):
        return now, f"date in the future ({when.date().isoformat()}): taken as the feed's time"
    return when, ""


# --- building items ---------------------------------------------------------------------

_TAG = re.compile(r"<[^>]*>")


def _plain(text: str | None) -> str:
    """A title as plain text: markup some feeds put in titles removed, spaces collapsed."""
    if not text:
        return ""
    if "<" in text:
        text = _TAG.sub(" ", text)
    return " ".join(html.unescape(text).split())


def _web_link(link: str | None, base: str) -> str | None:
    """The link made absolute; None when there is none or it is no http(s) address."""
    link = (link or "").strip()
    if not link:
        return None
    if link.startswith(("http://", "https://")) and " " not in link:
        return link  # already absolute: skip urljoin, the cost of a 10,000-item feed
    absolute = urljoin(base, link)
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


# (link, base URL for it, title, date as written): what each format yields before checks.
_RawItem = tuple[str | None, str | None, str | None, str | None]


@dataclass
class _Tally:
    no_link: int = 0
    not_web: int = 0

    def problems(self, what: str) -> list[str]:
        found = []
        if self.no_link:
            found.append(f"{counted(self.no_link, what)} with no link: skipped")
        if self.not_web:
            found.append(
                f"{counted(self.not_web, what)} with a link that is not an http(s) address: skipped"
            )
        return found


def _items(
    raw_items: Iterable[_RawItem],
    base: str,
    now: datetime,
    tally: _Tally,
) -> list[FeedItem]:
    """FeedItems from (link, base, title, raw date) tuples; items with no usable link counted."""
    items = []
    for link, item_base, title, raw_date in raw_items:
        if not (link or "").strip():
            tally.no_link += 1
            continue
        url = _web_link(link, item_base or base)
        if url is None:
            tally.not_web += 1
            continue
        published, note = _dated(raw_date, now)
        items.append(FeedItem(url=url, title=_plain(title), published=published, note=note))
    return items


# --- lxml: well-formed feeds and sitemaps -----------------------------------------------

_ATOM = "{http://www.w3.org/2005/Atom}"
_ATOM03 = "{http://purl.org/atom/ns#}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"


def _hardened_parser(recover: bool = False) -> etree.XMLParser:
    # No DTDs, no entity expansion (billion laughs, external files), no network, no huge trees.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        recover=recover,
        remove_comments=True,
        remove_pis=True,
    )


def _child(element: etree._Element, *tags: str) -> etree._Element | None:
    for tag in tags:
        if (found := element.find(tag)) is not None:
            return found
    return None


def _text(element: etree._Element, *tags: str) -> str | None:
    """The text of the first child with one of the tags that has any (tags in order of trust)."""
    for tag in tags:
        for found in element.iterfind(tag):
            # findtext is the fast path; itertext also reads a title with child elements.
            text = found.text if len(found) == 0 else "".join(found.itertext())
            if text and (text := text.strip()):
                return text
    return None


def _rss_link(item: etree._Element) -> str | None:
    link = _text(item, "link")
    if link:
        return link
    guid = _child(item, "guid")
    # A guid is the item's address unless it says otherwise (RSS 2.0: isPermaLink defaults true).
    if guid is not None and guid.get("isPermaLink", "true").lower() != "false":
        return (guid.text or "").strip() or None
    return None


def _atom_link(entry: etree._Element) -> tuple[str | None, str | None]:
    """The entry's page: rel="alternate" (or no rel), HTML first; with the link's own base."""
    links = [*entry.iterfind(f"{_ATOM}link"), *entry.iterfind(f"{_ATOM03}link")]
    alternates = [x for x in links if x.get("rel", "alternate") == "alternate" and x.get("href")]
    html_first = sorted(alternates, key=lambda x: "html" not in x.get("type", "text/html"))
    if html_first:
        return html_first[0].get("href"), html_first[0].base
    return None, None


def _atom_title(entry: etree._Element) -> str | None:
    title = _child(entry, f"{_ATOM}title", f"{_ATOM03}title")
    if title is None:
        return None
    text = "".join(title.itertext())
    # type="html" titles are escaped markup: unescape once so that _plain sees the tags.
    return html.unescape(text) if title.get("type") == "html" else text


def _raw_feed_items(
    root: etree._Element,
) -> Iterator[_RawItem]:
    local = etree.QName(root).localname
    if local == "rss":
        for item in root.iterfind("channel/item"):
            date = _text(item, "pubDate", f"{_DC}date", f"{_ATOM}published", f"{_ATOM}updated")
            yield _rss_link(item), item.base, _text(item, "title"), date
    elif local == "RDF":
        for item in root.iterfind(f"{_RSS1}item"):
            link = _text(item, f"{_RSS1}link") or item.get(f"{_RDF}about")
            date = _text(item, f"{_DC}date", f"{_DCTERMS}issued", f"{_DCTERMS}modified")
            yield link, item.base, _text(item, f"{_RSS1}title", f"{_DC}title"), date
    else:  # Atom 1.0 or 0.3
        for entry in [*root.iterfind(f"{_ATOM}entry"), *root.iterfind(f"{_ATOM03}entry")]:
            link, base = _atom_link(entry)
            date = _text(
                entry,
                f"{_ATOM}published",
                f"{_ATOM}updated",
                f"{_ATOM03}issued",
                f"{_ATOM03}modified",
                f"{_DC}date",
            )
            yield link, base or entry.base, _atom_title(entry), date


def _local_children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    # Sitemaps in the wild come with and without their namespace: match local names.
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname == name:
            yield child


def _local_text(element: etree._Element | None, *path: str) -> str | None:
    for name in path:
        if element is None:
            return None
        element = next(_local_children(element, name), None)
    return element.text.strip() if element is not None and element.text else None


def _raw_sitemap_items(root: etree._Element, entry: str) -> Iterator[_RawItem]:
    for node in _local_children(root, entry):
        date = _local_text(node, "news", "publication_date") or _local_text(node, "lastmod")
        yield _local_text(node, "loc"), node.base, _local_text(node, "news", "title"), date


def _from_tree(root: etree._Element, url: str, now: datetime, problems: list[str]) -> Listing:
    local = etree.QName(root).localname
    tally = _Tally()
    if local in ("urlset", "sitemapindex"):
        kind: Literal["sitemap", "sitemap-index"] = (
            "sitemap" if local == "urlset" else "sitemap-index"
        )
        entry = "url" if local == "urlset" else "sitemap"
        items = _items(_raw_sitemap_items(root, entry), url, now, tally)
        return Listing(kind, items, problems + tally.problems("entry"))
    if local in ("rss", "RDF", "feed"):
        items = _items(_raw_feed_items(root), url, now, tally)
        return Listing("feed", items, problems + tally.problems("item"))
    if local == "html":
        raise NotAFeed(_html_reason(etree.tostring(root)))
    raise NotAFeed(f"not a feed or sitemap (its root element is <{local}>)")


# --- feedparser: what lxml refuses -------------------------------------------------------


def _from_feedparser(
    body: bytes, url: str, now: datetime, declared_charset: str | None, xml_error: str
) -> Listing:
    import feedparser  # only here: it is slow to import and needed only for broken feeds

    content_type = "application/xml" + (f"; charset={declared_charset}" if declared_charset else "")
    parsed = feedparser.parse(
        io.BytesIO(body),  # bytes in a stream: a str would be taken for a URL or a file name
        response_headers={"content-location": url, "content-type": content_type},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    tally = _Tally()
    raw = (
        (
            e.get("link") or _permalink(e, parsed.version),
            url,
            e.get("title"),
            e.get("published") or e.get("updated"),
        )
        for e in parsed.entries
    )
    items = _items(raw, url, now, tally)
    if not items and (parsed.bozo or not parsed.version):
        if re.search(rb"<html\b", body[:4096], re.IGNORECASE):
            raise NotAFeed(_html_reason(body))
        raise NotAFeed(f"malformed XML: {xml_error}")
    problem = parsed.get("bozo_exception")
    problems = (
        [f"read with errors ({_short(str(problem) or type(problem).__name__)})"] if problem else []
    )
    return Listing("feed", items, problems + tally.problems("item"))


def _permalink(entry: dict, version: str) -> str | None:
    # feedparser keeps an RDF item's rdf:about, and a permalink guid, as the id.
    return entry.get("id") if entry.get("guidislink") or version == "rss10" else None


# --- the whole body ---------------------------------------------------------------------

_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF|urlset|sitemapindex)\b")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.I | re.S)
_SITEMAP_ROOT = re.compile(rb"<(?:\w+:)?(?:urlset|sitemapindex)\b")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _html_reason(body: bytes) -> str:
    m = _TITLE.search(body[:65536])
    if not m:
        return "an HTML page, not a feed (no title)"
    title = _plain(m.group(1).decode("utf-8", errors="replace"))
    return f"an HTML page, not a feed (title: {_short(title, 80)!r})"


def _looks_like_html(body: bytes) -> bool:
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_START.match(head)) and not _FEED_ROOT.search(head)


def parse_listing(
    body: bytes, url: str, now: datetime, declared_charset: str | None = None
) -> Listing:
    """The items a feed (RSS 2.0, Atom, RDF), news sitemap or sitemap index lists.

    `url` is where the body came from (relative links are resolved against it), `now` the time
    of the fetch (dates more than a day after it are taken as it), `declared_charset` the one
    the server named. Raises NotAFeed when the body lists nothing at all; a feed that is broken
    but still gives items comes back with the problem in `problems`.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    if not body.strip():
        raise NotAFeed("empty body")
    if _looks_like_html(body):
        raise NotAFeed(_html_reason(body))
    try:
        root = etree.fromstring(body, _hardened_parser(), base_url=url)
    except etree.XMLSyntaxError as error:
        xml_error = _short(str(error))
    else:
        return _from_tree(root, url, now, [])
    if _SITEMAP_ROOT.search(body[:4096]):
        # A broken sitemap: read what lxml can recover rather than nothing.
        root = etree.fromstring(body, _hardened_parser(recover=True), base_url=url)
        if root is None:
            raise NotAFeed(f"malformed XML: {xml_error}")
        return _from_tree(root, url, now, [f"malformed XML, read what could be read: {xml_error}"])
    return _from_feedparser(body, url, now, declared_charset, xml_error)


def select_items(
    listing: Listing, since: timedelta, max_per_run: int, now: datetime
) -> list[FeedItem]:
    """The items to fetch this run: newest first, none older than `now - since`.

    Undated items come after the dated ones (they may be new; the seen-store stops repeats),
    an address listed twice (same canonical URL) is taken once, and at most `max_per_run`.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    oldest = now - since
    dated = [i for i in listing.items if i.published is not None and i.published >= oldest]
    dated.sort(key=lambda i: i.published, reverse=True)  # type: ignore[arg-type,return-value]
    undated = [i for i in listing.items if i.published is None]
    chosen: list[FeedItem] = []
    seen: set[str] = set()
    for item in dated + undated:
        if len(chosen) >= max_per_run:
            break
        key = canonical_url(item.url)
        if key not in seen:
            seen.add(key)
            chosen.append(item)
    return chosen
