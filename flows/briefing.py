"""The Kabar flow: every article in an inbox -> clean -> translate -> summarise -> files.

Each step is cached across runs (see flows/steps.py), so a re-run redoes nothing
and a changed summariser reuses every translation. An article whose step fails
is reported with its reason; the others still finish.
"""

import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.states import State

from flows import steps
from tasks import models, settings
from tasks.brief import (
    brief_markdown,
    compose_brief,
    describe_translation_flag,
    translation_markdown,
)
from tasks.engines import BACKENDS
from tasks.ingest import SourceFile, find_articles, read_with_retries
from tasks.publish import (
    OutputError,
    check_output_folder,
    explain_write_error,
    publish_article,
    publish_digest,
)
from tasks.summarise import LEAD, SummarySettings
from tasks.translate import TranslationSettings

STEPS = ("clean", "translate", "summarise")


def _outcome(state: State) -> str:
    return "cached" if state.name == "Cached" else "done"


def _failure(state: State) -> str:
    error = state.result(raise_on_failure=False)
    if isinstance(error, models.ModelUnavailable):
        raise error  # a set-up problem: every article would fail the same way
    reason = str(error) if isinstance(error, BaseException) else (state.message or state.name)
    return f"failed: {reason.splitlines()[0] if reason else type(error).__name__}"


def _brief_one(
    source: SourceFile,
    output: Path,
    run_steps: dict,
    translator: dict,
    summariser: dict | None,
    translation_settings: dict,
    summary_settings: dict,
    cache_dir: str,
    logger,
) -> dict:
    entry = {
        "article_id": source.article_id,
        "source_file": source.path,
        "steps": dict.fromkeys(STEPS, "-"),
        "brief": None,
        "problem": None,
        "new": False,
        "also_as": [],  # other inbox files with the same content
        "duplicate_of": None,
    }
    if source.text is None:
        entry["steps"]["clean"] = entry["problem"] = f"skipped: {source.problem}"
        return entry

    state = run_steps["clean"](source.text, return_state=True)
    if state.is_failed():
        entry["steps"]["clean"] = entry["problem"] = _failure(state)
        return entry
    entry["steps"]["clean"] = _outcome(state)
    article = state.result()
    logger.info(
        "%s: kept %d paragraphs, removed %d page lines; title %r",
        source.article_id, len(article["body"]), article["removed_lines"], article["title"],
    )  # fmt: skip
    if not article["body"]:
        entry["steps"]["clean"] = entry["problem"] = "skipped: no article text"
        return entry

    state = run_steps["translate"](
        article, translator, translation_settings, cache_dir, return_state=True
    )
    if state.is_failed():
        entry["steps"]["translate"] = entry["problem"] = _failure(state)
        return entry
    translation = state.result()
    entry["steps"]["translate"] = (
        "skipped: already in English" if translation["already_english"] else _outcome(state)
    )
    logger.info(
        "%s: %d sentences translated, %d flagged",
        source.article_id, len(translation["sentences"]), len(translation["flags"]),
    )  # fmt: skip
    for flag in translation["flags"]:
        logger.warning("%s: %s", source.article_id, describe_translation_flag(flag))

    meta = {
        "title": translation["title"] or article["title"],
        "date": article["published"],
        "outlet": article["outlet"],
    }
    state = run_steps["summarise"](
        translation, summariser, summary_settings, cache_dir, meta, return_state=True
    )
    if state.is_failed():
        entry["steps"]["summarise"] = entry["problem"] = _failure(state)
        return entry
    entry["steps"]["summarise"] = _outcome(state)
    summary = state.result()

    model_credits = {"translator": translator, "summariser": summariser or {"name": LEAD}}
    brief = compose_brief(
        source.article_id,
        source.path,
        article,
        translation,
        summary,
        {role: {"name": m["name"], "fingerprint": m.get("fingerprint", "-")}
         for role, m in model_credits.items()},
    )  # fmt: skip
    entry["new"] = entry["steps"]["summarise"] == "done"
    keys = [
        steps.clean_key(source.text),
        steps.translate_key(article, translator, translation_settings),
        steps.summarise_key(translation, summariser, summary_settings, meta),
    ]
    try:
        _write_article_files(output / source.article_id, source, entry, keys, article,
                             translation, brief)  # fmt: skip
    except OSError as error:
        problem = "failed: " + explain_write_error(output / source.article_id, error)
        entry["steps"]["publish"] = entry["problem"] = problem
        return entry
    entry["brief"] = brief
    entry["brief_path"] = str(output / source.article_id / "brief.md")
    return entry


def _write_article_files(folder, source, entry, keys, article, translation, brief) -> None:
    """The article's files; each write atomic, so a crash leaves old or new files, never half."""
    publish_article(
        folder,
        {
            # What made this brief, and the cache entries it came from (kabar prune keeps them).
            "steps.json": {"source_file": source.path, "steps": entry["steps"], "cache_keys": keys},
            "article.json": article,
            "translation.json": translation,
            "translation.md": translation_markdown(article, translation),
            "brief.json": brief,
            "brief.md": brief_markdown(brief),
        },
    )


