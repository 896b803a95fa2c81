"""The Kabar flow: every article in an inbox -> clean -> translate -> summarise -> files.

Each step is cached across runs (see flows/steps.py), so a re-run redoes nothing
and a changed summariser reuses every translation. An article whose step fails
is reported with its reason; the others still finish.
"""

import queue
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Literal

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from kabar.flows import runners, steps
from kabar.flows.article import STEPS, ArticleJob, RunSettings, new_entry
from kabar.tasks import models, settings
from kabar.tasks.brief import brief_markdown
from kabar.tasks.engines import BACKENDS
from kabar.tasks.ingest import find_articles, read_with_retries
from kabar.tasks.publish import (
    OutputError,
    check_output_folder,
    explain_write_error,
    publish_digest,
)
from kabar.tasks.summarise import LEAD, SummarySettings
from kabar.tasks.translate import TranslationSettings


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
    runner: Literal["thread", "dask"] | None = None,
    dask_address: str | None = None,
    workers: int | None = None,
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
        runner: 'thread' runs the steps in this process; 'dask' on Dask workers (default:
            KABAR_RUNNER, then thread).
        dask_address: With runner 'dask': the scheduler of an existing Dask cluster, such as
            tcp://10.0.0.5:8786 (default: KABAR_DASK_ADDRESS; none: a local cluster).
        workers: With runner 'dask' and no address: worker processes of the local cluster
            (default: the cores, at most 4); they share the cores between them.
    """
    logger = get_run_logger()
    inbox_path, output_path = Path(inbox), Path(output)
    if not inbox_path.is_dir():
        raise FileNotFoundError(f"Inbox folder '{inbox}' does not exist.")
    cache_dir = settings.cache_dir(output_path)
    engine_backend = settings.backend(backend)
    if engine_backend not in BACKENDS:
        raise ValueError(f"Unknown backend '{engine_backend}': choose {' or '.join(BACKENDS)}.")
    runner_name = runners.runner_name(runner)

    # Resolved up front: a missing model stops the run at once, before any work.
    translator_ref = asdict(models.resolve(settings.translator(translator)))
    summariser_name = settings.summariser(summariser)
    summariser_ref = None if summariser_name == LEAD else asdict(models.resolve(summariser_name))
    # Instruction-following summarisers read prompts/brief.md; its text is part of the cache
    # key, so editing it redoes those summaries (and no others).
    instructed = summariser_ref and models.summariser_kind(models.ModelRef(**summariser_ref))
    template = settings.prompt_template() if instructed not in (None, "summarisation") else ""
    check_output_folder(output_path)
    run = RunSettings(
        output=output_path,
        translator=translator_ref,
        summariser=summariser_ref,
        translation_settings=TranslationSettings(
            backend=engine_backend, guards=settings.guards()
        ).to_dict(),
        summary_settings=SummarySettings(
            backend=engine_backend,
            max_words=max_words,
            unfaithful=unfaithful,
            prompt_template=template,
        ).to_dict(),
        cache_dir=str(cache_dir),
    )

    settle = settings.settle_seconds()
    paths = find_articles(inbox_path, settings.article_patterns())
    waiting = [p for p in paths if _still_being_written(p, settle)]
    sources = [read_with_retries(p, settings.max_bytes()) for p in paths if p not in waiting]
    logger.info("%d article files in %s; cache in %s", len(sources), inbox_path, cache_dir)
    for path in waiting:
        logger.info("%s changed in the last %.0f s: left for the next run", path.name, settle)

    entries, jobs = [], []
    first_with: dict[str, dict] = {}  # content hash -> the entry that briefs it
    for source in sources:
        if source.content_hash in first_with:  # the same article under another name
            original = first_with[source.content_hash]
            original["also_as"].append(source.path)
            entry = new_entry(source)
            entry["steps"]["clean"] = f"skipped: duplicate of {Path(original['source_file']).name}"
            entry["duplicate_of"] = original["source_file"]
            entries.append(entry)
            continue
        job = ArticleJob(source, run, logger)
        jobs.append(job)
        entries.append(job.entry)
        if source.content_hash:
            first_with[source.content_hash] = job.entry

    run_steps = {name: steps.configured(getattr(steps, name), cache_dir, refresh) for name in STEPS}
    pool = runners.StepRunner(runner_name, runners.dask_address(dask_address), workers)
    with pool:
        _run_steps(jobs, run_steps, pool, cache_dir if not refresh else None, logger)

    try:
        digest = publish_digest(output_path, entries)
    except OSError as error:
        raise OutputError(explain_write_error(output_path / "digest.md", error)) from error
    _publish_artifacts(entries, digest.read_text(encoding="utf-8"))
    return {
        "articles": entries,
        "digest": str(digest),
        "waiting": [str(p) for p in waiting],
        "models_used": _models_used(entries, translator_ref, summariser_ref),
        # With runner 'dask': whether any step needed the cluster (a cached re-run does not).
        "cluster_used": pool.started_a_cluster,
    }


def _run_steps(
    jobs: list[ArticleJob], run_steps: dict, pool: runners.StepRunner, cache: Path | None, logger
) -> None:
    """Every article's steps, each submitted as soon as the one before it is done; each
    article's files are written as soon as its last step is. Cleaning, and steps already
    in `cache`, stay in this process (see runners.StepRunner)."""
    pending: dict = {}
    done: queue.SimpleQueue = queue.SimpleQueue()  # futures, in the order they finish
    finished: list[ArticleJob] = []

    def submit(job: ArticleJob, step_and_parameters: tuple[str, dict] | None) -> None:
        if step_and_parameters is None:  # done with this article: its files now, not later
            job.publish()
            finished.append(job)
            states = ", ".join(f"{s} {state}" for s, state in job.entry["steps"].items())
            logger.info("[%d/%d] %s: %s", len(finished), len(jobs), job.article_id, states)
            return
        step, parameters = step_and_parameters
        key = job.cache_keys[step] = steps.cache_key(step, parameters)
        cached = cache is not None and (cache / key).is_file()
        future = pool.submit(run_steps[step], parameters, needs_work=step != "clean" and not cached)
        pending[future] = (job, step)
        future.add_done_callback(done.put)

    for job in jobs:
        submit(job, job.first_step())
    while pending:
        future = done.get()
        job, step = pending.pop(future)
        future.wait()  # done already; this fetches its final state
        submit(job, job.record(step, future.state))


def _models_used(entries: list[dict], translator: dict, summariser: dict | None) -> list[str]:
    """Models some step of this run computed with: none when every step came from the cache."""
    used = set()
    if any(e["steps"]["translate"] == "done" for e in entries):
        used.add(translator["name"])
    if summariser and any(e["steps"]["summarise"] == "done" for e in entries):
        used.add(summariser["name"])
    return sorted(used)
