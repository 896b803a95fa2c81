"""The digest as a web page: OUTPUT/index.html, every story with its sources.

Rendered by Jinja2 from a template shipped in the package (tasks/templates), autoescaped:
everything in it came from article text, so nothing of it may become markup. No script at
all, and every link is relative to the output folder, so the page works opened from disk.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from kabar.tasks.dates import local_time
from kabar.tasks.sources import host_name
from kabar.tasks.stories import timestamp
from kabar.tasks.words import counted

_env = Environment(
    loader=PackageLoader("kabar.tasks", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def web_link(url: str | None) -> str | None:
    """An original's address as a link, only when it is a web address: a page may claim
    'javascript:…' as its own link, and escaping does not make that harmless in an href."""
    if not url:
        return None
    parts = urlsplit(str(url).strip())
    return parts.geturl() if parts.scheme in ("http", "https") and parts.netloc else None


def file_link(article_id: str, name: str) -> str:
    """A file of an article's folder, relative to the output folder (ids are made safe for
    folder names already; quoting keeps a '#' or '?' in one from cutting the link)."""
    return f"{quote(article_id)}/{name}"


def when(published: str | None) -> str:
    """A time as a reader reads it: '2020-08-17 09:53 WIB'."""
    if not published or timestamp(published) is None:
        return ""
    return local_time(published)


def link_labels(urls: list[str]) -> list[str]:
    """How each of an article's addresses is told apart: 'original' for one, else its site
    ('original at kompas.com'), and its path too when two share a site."""
    if len(urls) < 2:
        return ["original"] * len(urls)
    sites = [(host_name(u) or u).removeprefix("www.") for u in urls]
    return [
        f"original at {site}" + (urlsplit(u).path if sites.count(site) > 1 else "")
        for u, site in zip(urls, sites, strict=True)
    ]


_env.filters.update(
    web_link=web_link,
    file_link=file_link,
    when=when,
    zip_labels=lambda links: list(zip(links, link_labels(list(links)), strict=True)),
)
_env.globals.update(counted=counted)


def render_index(stories: list[dict], generated: datetime) -> str:
    """The page: `stories` (story briefs, newest-updated first), made at `generated`."""
    return _env.get_template("index.html.j2").render(
        stories=stories,
        generated=generated,
        articles=sum(len(s["sources"]) for s in stories),
        credits=list(dict.fromkeys(c for s in stories for c in s.get("credits", []))),
    )


def render_entry(story: dict, link_of) -> str:
    """A feed entry's HTML content: summary and sources; `link_of(article_id, file)` makes
    the address of an article's file (relative to --base-url, or a file link)."""
    return _env.get_template("entry.html.j2").render(story=story, link_of=link_of)
