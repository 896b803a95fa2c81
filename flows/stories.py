"""Stories in the flow: group the run's cleaned articles by event, brief each story, publish.

`group · stories` files every article this run cleaned into the story store (tasks/stories.py,
`<cache>/stories.sqlite`, shared by every run of that cache and safe with two runs at once)
and is linked in Prefect's graph to the clean runs it read. Then each story with an article
of this run gets a `story · <story id>` task, cached under its members' briefs, so a story
that gains an article is briefed again and the others are cache hits. Stories of earlier
runs only (articles fetched then) are rebuilt from their briefs on disk: a selection, no model.
"""

from __future__ import annotations

import fcntl
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from prefect import task
from prefect.client.schemas.objects import TaskRunResult

from kabar.flows.article import ArticleJob
from kabar.flows.runners import StepRunner
from kabar.flows.steps import _Known
from kabar.tasks.feed import Links, atom_feed
from kabar.tasks.publish import OutputError, explain_write_error, write_atomic, write_json
from kabar.tasks.settings import Settings
from kabar.tasks.site import render_index
from kabar.tasks.stories import StaleStore, StoryArticle, StoryStore
from kabar.tasks.story_briefs import source_of, story_brief, story_key
from kabar.tasks.story_index import INDEX_NAME, INDEX_VERSION, read_index

STORE_NAME = "stories.sqlite"


def group_step(articles: list[dict], store_path: str, output: str) -> list[dict]:
    """File `articles` (StoryArticle fields) into the store; every story it holds.

    A store made by another version of the grouping is moved aside and made anew from this
    run's articles and every earlier article in `output` (its article.json files), so an
    upgrade regroups the archive instead of leaving the stories behind."""
    path = Path(store_path)
    try:
        store = StoryStore(path)
    except StaleStore:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        for part in path.parent.glob(path.name + "*"):  # the database and its journals
            part.rename(part.with_name(f"{part.name}.stale-{stamp}"))
        store = StoryStore(path)
        given = {article["article_id"] for article in articles}
        articles = [*_archived(Path(output), given), *articles]
    store.add(StoryArticle(**article) for article in articles)
    return [asdict(story) for story in store.stories()]


def _archived(output: Path, skip: set[str]) -> Iterator[dict]:
    """The cleaned articles of earlier runs, from their folders' article.json."""
    for path in sorted(output.glob("*/article.json")):
        if path.parent.name in skip:
            continue
        try:
            article = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(article, dict) and article.get("body"):
            yield _fields(path.parent.name, article)


def story_step(story: dict, sources: list[dict]) -> dict | None:
    return story_brief(story, sources)


# Grouping is not cached: the store is its memory (a known article is a no-op there). A locked
# store waits 60 s inside; a second try covers a run that held it longer.
group = task(group_step, name="group", task_run_name="group · stories", retries=1)
story = task(story_step, name="story", persist_result=True, result_serializer="json")


def story_article(job: ArticleJob) -> dict | None:
    """What the store reads of a cleaned article: its Indonesian text and facts."""
    article = job.article
    if not article or not article.get("body"):
        return None
    return _fields(job.article_id, article)


def _fields(article_id: str, article: dict) -> dict:
    """StoryArticle's fields of a cleaned article (article.json)."""
    return {
        "article_id": article_id,
        "title": article.get("title") or "",
        "body": list(article["body"]),
        "published": article.get("published"),
        "outlet": article.get("outlet") or "",
        "url": article.get("url"),
    }


