"""The Kabar flow: every article in an inbox -> clean -> translate -> summarise -> files.

Each step is cached across runs (see flows/steps.py), so a re-run redoes nothing
and a changed summariser reuses every translation. An article whose step fails
is reported with its reason; the others still finish.
"""

import re
import time
from dataclasses import asdict
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

from kabar.flows import runners, steps
from kabar.flows.article import ArticleJob, RunSettings, new_entry
from kabar.flows.fetching import poll_sources, web_jobs
from kabar.flows.logs import quiet_returned_failures
from kabar.flows.scheduler import run_articles
from kabar.flows.stories import StoryRun, publish_stories
from kabar.tasks import models, settings
from kabar.tasks.brief import brief_markdown
from kabar.tasks.dates import local_time
from kabar.tasks.ingest import find_articles, read_with_retries
from kabar.tasks.publish import (
    OutputError,
    check_output_folder,
    explain_write_error,
    publish_digest,
)
from kabar.tasks.seen import SeenStore
from kabar.tasks.story_briefs import story_markdown
from kabar.tasks.summarise import LEAD, SummarySettings
from kabar.tasks.translate import TranslationSettings
from kabar.tasks.web import PoliteClient


def _artifact_key(entry: dict) -> str:
    """Prefect artifact keys allow lowercase letters, digits and dashes only. An inbox file's
    brief is keyed by the file's name, a fetched article's by its id."""
    name = entry["article_id"] if entry.get("url") else Path(entry["source_file"]).stem
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60]
    return f"brief-{slug or 'article'}"


def _describe(brief: dict, longest: int = 90) -> str:
    """How the Artifacts page lists a brief: outlet and date first (its cards show the start
    of a description only), then the English headline, shortened at a word."""
    published = local_time(brief.get("published"))  # to the minute, with its zone
    facts = " · ".join(v for v in (brief.get("outlet"), published) if v)
    headline = " ".join((brief.get("headline") or "(untitled)").split())
    if len(headline) > longest:
        headline = headline[:longest].rsplit(" ", 1)[0] + " …"
    return f"{facts} — {headline}" if facts else headline


def _describe_story(story: dict) -> str:
    """How the Artifacts page lists a story: its English headline first, then its outlets
    and its date (the newest article's)."""
    when = local_time(story.get("updated"))
    facts = " · ".join(v for v in (", ".join(story["outlets"]), when) if v)
    headline = _describe({"headline": story["headline"]})
    return f"{headline} — {facts}" if facts else headline


def _run_rows(entries: list[dict], stories: StoryRun | None) -> list[dict]:
    """The run's table, one row per article, the articles of a story side by side (stories
    updated last first; articles not in a story last)."""
    place, story_of = {}, {}
    for order, story in enumerate(stories.briefs if stories else []):
        for source in story["sources"]:
            place[source["article_id"]] = order
            story_of[source["article_id"]] = story
    rows = []
    for e in sorted(entries, key=lambda e: place.get(e["article_id"], len(place))):
        story = story_of.get(e["article_id"])
        rows.append({
            "story": story["story_id"] if story else "",
            "story headline": story["headline"] if story else "",
            "article": e["article_id"],
            "outlet": (e["brief"] or {}).get("outlet") or "",
            "date": (e["brief"] or {}).get("published") or "",
            "headline": (e["brief"] or {}).get("headline") or "",
            "link": e.get("url") or "",
            "fetch": e["steps"].get("fetch", ""),
            **e["steps"],
        })  # fmt: skip
    return rows


def _publish_artifacts(
    entries: list[dict], digest_text: str, sources: list[dict], stories: StoryRun | None
) -> None:
    """Briefs and stories, a table of the run (and of its sources) and the digest, for the UI."""
    for entry in entries:
        if entry["brief"]:
            create_markdown_artifact(
                key=_artifact_key(entry),
                markdown=brief_markdown(entry["brief"]),
                description=_describe(entry["brief"]),
            )
    for story in stories.briefs if stories else []:
        if story["story_id"] in stories.touched:  # the others did not change in this run
            create_markdown_artifact(
                key=story["story_id"],  # 'story-' and hex digits: a valid artifact key
                markdown=story_markdown(story, linked=False),
                description=_describe_story(story),
            )
    create_table_artifact(
        key="kabar-run",
        table=_run_rows(entries, stories),
        description="Every article of this run, by story",
    )
    if sources:
        create_table_artifact(
            key="kabar-sources",
            table=[
                {k: s[k] for k in ("source", "url", "state", "message", "newest")} for s in sources
            ],
            description="Every source of this run: what it listed, or why it failed",
        )
    create_markdown_artifact(key="kabar-digest", markdown=digest_text, description="Run digest")


