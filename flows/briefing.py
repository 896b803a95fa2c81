"""The Kabar flow: every article in an inbox -> clean -> translate -> summarise -> files.

Each step is cached across runs (see flows/steps.py), so a re-run redoes nothing
and a changed summariser reuses every translation. An article whose step fails
is reported with its reason; the others still finish.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import State

from flows import steps
from tasks import models, settings
from tasks.brief import brief_markdown, compose_brief, translation_markdown
from tasks.engines import BACKENDS
from tasks.ingest import SourceFile, find_articles, read_article
from tasks.publish import publish_article, publish_digest
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
) -> dict:
    entry = {
        "article_id": source.article_id,
        "source_file": source.path,
        "steps": dict.fromkeys(STEPS, "-"),
        "brief": None,
        "problem": None,
        "new": False,
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
    if not article["body"]:
        entry["steps"]["clean"] = entry["problem"] = "skipped: no article text"
        return entry

    state = run_steps["translate"](
        article, translator, translation_settings, cache_dir, return_state=True
    )
    if state.is_failed():
        entry["steps"]["translate"] = entry["problem"] = _failure(state)
        return entry
    entry["steps"]["translate"] = _outcome(state)
    translation = state.result()

    state = run_steps["summarise"](
        translation, summariser, summary_settings, cache_dir, return_state=True
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
    publish_article(
        output / source.article_id,
        {
            "article.json": article,
            "translation.json": translation,
            "translation.md": translation_markdown(article, translation),
            "brief.json": brief,
            "brief.md": brief_markdown(brief),
        },
    )
    entry["brief"] = brief
    entry["brief_path"] = str(output / source.article_id / "brief.md")
    entry["new"] = entry["steps"]["summarise"] == "done"
    return entry


@flow(name="kabar", description="Brief every Indonesian news article in an inbox, in English.")
def briefing(
    inbox: str = settings.DEFAULT_INBOX,
    output: str = settings.DEFAULT_OUTPUT,
    translator: str | None = None,
    summariser: str | None = None,
    backend: str | None = None,
    refresh: bool = False,
    max_words: int = settings.DEFAULT_MAX_WORDS,
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

    run_steps = {name: steps.configured(getattr(steps, name), cache_dir, refresh) for name in STEPS}
    sources = [read_article(path) for path in find_articles(inbox_path)]
    logger.info("%d article files in %s; cache in %s", len(sources), inbox_path, cache_dir)

    uses_before = len(models.uses())
    entries = []
    for number, source in enumerate(sources, 1):
        entry = _brief_one(
            source,
            output_path,
            run_steps,
            translator_ref,
            summariser_ref,
            TranslationSettings(backend=engine_backend).to_dict(),
            SummarySettings(backend=engine_backend, max_words=max_words).to_dict(),
            str(cache_dir),
        )
        states = ", ".join(f"{step} {state}" for step, state in entry["steps"].items())
        logger.info("[%d/%d] %s: %s", number, len(sources), source.article_id, states)
        entries.append(entry)

    digest = publish_digest(output_path, entries)
    return {
        "articles": entries,
        "digest": str(digest),
        # Models some step needed in this run: none when every step was a cache hit.
        "models_used": sorted(set(models.uses()[uses_before:])),
    }