def _read_brief(folder: Path) -> dict | None:
    """An earlier run's brief, or None (missing, or unreadable: a member without a brief)."""
    try:
        brief = json.loads((folder / "brief.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return brief if isinstance(brief, dict) else None


class StoryRun:
    """The stories part of one run: group, brief, then write the page, the feed and the index."""

    def __init__(self, output: Path, cache_dir: Path, refresh: bool, logger) -> None:
        self.output, self.cache_dir, self.refresh, self.logger = output, cache_dir, refresh, logger
        self.store_path = cache_dir / STORE_NAME
        self.briefs: list[dict] = []  # story briefs with their records, newest-updated first
        self.touched: set[str] = set()  # stories with an article of this run
        self.states: dict[str, str] = {}  # story id -> 'done' or 'cached' (this run's tasks)
        self.now = datetime.now(UTC)  # the run's stories are published as of this time

    def group(self, jobs: list[ArticleJob], pool: StepRunner) -> list[dict] | None:
        """Every story of the store, after adding the run's cleaned articles; None when the
        store could not be used (the run's briefs are then published without stories)."""
        read = [(job, a) for job in jobs if (a := story_article(job)) is not None]
        cleaned_by = {TaskRunResult(id=job.task_runs["clean"]) for job, _ in read}
        parameters = {
            "articles": [a for _, a in read],
            "store_path": str(self.store_path),
            "output": str(self.output),
        }
        future = pool.submit(group, parameters, {"articles": cleaned_by}, lane="light")
        future.wait()
        if future.state.is_failed():
            error = future.state.result(raise_on_failure=False)
            self.logger.error("stories: grouping failed (%s); briefs published alone", error)
            return None
        self.group_run = future.state.state_details.task_run_id
        self.run_ids = {a["article_id"] for _, a in read}
        self.jobs = {job.article_id: job for job, _ in read}
        return future.result()

    def brief(self, stories: list[dict], entries: list[dict], pool: StepRunner) -> None:
        """A brief per story with a briefed member in this output folder."""
        entry_of = {e["article_id"]: e for e in entries if not e.get("duplicate_of")}
        pending = []
        for found in stories:
            sources = []
            for article_id in found["article_ids"]:
                entry = entry_of.get(article_id)
                if entry is not None:
                    sources.append(source_of(article_id, entry["brief"], entry["problem"]))
                elif (brief := _read_brief(self.output / article_id)) is not None:
                    sources.append(source_of(article_id, brief))
                # else: another output folder's article (they share the cache), or deleted
            if not any(s["briefed"] for s in sources):
                continue
            story_id = found["story_id"]
            if not self.run_ids.intersection(found["article_ids"]):
                pending.append((story_id, story_brief(found, sources)))
                continue
            self.touched.add(story_id)
            key = story_key(found, sources)
            step = story.with_options(
                task_run_name=f"story · {story_id}",
                cache_key_fn=_Known(key),
                result_storage=self.cache_dir,
                refresh_cache=self.refresh,
            )
            # Linked to the grouping that made the story and the summaries it is made of.
            summarised = {
                TaskRunResult(id=self.jobs[i].task_runs["summarise"])
                for i in found["article_ids"]
                if i in self.jobs and "summarise" in self.jobs[i].task_runs
            }
            links = {"story": {TaskRunResult(id=self.group_run)}, "sources": summarised}
            parameters = {"story": found, "sources": sources}
            pending.append((story_id, pool.submit(step, parameters, links, lane="light")))
        for story_id, made in pending:
            if isinstance(made, dict):
                self.briefs.append(made)
                continue
            made.wait()
            if made.state.is_failed():
                error = made.state.result(raise_on_failure=False)
                self.logger.error("%s: story brief failed (%s)", story_id, error)
                continue
            self.states[story_id] = "cached" if made.state.name == "Cached" else "done"
            self.briefs.append(made.result())

    def keep_records(self, previous: dict[str, dict]) -> None:
        """Each story's record across runs: when it was first published, when it last gained
        an article (its feed entry's `updated`), and the ids of stories merged into it."""
        stamp = self.now.isoformat(timespec="seconds")
        by_id = {b["story_id"]: b for b in self.briefs}
        for brief in self.briefs:
            before = previous.get(brief["story_id"], {})
            members = {s["article_id"] for s in brief["sources"]}
            had = {s.get("article_id") for s in before.get("sources", [])}
            brief["first_seen"] = before.get("first_seen") or stamp
            brief["changed"] = stamp if before and members - had else before.get("changed")
            brief["aliases"] = list(before.get("aliases", []))
        store = None  # opened only for a story gone from the page (rare): opening may wait
        for old_id, before in previous.items():
            if old_id in by_id:
                continue
            store = store or StoryStore(self.store_path)
            survivor = by_id.get(store.resolve(old_id) or "")
            if survivor is not None:  # merged: old links to it still land on the story
                merged = {*survivor["aliases"], old_id, *before.get("aliases", [])}
                survivor["aliases"] = sorted(merged)
                survivor["changed"] = stamp

    def write(self, base_url: str) -> None:
        """index.html, feed.xml and stories.json, each written atomically."""
        now = self.now
        write_json(
            self.output / INDEX_NAME,
            {"version": INDEX_VERSION, "generated": now.isoformat(), "stories": self.briefs},
        )
        write_atomic(self.output / "index.html", render_index(self.briefs, now))
        feed = atom_feed(self.briefs, Links(self.output, base_url), now)
        write_atomic(self.output / "feed.xml", feed)


@contextmanager
def _one_run_at_a_time(folder: Path, logger, seconds: float = 120.0) -> Iterator[None]:
    """Two runs at once take turns from grouping to the last file written, so the one that
    writes last has seen the other's articles (the store alone keeps itself consistent, not
    the pages). A run that holds the lock longer than `seconds` is not waited for."""
    with open(folder / ".stories.lock", "a") as handle:
        deadline = time.monotonic() + seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    logger.warning("stories: another run holds %s; going ahead", handle.name)
                    break
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_stories(
    jobs: list[ArticleJob],
    entries: list[dict],
    pool: StepRunner,
    config: Settings,
    logger,
) -> StoryRun | None:
    """Group and brief the stories (Prefect tasks), then write index.html, feed.xml and
    stories.json; None when the store could not be used."""
    output = Path(config.output)
    run = StoryRun(output, config.cache_folder(), config.refresh, logger)
    with _one_run_at_a_time(output, logger):
        stories = run.group(jobs, pool)
        if stories is None:
            return None
        run.brief(stories, entries, pool)
        run.keep_records(read_index(output))
        try:
            run.write(config.base_url)
        except OSError as error:
            raise OutputError(explain_write_error(output / "index.html", error)) from error
    logger.info(
        "stories: %d in this output folder, %d with an article of this run (%d briefed again)",
        len(run.briefs), len(run.touched), sum(s == "done" for s in run.states.values()),
    )  # fmt: skip
    return run
