"""The brief a user reads: headline, facts about the source, summary, flags, provenance."""

from __future__ import annotations

from kabar.tasks.dates import local_time
from kabar.tasks.sentences import split_sentences

OPUS_MT_CREDIT = (
    "Translation by OPUS-MT (Helsinki-NLP, Tiedemann & Thottingal 2020), licensed CC-BY 4.0."
)


def compose_brief(
    article_id: str,
    source_file: str,
    article: dict,
    translation: dict,
    summary: dict,
    models: dict[str, dict],
) -> dict:
    headline = translation.get("title") or next(iter(split_sentences(summary["summary"])), "")
    credits = [OPUS_MT_CREDIT] if "opus-mt" in models["translator"]["name"].lower() else []
    return {
        "article_id": article_id,
        "headline": headline,
        "title_id": article.get("title", ""),
        "published": article.get("published"),
        "outlet": article.get("outlet"),
        "author": article.get("author"),
        "agency": article.get("agency"),
        "summary": summary["summary"],
        "source_file": source_file,
        "url": article.get("url"),
        "translation": "translation.md",
        "flags": [
            *map(describe_translation_flag, translation.get("flags", [])),
            *summary.get("flags", []),
        ],
        "models": models,
        "credits": credits,
        # How complete the article is: a story's headline comes from its fullest member.
        "words": sum(len(paragraph.split()) for paragraph in article.get("body", [])),
    }


# The flags' own words (tasks/summarise.py, describe_translation_flag below): a brief keeps
# its flags as sentences, and briefs written by earlier versions have nothing else.
_STILL_DOUBTFUL = "(still doubtful)."
_UNFAITHFUL = "which the translation does not"


def doubts(brief: dict) -> dict[str, bool]:
    """Which warnings a reader sees on a brief: a sentence whose translation stayed
    doubtful, a summary naming facts the translation lacks."""
    flags = brief.get("flags") or []
    return {
        "doubtful_translation": any(
            f.startswith("Translation of ") and f.endswith(_STILL_DOUBTFUL) for f in flags
        ),
        "unfaithful_summary": any(_UNFAITHFUL in f for f in flags),
    }


def describe_translation_flag(flag: dict) -> str:
    source = flag["source"] if len(flag["source"]) <= 60 else flag["source"][:57] + "..."
    outcome = "fixed" if flag["resolved"] else "still doubtful"
    return f'Translation of "{source}": {flag["problem"]}; {flag["action"]} ({outcome}).'


def _line(label: str, value: str | None) -> str:
    return f"- **{label}:** {value}\n" if value else ""


def _links(links: list[str]) -> str:
    """The original pages: one, or the same text at several addresses."""
    if not links:
        return ""
    label = "Original" if len(links) == 1 else "Originals (the same text)"
    return _line(label, ", ".join(f"<{link}>" for link in links))


def brief_markdown(brief: dict) -> str:
    flags = "".join(f"> ⚠ {flag}\n" for flag in brief["flags"])
    models = ", ".join(
        f"{role} `{m['name']}` ({m['fingerprint']})" for role, m in brief["models"].items()
    )
    return (
        f"# {brief['headline'] or '(untitled)'}\n\n"
        + (f"{flags}\n" if flags else "")
        + f"{brief['summary']}\n\n"
        + _line("Original title", brief["title_id"])
        + _line("Published", local_time(brief["published"]))
        + _line("Outlet", brief["outlet"])
        + _line("Author", brief["author"])
        + _line("Agency", brief["agency"])
        + (_line("Source", f"`{brief['source_file']}`") if not brief.get("links") else "")
        + _links(brief.get("links") or ([brief["url"]] if brief.get("url") else []))
        + f"- **Full translation:** [{brief['translation']}]({brief['translation']})\n"
        + f"- **Made by:** {models}\n"
        + "".join(f"\n_{credit}_\n" for credit in brief["credits"])
    )


def translation_markdown(article: dict, translation: dict) -> str:
    body = "\n\n".join(translation["paragraphs"])
    meta = " · ".join(v for v in (article.get("outlet"), article.get("published")) if v)
    return f"# {translation['title'] or '(untitled)'}\n\n_{meta}_\n\n{body}\n"
