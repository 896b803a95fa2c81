"""The web end of a run: a source's listing polled, an article page fetched and extracted.

Pure functions over a PoliteClient (tasks/web.py) and the SeenStore (tasks/seen.py); the
flow wraps each in a Prefect task (flows/steps.py). Every failure is a FetchError whose
`reason` is one line a user reads; `transient` says whether a later run may succeed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from kabar.tasks.feeds import FeedItem, NotAFeed, parse_listing, select_items
from kabar.tasks.pages import decode_page, extract_page
from kabar.tasks.seen import DONE, UNFINISHED, SeenStore
from kabar.tasks.sources import Source, canonical_url
from kabar.tasks.web import FetchError, PoliteClient

# Bump when what a fetch step returns changes: fetched pages are cached under it.
FETCH_VERSION = 1
# A sitemap index lists sitemaps; the newest few hold the new articles.
CHILD_SITEMAPS = 3
_XML_TYPES = ("xml",)


def item_record(item: FeedItem) -> dict:
    """A feed item as JSON: what the store keeps and the article carries."""
    published = item.published.isoformat() if item.published else None
    return {"url": item.url, "title": item.title, "published": published, "note": item.note}


def source_report(
    source: Source, state: str = "ok", message: str = "", allow_private: bool | None = None
) -> dict:
    """A poll's report of `source`, with no items yet: its state and message, the items, the
    newest item's date, and whether its links may go to private addresses."""
    return {
        "source": source.name,
        "url": source.url,
        "state": state,
        "message": message,
        "items": [],
        "newest": None,
        "allow_private": source.allow_private if allow_private is None else allow_private,
    }


def poll_source(
    source: Source, client: PoliteClient, store: SeenStore, now: datetime | None = None
) -> dict:
    """The items of `source` to take this run (a page source is its own one item).

    A feed is asked with the validators it sent last time; a 304 lists nothing new (the
    links it listed before are in the store already). Returns a report: state `ok`, `not
    modified` or `failed`, a message, the items, and whether links may go to private
    addresses. Never raises for a bad source: a failed source must not stop the others.
    """
    now = now or datetime.now(UTC)
    # The user named this address, so it may be on a private network (a test site, an
    # intranet); the links found in it may be only if it is, or if the source says so.
    allow_links = source.allow_private or client.on_private_address(source.url)
    report = source_report(source, allow_private=allow_links)
    if source.kind == "page":
        known = store.page(canonical_url(source.url))
        if known is None or known.state in UNFINISHED:
            report["items"] = [item_record(FeedItem(source.url, "", None))]
            report["message"] = "one article page"
        else:  # a page is taken once: say what came of it, not 'ok' and nothing
            report["message"] = f"taken before ({known.state}" + (
                f": {known.reason})" if known.reason else ")"
            )
        return report
    try:
        listing, validators = _listing(source, client, now, *store.validators(source.url))
    except (FetchError, NotAFeed) as error:
        report["state"], report["message"] = "failed", getattr(error, "reason", str(error))
        return report
    if listing is None:
        report["state"], report["message"] = "not modified", "not modified since the last poll"
        return report
    # The newest items within `since` that the store does not know yet, at most
    # max_per_run: links taken by earlier runs do not use up this run's share.
    listed = select_items(listing, source.since, len(listing.items), now)
    seen = store.known([canonical_url(i.url) for i in listed])
    new = [i for i in listed if canonical_url(i.url) not in seen]
    items, left = new[: source.max_per_run], len(new) - source.max_per_run
    if left <= 0:  # only once the body was read and every new item taken: else a 304
        store.save_validators(source.url, *validators)  # next time would strand the rest
    dated = [i.published for i in listing.items if i.published]
    report["items"] = [item_record(i) for i in items]
    report["newest"] = max(dated).isoformat() if dated else None
    notes = [*listing.problems, *{i.note for i in items if i.note}]
    if left > 0:
        notes.append(f"{left} more new left for the next run (max_per_run {source.max_per_run})")
    if len(listed) < len(listing.items):
        notes.append(f"{len(listing.items) - len(listed)} older than since or listed twice")
    report["message"] = f"{len(listing.items)} items listed, {len(items)} new taken" + "".join(
        f"; {note}" for note in notes
    )
    return report


def _listing(
    source: Source,
    client: PoliteClient,
    now: datetime,
    etag: str | None = None,
    last_modified: str | None = None,
):
    """(listing, (etag, last_modified)), or (None, ...) when the feed was not modified since
    the validators given (none: asked in full)."""
    response = client.get(
        source.url, accept="xml", allow_private=True, etag=etag, last_modified=last_modified
    )
    if response.status == 304:
        return None, (etag, last_modified)
    listing = parse_listing(response.body, response.url, now, response.charset)
    if listing.kind == "sitemap-index":
        listing = _children(listing, client, now)
    return listing, (response.etag, response.last_modified)


