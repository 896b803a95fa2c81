"""Articles from the web: poll each source, then one job per new article page.

Each source is polled by a `poll · <source>` task; every link it lists is recorded in the
seen-store (tasks/seen.py), and each link not briefed yet becomes an article job whose
first step, `fetch · <article id>`, hangs from that poll in Prefect's graph and whose
clean step hangs from the fetch. A page recorded as fetched is never requested again: its
text comes from the step cache, so a run killed midway is finished by the next one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from itertools import chain, zip_longest
from pathlib import Path

from prefect.states import State

from kabar.flows import steps
from kabar.flows.article import ArticleJob, RunSettings
from kabar.flows.runners import StepRunner
from kabar.tasks import cache
from kabar.tasks.brief import brief_markdown
from kabar.tasks.fetch import source_report
from kabar.tasks.pages import own_site_name
from kabar.tasks.publish import write_atomic, write_json
from kabar.tasks.seen import Page, SeenStore
from kabar.tasks.sources import Source, article_id_for, canonical_url, host_name
from kabar.tasks.web import FetchError


@dataclass(frozen=True)
class WebSource:
    """An article page as the run's report and files name it (like an inbox file)."""

    article_id: str
    path: str  # the link: what the report shows where a file's path would be
    text: None = None
    problem: None = None
    content_hash: str = ""


def poll_sources(
    sources: list[Source], pool: StepRunner, cache_dir: Path, logger
) -> list[tuple[Source, dict, object]]:
    """Every source polled at once (each host at its own pace): (source, report, future)."""
    futures = []
    for source in sources:
        task = steps.poll.with_options(task_run_name=f"poll · {source.name}")
        parameters = {"source": asdict(source), "cache_dir": str(cache_dir)}
        futures.append((source, pool.submit(task, parameters, {}, lane="web")))
    polled = []
    for source, future in futures:
        future.wait()
        state = future.state
        if state.is_failed():
            error = state.result(raise_on_failure=False)
            report = source_report(source, "failed", f"poll failed: {error}")
        else:
            report = state.result()
        level = logger.warning if report["state"] == "failed" else logger.info
        level("source %s: %s (%s)", source.name, report["state"], report["message"])
        polled.append((source, report, future))
    return polled


def web_jobs(
    polled: list[tuple[Source, dict, object]], store: SeenStore, run: RunSettings, logger
) -> list[WebArticleJob]:
    """A job for every link of these sources not briefed yet, this run's and earlier runs'
    (a run that died leaves links queued or fetched), that no other live run is working on."""
    by_source = {}
    for source, report, future in polled:
        by_source[source.url] = (source, report, future)
        for item in report["items"]:
            link = item["url"]
            store.queue(canonical_url(link), link, source.url, article_id_for(link), item)
    for page in store.briefed():  # an output folder deleted, or a new one on the same cache
        stored = page.fetch_key and cache.entry(Path(run.cache_dir), page.fetch_key).is_file()
        if page.source in by_source and stored:
            if not (run.output / page.article_id / "brief.json").is_file():
                store.reopen(page.url)  # rebuilt from the stored page: no request
    jobs: dict[str, list[WebArticleJob]] = {}
    siblings: dict[str, WebArticleJob] = {}
    for page in store.unfinished():
        if page.source not in by_source:
            continue  # another sources file's link: that file's runs brief it
        if not store.claim(page.url):
            logger.info("%s: another run is working on it", page.article_id)
            continue
        source, report, future = by_source[page.source]
        # A name the sources file gives (not the default, the host) names the outlet when
        # the page does not.
        named = source.name if source.name != host_name(source.url) else None
        job = WebArticleJob(
            page, run, logger, store, future, report["allow_private"], siblings, named
        )
        siblings[job.article_id] = job
        jobs.setdefault(host_name(page.link), []).append(job)
    # Hosts taken in turn, so that one big source does not hold the others back.
    return [job for job in chain(*zip_longest(*jobs.values())) if job is not None]


