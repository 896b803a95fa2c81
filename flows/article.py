"""One article's way through the steps: which step comes next, and what came of each.

The flow hands the next step of each article to a task runner and gives the finished
state back here, so an article's logic reads top to bottom whatever runs the steps
(threads here, or Dask workers elsewhere). A failed step ends that article only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect.states import State

from kabar.tasks import models
from kabar.tasks.brief import (
    brief_markdown,
    compose_brief,
    describe_translation_flag,
    translation_markdown,
)
from kabar.tasks.ingest import SourceFile
from kabar.tasks.publish import explain_write_error, publish_article
from kabar.tasks.summarise import LEAD

STEPS = ("clean", "translate", "summarise")


@dataclass(frozen=True)
class RunSettings:
    """What every article of a run shares."""

    output: Path
    translator: dict
    summariser: dict | None
    translation_settings: dict
    summary_settings: dict
    cache_dir: str
    max_article_words: int = 20_000


def new_entry(source: SourceFile) -> dict:
    """The article's line in the run report and the digest."""
    return {
        "article_id": source.article_id,
        "source_file": source.path,
        "steps": dict.fromkeys(STEPS, "-"),
        "brief": None,
        "problem": None,
        "new": False,
        "also_as": [],  # other inbox files with the same content
        "duplicate_of": None,
    }


def _outcome(state: State) -> str:
    return "cached" if state.name == "Cached" else "done"


def _failure(state: State) -> str:
    error = state.result(raise_on_failure=False)
    if isinstance(error, models.ModelUnavailable):
        raise error  # a set-up problem: every article would fail the same way
    reason = str(error) if isinstance(error, BaseException) else (state.message or state.name)
    return f"failed: {reason.splitlines()[0] if reason else type(error).__name__}"


class ArticleJob:
    def __init__(self, source: SourceFile, run: RunSettings, logger) -> None:
        self.source = source
        self.run = run
        self.logger = logger
        self.entry = new_entry(source)
        self.article: dict | None = None
        self.translation: dict | None = None
        self.summary: dict | None = None
        self.meta: dict | None = None
        self.cache_keys: dict[str, str] = {}  # step -> the cache key it ran under
        self.task_runs: dict = {}  # step -> its task run's id: later steps link to it

    @property
    def article_id(self) -> str:
        return self.source.article_id

    def _stop(self, step: str, problem: str) -> None:
        self.entry["steps"][step] = self.entry["problem"] = problem

    def first_step(self) -> tuple[str, dict] | None:
        """(step, parameters) to run first, or None when the file could not be read."""
        if self.source.text is None:
            self._stop("clean", f"skipped: {self.source.problem}")
            return None
        return "clean", {"text": self.source.text}

    def record(self, step: str, state: State) -> tuple[str, dict] | None:
        """Take the finished state of `step`; (next step, its parameters), or None when done."""
        self.task_runs[step] = state.state_details.task_run_id
        if state.is_failed():
            self._stop(step, _failure(state))
            return None
        self.entry["steps"][step] = _outcome(state)
        return getattr(self, f"_after_{step}")(state.result())

    def _after_clean(self, article: dict) -> tuple[str, dict] | None:
        self.article = article
        self.logger.info(
            "%s: kept %d paragraphs, removed %d page lines; title %r",
            self.article_id, len(article["body"]), article["removed_lines"], article["title"],
        )  # fmt: skip
        if not article["body"]:
            self._stop("clean", "skipped: no article text")
            return None
        words = sum(len(paragraph.split()) for paragraph in article["body"])
        if words > self.run.max_article_words:
            limit = self.run.max_article_words
            self._stop("translate", f"skipped: too long ({words} words; the limit is {limit})")
            return None
        return "translate", {
            "article": article,
            "translator": self.run.translator,
            "settings": self.run.translation_settings,
            "cache_dir": self.run.cache_dir,
        }

    def _after_translate(self, translation: dict) -> tuple[str, dict]:
        self.translation = translation
        if translation["already_english"]:
            self.entry["steps"]["translate"] = "skipped: already in English"
        self.logger.info(
            "%s: %d sentences translated, %d flagged",
            self.article_id, len(translation["sentences"]), len(translation["flags"]),
        )  # fmt: skip
        for flag in translation["flags"]:
            self.logger.warning("%s: %s", self.article_id, describe_translation_flag(flag))
        self.meta = {
            "title": translation["title"] or self.article["title"],
            "date": self.article["published"],
            "outlet": self.article["outlet"],
        }
        return "summarise", {
            "translation": translation,
            "summariser": self.run.summariser,
            "settings": self.run.summary_settings,
            "cache_dir": self.run.cache_dir,
            "meta": self.meta,
        }

    def _after_summarise(self, summary: dict) -> None:
        self.summary = summary
        self.entry["new"] = self.entry["steps"]["summarise"] == "done"

    def brief_extras(self) -> dict:
        """What a kind of article adds to its brief (a fetched one: its links)."""
        return {}

    def publish(self) -> None:
        """Write the article's files, once every step has succeeded."""
        if self.summary is None:
            return
        run = self.run
        credits = {"translator": run.translator, "summariser": run.summariser or {"name": LEAD}}
        brief = compose_brief(
            self.article_id,
            self.source.path,
            self.article,
            self.translation,
            self.summary,
            {role: {"name": m["name"], "fingerprint": m.get("fingerprint", "-")}
             for role, m in credits.items()},
        )  # fmt: skip
        brief.update(self.brief_extras())
        folder = run.output / self.article_id
        try:
            publish_article(
                folder,
                {
                    "steps.json": {
                        "source_file": self.source.path,
                        "steps": self.entry["steps"],
                        # The cache entries this brief came from: `kabar prune` keeps them.
                        "cache_keys": [self.cache_keys[step] for step in STEPS],
                    },
                    "article.json": self.article,
                    "translation.json": self.translation,
                    "translation.md": translation_markdown(self.article, self.translation),
                    "brief.json": brief,
                    "brief.md": brief_markdown(brief),
                },
            )  # each write atomic: a crash leaves old or new files, never half
        except OSError as error:
            self._stop("publish", "failed: " + explain_write_error(folder, error))
            return
        self.entry["brief"] = brief
        self.entry["brief_path"] = str(folder / "brief.md")