def _children(index, client: PoliteClient, now: datetime):
    """The articles of the newest few sitemaps a sitemap index lists."""
    from kabar.tasks.feeds import Listing

    newest = sorted(
        index.items,
        key=lambda i: i.published or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )[:CHILD_SITEMAPS]
    items, problems = [], list(index.problems)
    for child in newest:
        try:
            response = client.get(child.url, accept="xml", allow_private=True)
            listing = parse_listing(response.body, response.url, now, response.charset)
        except (FetchError, NotAFeed) as error:
            problems.append(f"sitemap {child.url}: {getattr(error, 'reason', error)}")
            continue
        items.extend(listing.items)
        problems.extend(listing.problems)
    return Listing("sitemap", items, problems)


def fetch_page(link: str, allow_private: bool, client: PoliteClient) -> dict:
    """The article at `link`: its page text for the cleaner, and what the page says of itself
    (title, date, author, canonical address). Raises FetchError when there is no article."""
    response = client.get(link, accept="html", allow_private=allow_private)
    if any(kind in response.content_type for kind in _XML_TYPES) and "html" not in (
        response.content_type
    ):
        raise FetchError(f"an XML document, not an article page ({response.content_type})")
    html = decode_page(response.body, response.charset)  # a challenge page: refused by client
    page = extract_page(html, response.url)
    if not page.text.strip():
        raise FetchError("no article text on the page")
    words = " ".join(page.text.split())
    return {
        "link": link,
        "url": response.url,
        "canonical_url": canonical_url(page.canonical_url or response.url),
        "content_hash": hashlib.sha256(words.encode()).hexdigest(),
        **{key: value for key, value in asdict(page).items() if key != "canonical_url"},
    }


def check_source(
    source: Source,
    client: PoliteClient,
    now: datetime | None = None,
    states: Callable[[list[str]], dict[str, str]] | None = None,
) -> dict:
    """What the next run would take from `source`, asked once and recorded nowhere (no
    validators sent or kept). `states` gives what earlier runs made of links (the seen-store's,
    read-only), so that the count follows the run's rule: new links up to max_per_run, plus
    links an earlier run queued or fetched and did not brief; links briefed, duplicated or
    failed are not taken again."""
    now = now or datetime.now(UTC)
    states = states or (lambda urls: {})
    verdict = {"state": "ok", "message": "", "items": 0, "newest": None, "robots": ""}
    try:
        verdict["robots"] = _robots_verdict(client, source.url)
        if source.kind == "page":
            state = states([canonical_url(source.url)]).get(canonical_url(source.url))
            if state in DONE:
                verdict["items"] = f"taken before ({state}): a run would not take it again"
            else:
                verdict["items"] = 1
            fetched = fetch_page(source.url, True, client)
            verdict["message"] = f"an article: {fetched['title']!r}"
            return verdict
        listing, _ = _listing(source, client, now)
    except (FetchError, NotAFeed) as error:
        verdict["state"], verdict["message"] = "failed", getattr(error, "reason", str(error))
        return verdict
    listed = select_items(listing, source.since, len(listing.items), now)
    urls = [canonical_url(i.url) for i in listed]
    known = states(urls)
    new = [i for i, url in zip(listed, urls, strict=True) if url not in known]
    new = new[: source.max_per_run]
    left = [i for i, url in zip(listed, urls, strict=True) if known.get(url) in UNFINISHED]
    done = sum(1 for url in urls if known.get(url) in DONE)
    notes = [f"{len(left)} left by earlier runs"] if left else []
    notes += [f"{done} taken by earlier runs"] if done else []
    verdict["items"] = f"{len(listing.items)} listed, {len(new) + len(left)} a run would take" + (
        f" ({', '.join(notes)})" if notes else ""
    )
    dated = [i.published for i in listing.items if i.published]
    verdict["newest"] = max(dated).isoformat() if dated else "no dates"
    verdict["message"] = f"a {listing.kind}" + "".join(f"; {p}" for p in listing.problems)
    if new or left:
        first = (new or left)[0].url
        allowed = client.robots_allows(first, allow_private=True)
        verdict["robots"] += f"; its newest article: {'allowed' if allowed else 'disallowed'}"
    return verdict


def _robots_verdict(client: PoliteClient, url: str) -> str:
    allowed = client.robots_allows(url, allow_private=True)
    return "this address allowed" if allowed else "this address disallowed by robots.txt"
