"""Invented outlets on loopback Sites (scripts/sites.py): article pages and their feed.

The articles are made from the trained test models' own templates (scripts/trained_data.py),
so the trained Marian translates them in a blink; the pages wrap them in an Indonesian
outlet's layout (navigation, byline, 'Baca juga' box, share buttons, footer), the feeds list
them with dates relative to now, so `since` always takes them.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from trained_data import TEMPLATES, TITLES, fill


@dataclass
class Story:
    path: str
    title: str
    paragraphs: list[str]
    published: datetime
    author: str = "Tim Redaksi"


@dataclass
class Outlet:
    """One invented outlet on a loopback Site: its stories, its feed, its pages."""

    site: object
    name: str = "Warta Uji"
    stories: list[Story] = field(default_factory=list)
    version: int = 0

    def add(self, slug: str, seed: int, minutes_ago: int = 10, text: list[str] | None = None):
        rng = random.Random(seed)
        title = fill(rng.choice(TITLES), rng)[0]
        paragraphs = text or [
            " ".join(fill(rng.choice(TEMPLATES), rng)[0] for _ in range(2)) for _ in range(2)
        ]
        published = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        story = Story(f"/berita/{slug}", title, paragraphs, published)
        self.stories.append(story)
        self.site.route(story.path, body=self.page(story))
        self.publish_feed()
        return story

    def page(self, story: Story) -> str:
        e = html.escape
        related = '<div class="baca-juga">Baca juga: <a href="/lain">Berita lain</a></div>'
        body = "".join(
            f"<p>{e(p)}</p>" + (related if i == 0 else "") for i, p in enumerate(story.paragraphs)
        )
        return (
            f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">'
            f"<title>{e(story.title)} - {e(self.name)}</title>"
            f'<link rel="canonical" href="{self.site.url(story.path)}">'
            f'<meta property="og:site_name" content="{e(self.name)}">'
            f'<meta property="article:published_time" content="{story.published.isoformat()}">'
            f'<meta name="author" content="{e(story.author)}"></head><body>'
            f'<header><nav><a href="/">Beranda</a> <a href="/nasional">Nasional</a> '
            f'<a href="/daerah">Daerah</a></nav></header><main><article>'
            f'<h1>{e(story.title)}</h1><div class="byline">Penulis: {e(story.author)}</div>'
            f'{body}<div class="share">Bagikan: Facebook Twitter WhatsApp</div></article>'
            f'<aside><h3>Terpopuler</h3><ul><li><a href="/a">Berita populer satu</a></li>'
            f"</ul></aside></main><footer>Hak cipta 2026 {e(self.name)}</footer></body></html>"
        )

    def publish_feed(self, extra_items: str = "") -> None:
        """The RSS feed, newest first; a new ETag whenever it changes."""
        self.version += 1
        items = "".join(
            f"<item><title>{html.escape(s.title)}</title>"
            f"<link>{self.site.url(s.path)}?utm_source=rss&amp;utm_medium=feed</link>"
            f"<pubDate>{format_datetime(s.published)}</pubDate></item>"
            for s in sorted(self.stories, key=lambda s: s.published, reverse=True)
        )
        feed = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(self.name)}</title><link>{self.site.url('/')}</link>"
            f"<description>Berita terkini</description>{items}{extra_items}</channel></rss>"
        )
        self.site.route(
            "/rss.xml",
            body=feed,
            content_type="application/rss+xml; charset=utf-8",
            etag=f'"v{self.version}"',
        )

    @property
    def feed(self) -> str:
        return self.site.url("/rss.xml")


def item(url: str, title: str, minutes_ago: int | None = 5) -> str:
    """One more RSS item (for links the outlet's own stories do not cover)."""
    date = ""
    if minutes_ago is not None:
        when = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        date = f"<pubDate>{format_datetime(when)}</pubDate>"
    link = f"<link>{html.escape(url)}</link>" if url else ""
    return f"<item><title>{html.escape(title)}</title>{link}{date}</item>"