def _still_being_written(path: Path, settle_seconds: float) -> bool:
    return time.time() - path.stat().st_mtime < settle_seconds


# The form's defaults: the values a run will use unless the form changes them (the
# environment of the process that defines the flow included; `kabar serve` also stores
# them as the deployment's parameters).
DEFAULTS = settings.resolve()


@flow(
    name="kabar",
    description="Brief new Indonesian news articles, from an inbox folder or the outlets' "
    "feeds and pages, in English.",
)
def briefing(
    inbox: str = DEFAULTS.inbox,
    feeds: list[str] = list(DEFAULTS.feeds),  # noqa: B006 (Prefect copies parameters)
    urls: list[str] = list(DEFAULTS.urls),  # noqa: B006
    sources: str = DEFAULTS.sources,
    output: str = DEFAULTS.output,
    translator: str = DEFAULTS.translator,
    summariser: str = DEFAULTS.summariser,
    backend: settings.Backend = DEFAULTS.backend,
    refresh: bool = DEFAULTS.refresh,
    max_words: int = DEFAULTS.max_words,
    unfaithful: settings.Unfaithful = DEFAULTS.unfaithful,
    runner: settings.Runner = DEFAULTS.runner,
    dask_address: str = DEFAULTS.dask_address,
    workers: int = DEFAULTS.workers,
    base_url: str = DEFAULTS.base_url,
) -> dict:
    """Clean, translate and summarise each article file in `inbox`; write briefs to `output`.

    Args:
        inbox: Folder of article files (page text or HTML); empty for none.
        feeds: Feeds (RSS, Atom, RDF) or sitemaps to fetch new articles from.
        urls: Article pages to fetch (each once).
        sources: A sources file (TOML, see sources.example.toml) on the machine that runs.
        output: Folder for the briefs; one sub-folder per article, plus digest.md.
        translator: MarianMT hub id or local directory.
        summariser: Summarisation model hub id or local directory, or 'lead' for the first
            sentences (no model).
        backend: 'transformers' or 'ctranslate2' (int8, faster on a CPU), for both models.
        refresh: Recompute every step and overwrite the cache.
        max_words: Longest summary, in words; cut at a sentence boundary.
        unfaithful: When the summary names numbers or names the translation lacks: 'flag' it
            in the brief, or 'lead' to replace it with the article's first sentences.
        runner: 'thread' runs the steps in this process; 'dask' on Dask workers.
        dask_address: With runner 'dask': the scheduler of an existing Dask cluster, such as
            tcp://10.0.0.5:8786 (empty: a local cluster).
        workers: With runner 'dask' and no address: worker processes of the local cluster
            (0: the cores, at most 4); they share the cores between them.
        base_url: Where the output folder is served (https://example.org/kabar/): the Atom
            feed's links start with it. Empty: links to the files on this machine.
    """
    config = settings.resolve(
        inbox=inbox, feeds=feeds, urls=urls, sources=sources, output=output,
        translator=translator, summariser=summariser, backend=backend, refresh=refresh,
        max_words=max_words, unfaithful=unfaithful,
        runner=runner, dask_address=dask_address, workers=workers, base_url=base_url,
    )  # fmt: skip
    return brief_inbox(config)


