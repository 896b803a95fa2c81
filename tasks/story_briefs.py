"""A story's brief: one English headline and summary for an event, with every source.

The headline and summary are those of the story's most complete article (the one with the
most words; ties: fewer warnings, then the earliest): a summary over several machine briefs
would add a model step and a new way to be unfaithful, while the fullest report is usually
the one that names most of the event. Every member is listed as a source, briefed or not.
"""

from __future__ import annotations

import re

from kabar.tasks.brief import doubts
from kabar.tasks.cache import step_key
from kabar.tasks.dates import local_time
from kabar.tasks.stories import timestamp

STORY_VERSION = "1"  # bump when story_brief() changes: cached story briefs are then stale


def source_of(article_id: str, brief: dict | None, problem: str | None = None) -> dict:
    """One member of a story as its brief shows it; `brief` None when it was not briefed.
    Reads briefs of earlier versions too (missing fields are empty)."""
    brief = brief or {}
    links = brief.get("links") or ([brief["url"]] if brief.get("url") else [])
    source = {
        "article_id": article_id,
        "briefed": bool(brief),
        "problem": None if brief else (problem or "not briefed"),
        "headline": brief.get("headline") or "",
        "title_id": brief.get("title_id") or "",
        "summary": brief.get("summary") or "",
        "outlet": brief.get("outlet") or "",
        "published": brief.get("published"),
        "author": brief.get("author") or "",
        "source_file": brief.get("source_file") or "",
        "links": [str(link) for link in links],
        "flags": [str(flag) for flag in brief.get("flags") or []],
        "words": int(brief.get("words") or 0),
        "credits": brief.get("credits") or [],
    }
    return source | doubts(source)


def _when(source: dict) -> tuple[bool, float]:
    at = timestamp(source["published"])
    return (at is None, at or 0.0)  # undated last


def _completeness(source: dict) -> tuple:
    warned = source["doubtful_translation"] + source["unfaithful_summary"]
    return (-source["words"], warned, _when(source), source["article_id"])


def story_key(story: dict, sources: list[dict]) -> str:
    """What decides a story's brief: its members and their briefs (a new member, or a member
    briefed again, makes a new key; other stories keep theirs)."""
    return step_key("story", STORY_VERSION, story, sources)


def story_brief(story: dict, sources: list[dict]) -> dict:
    """The brief of `story` ({story_id, article_ids, date, updated}) from its members'
    `source_of` records; None when no member was briefed."""
    briefed = [s for s in sources if s["briefed"]]
    if not briefed:
        return None
    lead = min(briefed, key=_completeness)
    ordered = sorted(sources, key=lambda s: (_when(s), s["article_id"]))
    outlets = list(dict.fromkeys(s["outlet"] for s in ordered if s["outlet"]))
    return {
        "story_id": story["story_id"],
        "date": story.get("date"),
        "updated": story.get("updated"),
        "headline": lead["headline"] or lead["title_id"] or "(untitled)",
        "summary": lead["summary"],
        "lead": lead["article_id"],
        "flags": lead["flags"],
        "doubtful_translation": lead["doubtful_translation"],
        "unfaithful_summary": lead["unfaithful_summary"],
        "outlets": outlets,
        "sources": ordered,
        "credits": list(dict.fromkeys(c for s in briefed for c in s["credits"])),
    }


def story_markdown(
    brief: dict,
    level: int = 1,
    new: frozenset[str] = frozenset(),
    origins: dict[str, str] | None = None,
    linked: bool = True,
) -> str:
    """The story in Markdown: a section of the digest (`level` 2, links relative to the
    output folder; `new` marks this run's new briefs; `origins`: how the digest names an
    article's files or links), or a Prefect artifact (`linked` False: the UI cannot open
    the output folder's files, so their paths are named instead)."""
    span = " – ".join(dict.fromkeys(local_time(d) for d in (brief["date"], brief["updated"]) if d))
    facts = " · ".join(v for v in (", ".join(brief["outlets"]), span) if v)
    lines = [f"{'#' * level} {_line(brief['headline'])}\n"]
    if facts:
        lines.append(f"_{_line(facts)}_\n")
    lines.append(f"{_line(brief['summary'])}\n")
    lines.extend(f"> ⚠ {_line(flag)}\n" for flag in brief["flags"])
    for source in brief["sources"]:
        mark = " 🆕" if source["article_id"] in new else ""
        origin = (origins or {}).get(source["article_id"])
        lines.append(f"- {source_line(source, origin, linked)}{mark}")
    return "\n".join(lines) + "\n"


def _line(text: str) -> str:
    """Article text on one Markdown line, its markup shown as text: a backslash before each
    '<', '>', '[' and ']' keeps a headline's `<script>` or link syntax from rendering."""
    return re.sub(r"([\\<>\[\]])", r"\\\1", " ".join(str(text).split()))


def source_line(source: dict, origin: str | None = None, linked: bool = True) -> str:
    """One source as a Markdown list item: outlet, time, its brief, where it came from."""
    facts = " · ".join(v for v in (source["outlet"], local_time(source["published"])) if v)
    facts = facts or "no outlet or date"
    if not source["briefed"]:
        return f"_{_line(facts)}_ — `{source['article_id']}`: {source['problem']}"
    title = _line(source["headline"] or source["title_id"] or "(untitled)")
    path = f"{source['article_id']}/brief.md"
    text = f"_{_line(facts)}_ — " + (f"[{title}]({path})" if linked else f"{title} (`{path}`)")
    if origin is None:
        origin = ", ".join(f"<{link}>" for link in source["links"])
    return f"{text} — from {origin}" if origin else text