class WebArticleJob(ArticleJob):
    """An article that starts as a link: fetch, then the steps of every article."""

    def __init__(
        self,
        page: Page,
        run: RunSettings,
        logger,
        store: SeenStore,
        upstream,
        allow_private: bool,
        siblings: dict[str, WebArticleJob],
        source_name: str | None = None,
    ) -> None:
        super().__init__(WebSource(page.article_id, page.url), run, logger)
        self.page, self.store, self.upstream = page, store, upstream
        self.allow_private = allow_private
        self.siblings = siblings  # this run's web jobs by article id: duplicates find theirs
        self.fetched: dict | None = None
        self.entry["steps"] = {"fetch": "-", **self.entry["steps"]}
        self.entry["url"] = page.url  # canonical: tracking parameters stripped
        self.fetch_error: BaseException | None = None
        self.source_name = source_name

    def first_step(self) -> tuple[str, dict]:
        # The canonical address: tracking parameters (utm_*, fbclid) are not sent on.
        return "fetch", {"link": self.page.url, "allow_private": self.allow_private}

    def record(self, step: str, state: State) -> tuple[str, dict] | None:
        if step == "fetch" and state.is_failed():
            self.fetch_error = error = state.result(raise_on_failure=False)
            if isinstance(error, FetchError) and error.refused:  # the site's wish, no fault
                self._stop("fetch", f"skipped: {error.reason}")
                return None
        return super().record(step, state)

    def _after_fetch(self, fetched: dict) -> tuple[str, dict] | None:
        self.fetched = fetched
        original = self.store.fetched(
            self.page.url, fetched["content_hash"], self.cache_keys["fetch"]
        )
        if original is None:
            return "clean", {"text": fetched["text"]}
        # The same text at another address: briefed once, with both links.
        self.entry["steps"]["clean"] = f"skipped: same text as {original}"
        self.entry["duplicate_of"] = original
        twin = self.siblings.get(original)
        if twin is not None:
            twin.entry["also_as"].append(self.page.url)
            if twin.entry["brief"]:
                twin.publish()  # already written: again, with this link too
        else:
            relink_published(self.run.output / original, self.store.links_of(original))
        return None

    def _after_clean(self, article: dict) -> tuple[str, dict] | None:
        """The page's and the feed's facts where the page text had none: the feed item's own
        title and date first (the outlet chose them), the page's metadata next."""
        page, item = self.fetched, self.page.item
        article["url"] = page["canonical_url"]  # tracking parameters stripped
        article["title"] = item.get("title") or article["title"] or page["title"]
        article["published"] = item.get("published") or page["published"] or article["published"]
        article["author"] = article["author"] or page["author"] or None
        # Then the name the sources file gives the source; the article's host is the last
        # resort. (Pages stored before 2026-12 may hold trafilatura's stand-in: judged again.)
        site_name = own_site_name(page["site_name"], page["url"], page["canonical_url"])
        article["outlet"] = (
            article["outlet"] or site_name or self.source_name or host_name(self.page.url)
        )
        return super()._after_clean(article)

    def brief_extras(self) -> dict:
        return {"links": self.store.links_of(self.article_id), "source_file": self.page.url}

    def finish(self) -> None:
        """Record what came of the link, and end this run's claim on it."""
        url, steps_done = self.page.url, self.entry["steps"]
        if self.entry["brief"]:
            self.store.finish(url, "briefed")
        elif self.entry["duplicate_of"]:
            self.store.finish(url, "duplicate", f"same text as {self.entry['duplicate_of']}")
        elif self.fetched is None:
            # Not fetched: a refusal or a missing page stays failed; what may pass (a timeout,
            # a busy server) is tried again by the next run.
            error = self.fetch_error
            again = error is None or (isinstance(error, FetchError) and error.transient)
            self.store.finish(url, "queued" if again else "failed", steps_done["fetch"])
        elif any(state.startswith("skipped") for state in steps_done.values()):
            self.store.finish(url, "failed", self.entry["problem"])  # no article: for good
        else:
            self.store.finish(url, "fetched")  # a later step failed: its text is cached


def relink_published(folder: Path, links: list[str]) -> None:
    """Add links to a brief written by an earlier run (an exact copy appeared elsewhere)."""
    path = folder / "brief.json"
    if not path.is_file():
        return
    brief = json.loads(path.read_text(encoding="utf-8"))
    if brief.get("links") == links:
        return
    brief["links"] = links
    write_json(path, brief)
    write_atomic(folder / "brief.md", brief_markdown(brief))