def brief_inbox(config: settings.Settings) -> dict:
    """The flow's work, with its settings resolved once."""
    logger = get_run_logger()
    quiet_returned_failures()
    inbox_path, output_path = Path(config.inbox), Path(config.output)
    if config.inbox and not inbox_path.is_dir():
        raise FileNotFoundError(f"Inbox folder '{config.inbox}' does not exist.")
    sources = config.source_list()  # a wrong sources file stops the run before any work
    if sources and not config.contact:
        logger.warning(
            "No contact address: set KABAR_CONTACT (an e-mail or URL) so that the outlets' "
            "admins can reach whoever runs this; it goes in the User-Agent."
        )
    cache_dir = config.cache_folder()
    run = _run_settings(config)  # a missing model stops the run here, before any work
    check_output_folder(output_path)

    files, waiting = _inbox_files(config, logger)
    entries, jobs = _inbox_jobs(files, run, logger)
    pool = runners.StepRunner(config.runner, config.dask_address, config.local_workers)
    polled, web = [], []
    with pool, PoliteClient(config.client_settings()) as client:
        if sources:
            steps.use_web_client(client)
            polled = poll_sources(sources, pool, cache_dir, logger)
            web = web_jobs(polled, SeenStore(cache_dir), run, logger)
            jobs += web
            entries += [job.entry for job in web]
        try:
            run_articles(jobs, pool, cache_dir, config.refresh, logger)
        finally:
            for job in web:
                job.finish()
        stories = publish_stories(jobs, entries, pool, config, logger)
    source_reports = [
        {k: v for k, v in report.items() if k != "items"} | {"taken": len(report["items"])}
        for _, report, _ in polled
    ]

    digest = _digest(output_path, entries, stories, logger)
    _publish_artifacts(entries, digest.read_text(encoding="utf-8"), source_reports, stories)
    return {
        "articles": entries,
        "sources": source_reports,
        "digest": str(digest),
        "waiting": [str(p) for p in waiting],
        # This run's stories: id -> 'done' (briefed again) or 'cached'; None: no grouping.
        "stories": stories.states if stories else None,
        "models_used": _models_used(entries, run.translator, run.summariser),
        # With runner 'dask': whether any step needed the cluster (a cached re-run does not).
        "cluster_used": pool.started_a_cluster,
    }


def _run_settings(config: settings.Settings) -> RunSettings:
    """What every article's steps need, the models resolved (ModelError when one is missing)."""
    translator_ref = asdict(models.resolve(config.translator))
    summariser_ref = (
        None if config.summariser == LEAD else asdict(models.resolve(config.summariser))
    )
    # Instruction-following summarisers read prompts/brief.md; its text is part of the cache
    # key, so editing it redoes those summaries (and no others).
    instructed = summariser_ref and models.summariser_kind(models.ModelRef(**summariser_ref))
    template = config.prompt_template() if instructed not in (None, "summarisation") else ""
    return RunSettings(
        output=Path(config.output),
        translator=translator_ref,
        summariser=summariser_ref,
        translation_settings=TranslationSettings(
            backend=config.backend, guards=config.guards
        ).to_dict(),
        summary_settings=SummarySettings(
            backend=config.backend,
            max_words=config.max_words,
            unfaithful=config.unfaithful,
            prompt_template=template,
        ).to_dict(),
        cache_dir=str(config.cache_folder()),
        max_article_words=config.max_article_words,
    )


def _inbox_files(config: settings.Settings, logger) -> tuple[list, list[Path]]:
    """The inbox's article files, read; and those still being written (left for next run)."""
    if not config.inbox:
        return [], []
    inbox_path = Path(config.inbox)
    paths = find_articles(inbox_path, config.patterns)
    waiting = [p for p in paths if _still_being_written(p, config.settle_seconds)]
    files = [read_with_retries(p, config.max_bytes) for p in paths if p not in waiting]
    logger.info(
        "%d article files in %s; cache in %s", len(files), inbox_path, config.cache_folder()
    )
    for path in waiting:
        logger.info(
            "%s changed in the last %.0f s: left for the next run", path.name, config.settle_seconds
        )
    return files, waiting


def _digest(output: Path, entries: list[dict], stories: StoryRun | None, logger) -> Path:
    """The run's digest, written; when nothing came in (sources with nothing new), the last
    digest stays the one to read."""
    try:
        if entries or not (output / "digest.md").is_file():
            return publish_digest(output, entries, stories.briefs if stories else None)
    except OSError as error:
        raise OutputError(explain_write_error(output / "digest.md", error)) from error
    digest = output / "digest.md"
    logger.info("nothing new in this run: %s left as it was", digest)
    return digest


def _inbox_jobs(files: list, run: RunSettings, logger) -> tuple[list[dict], list[ArticleJob]]:
    """A job per inbox file; the same bytes under a second name are briefed once."""
    entries, jobs = [], []
    first_with: dict[str, dict] = {}  # content hash -> the entry that briefs it
    for source in files:
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
    return entries, jobs


def _models_used(entries: list[dict], translator: dict, summariser: dict | None) -> list[str]:
    """Models some step of this run computed with: none when every step came from the cache."""
    used = set()
    if any(e["steps"]["translate"] == "done" for e in entries):
        used.add(translator["name"])
    if summariser and any(e["steps"]["summarise"] == "done" for e in entries):
        used.add(summariser["name"])
    return sorted(used)
