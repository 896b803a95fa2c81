"""The stories as an English Atom feed: OUTPUT/feed.xml, one entry per story.

An entry's id is a `tag:` URI made from the story's id, so it stays the same from run to
run; its `updated` moves when the story gains an article. Links start with --base-url when
given (where the output folder is served), else they are file links to this machine's copy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator

from kabar.tasks.site import render_entry
from kabar.tasks.stories import timestamp

TAG_DATE = "2026"  # the tag URIs' date: fixed, so that ids never change
TAG_AUTHORITY = "localhost"  # and their authority, whatever --base-url says
# Characters XML 1.0 cannot carry (lxml refuses them): a page's stray control bytes.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(text: str | None) -> str:
    return _NOT_XML.sub("", " ".join(str(text or "").split()))


def moment(published: str | None) -> datetime | None:
    """An ISO time as an aware datetime (WIB when it names no zone, as the store reads it)."""
    at = timestamp(published)
    return None if at is None else datetime.fromtimestamp(at, UTC)


class Links:
    """Addresses of the output folder's files: under `base_url`, or file links."""

    def __init__(self, output: Path, base_url: str = "") -> None:
        self.base = base_url.rstrip("/") + "/" if base_url else output.resolve().as_uri() + "/"

    def to(self, path: str) -> str:
        return urljoin(self.base, path)

    def article_file(self, article_id: str, name: str) -> str:
        return self.to(f"{quote(article_id)}/{name}")

    def tag(self, name: str) -> str:
        # Not the --base-url's host: the folder may be served elsewhere later, and an id
        # that changed would show every story again in every reader.
        return f"tag:{TAG_AUTHORITY},{TAG_DATE}:kabar/{name}"


def entry_updated(story: dict, now: datetime) -> datetime:
    """When the entry last changed: its newest article's time, or later when it gained an
    article older than that (`changed`), or when it was first published if undated."""
    times = [moment(story.get("updated")), moment(story.get("changed"))]
    times = [t for t in times if t is not None]
    return max(times) if times else moment(story.get("first_seen")) or now


def atom_feed(stories: list[dict], links: Links, now: datetime) -> str:
    """The feed of `stories` (story briefs with their records, newest-updated first)."""
    feed = FeedGenerator()
    feed.id(links.tag("stories"))
    feed.title("Kabar — Indonesian news in English")
    feed.subtitle("Stories from Indonesian outlets, machine-translated and summarised.")
    feed.author({"name": "Kabar"})
    feed.language("en")
    feed.link(href=links.to("index.html"), rel="alternate", type="text/html")
    feed.link(href=links.to("feed.xml"), rel="self", type="application/atom+xml")
    feed.generator("Kabar")
    updated = []
    for story in stories:
        entry = feed.add_entry(order="append")
        entry.id(links.tag(story["story_id"]))
        entry.title(xml_text(story["headline"]) or "(untitled)")
        entry.link(href=links.to(f"index.html#{story['story_id']}"), rel="alternate")
        changed = entry_updated(story, now)
        entry.updated(changed)
        updated.append(changed)
        if moment(story.get("date")):
            entry.published(moment(story["date"]))
        entry.summary(xml_text(story["summary"]))
        content: Callable[[str, str], str] = links.article_file
        entry.content(_NOT_XML.sub("", render_entry(story, content)), type="html")
        for outlet in story["outlets"]:
            entry.category(term=xml_text(outlet))
    feed.updated(max(updated) if updated else now)
    return feed.atom_str(pretty=True).decode("utf-8")