def _artifact_key(path: str) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only."""
    slug = re.sub(r"[^a-z0-9]+", "-", Path(path).stem.lower()).strip("-")[:60]
    return f"brief-{slug or 'article'}"


def _publish_artifacts(entries: list[dict], digest_text: str) -> None:
    """Briefs, a table of the run and the digest, for the UI's Artifacts page."""
    for entry in entries:
        if entry["brief"]:
            create_markdown_artifact(
                key=_artifact_key(entry["source_file"]),
                markdown=brief_markdown(entry["brief"]),
                description=f"Brief of {Path(entry['source_file']).name}",
            )
    rows = [
        {
            "article": e["article_id"],
            "outlet": (e["brief"] or {}).get("outlet") or "",
            "date": (e["brief"] or {}).get("published") or "",
            "headline": (e["brief"] or {}).get("headline") or "",
            **e["steps"],
        }
        for e in entries
    ]
    create_table_artifact(key="kabar-run", table=rows, description="Every article of this run")
    create_markdown_artifact(key="kabar-digest", markdown=digest_text, description="Run digest")


def _still_being_written(path: Path, settle_seconds: float) -> bool:
    return time.time() - path.stat().st_mtime < settle_seconds


@flow(name="kabar", description="Brief every Indonesian news article in an inbox, in English.")
def briefing(
    inbox: str = settings.DEFAULT_INBOX,
    output: str = settings.DEFAULT_OUTPUT,
    translator: str | None = None,
    summariser: str | None = None,
    backend: Literal["transformers", "ctranslate2"] | None = None,
    refresh: bool = False,
    max_words: int = settings.DEFAULT_MAX_WORDS,
    unfaithful: Literal["flag", "lead"] = "flag",
) -> dict:
    """Clean, translate and summarise each article file in `inbox`; write briefs to `output`.

    Args:
        inbox: Folder of article files (plain page text, *.txt).
        output: Folder for the briefs; one sub-folder per article, plus digest.md.
        translator: MarianMT hub id or local directory (default: KABAR_TRANSLATOR, then
            Helsinki-NLP/opus-mt-id-en).
        summariser: Summarisation model hub id or local directory, or 'lead' for the first
            sentences (default: KABAR_SUMMARISER, then sshleifer/distilbart-cnn-12-6).
        backend: 'transformers' or 'ctranslate2' (int8, faster on a CPU), for both models
            (default: KABAR_BACKEND, then transformers).
        refresh: Recompute every step and overwrite the cache.
        max_words: Longest summary, in words; cut at a sentence boundary.
        unfaithful: When the summary names numbers or names the translation lacks: 'flag' it
            in the brief, or 'lead' to replace it with the article's first sentences.
    """
    logger = get_run_logger()
    inbox_path, output_path = Path(inbox), Path(output)
    if not inbox_path.is_dir():
        raise FileNotFoundError(f"Inbox folder '{inbox}' does not exist.")
    cache_dir = settings.cache_dir(output_path)
    engine_backend = settings.backend(backend)
    if engine_backend not in BACKENDS:
        raise ValueError(f"Unknown backend '{engine_backend}': choose {' or '.join(BACKENDS)}.")

    # Resolved up front: a missing model stops the run at once, before any work.
    translator_ref = asdict(models.resolve(settings.translator(translator)))
    summariser_name = settings.summariser(summariser)
    summariser_ref = None if summariser_name == LEAD else asdict(models.resolve(summariser_name))
    # Instruction-following summarisers read prompts/brief.md; its text is part of the cache
    # key, so editing it redoes those summaries (and no others).
    instructed = summariser_ref and models.summariser_kind(models.ModelRef(**summariser_ref))
    template = settings.prompt_template() if instructed not in (None, "summarisation") else ""
    check_output_folder(output_path)

    run_steps = {name: steps.configured(getattr(steps, name), cache_dir, refresh) for name in STEPS}
    settle = settings.settle_seconds()
    paths = find_articles(inbox_path, settings.article_patterns())
    waiting = [p for p in paths if _still_being_written(p, settle)]
    sources = [read_with_retries(p, settings.max_bytes()) for p in paths if p not in waiting]
    logger.info("%d article files in %s; cache in %s", len(sources), inbox_path, cache_dir)
    for path in waiting:
        logger.info("%s changed in the last %.0f s: left for the next run", path.name, settle)

    uses_before = len(models.uses())
    entries = []
    first_with: dict[str, dict] = {}  # content hash -> the entry that briefs it
    for number, source in enumerate(sources, 1):
        if source.content_hash in first_with:  # the same article under another name
            original = first_with[source.content_hash]
            original["also_as"].append(source.path)
            name = Path(original["source_file"]).name
            entries.append({
                "article_id": source.article_id, "source_file": source.path,
                "steps": {**dict.fromkeys(STEPS, "-"), "clean": f"skipped: duplicate of {name}"},
                "brief": None, "problem": None, "new": False, "also_as": [],
                "duplicate_of": original["source_file"],
            })  # fmt: skip
            continue
        entry = _brief_one(
            source,
            output_path,
            run_steps,
            translator_ref,
            summariser_ref,
            TranslationSettings(backend=engine_backend).to_dict(),
            SummarySettings(
                backend=engine_backend,
                max_words=max_words,
                unfaithful=unfaithful,
                prompt_template=template,
            ).to_dict(),
            str(cache_dir),
            logger,
        )
        states = ", ".join(f"{step} {state}" for step, state in entry["steps"].items())
        logger.info("[%d/%d] %s: %s", number, len(sources), source.article_id, states)
        entries.append(entry)
        if source.content_hash:
            first_with[source.content_hash] = entry

    try:
        digest = publish_digest(output_path, entries)
    except OSError as error:
        raise OutputError(explain_write_error(output_path / "digest.md", error)) from error
    _publish_artifacts(entries, digest.read_text(encoding="utf-8"))
    return {
        "articles": entries,
        "digest": str(digest),
        "waiting": [str(p) for p in waiting],
        # Models some step needed in this run: none when every step was a cache hit.
        "models_used": sorted(set(models.uses()[uses_before:])),
    }
