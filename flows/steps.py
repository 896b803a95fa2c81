"""Thin Prefect tasks around the pure steps in `tasks/`, each cached across runs.

A step's cache key is what decides its output: its input, the model's
fingerprint, its settings and an explicit version of its logic (tasks/cache.py).
(Prefect's TASK_SOURCE would hash only these few lines, not the helpers doing the
work.) The flow computes each key once, before the step runs, and `for_article`
hands it to Prefect. Results are JSON files in the cache folder, never pickle.
"""

from __future__ import annotations

import threading
from pathlib import Path

from prefect import Task, task
from prefect.states import Failed
from prefect.tasks import exponential_backoff

from kabar.tasks import models
from kabar.tasks.cache import step_key
from kabar.tasks.clean import CLEAN_VERSION, clean_text
from kabar.tasks.fetch import FETCH_VERSION, fetch_page, poll_source
from kabar.tasks.seen import SeenStore
from kabar.tasks.sources import Source, canonical_url
from kabar.tasks.summarise import (
    SUMMARISE_VERSION,
    Seq2SeqSummariser,
    SummarySettings,
    render_prompt,
    summarise_article,
)
from kabar.tasks.translate import (
    TRANSLATE_VERSION,
    BatchTranslator,
    TranslationSettings,
    already_english,
    translate_article,
)
from kabar.tasks.web import FetchError

# One model-heavy step at a time per process: two generate() calls sharing two cores
# run slower together than one after the other, and need twice the memory.
_model_slot = threading.BoundedSemaphore(1)


def _transient(task, task_run, state) -> bool:
    """Retry what can pass (a file read, a busy disk or database), never a missing model."""
    error = state.result(raise_on_failure=False)
    return isinstance(error, (OSError, TimeoutError)) and not isinstance(
        error, (models.ModelUnavailable, FileNotFoundError, IsADirectoryError)
    )


RETRIES = {
    "retries": 2,
    "retry_delay_seconds": exponential_backoff(backoff_factor=2),
    "retry_condition_fn": _transient,
}


def _model_identity(model: dict | None) -> str:
    return "lead" if model is None else model["fingerprint"]


def fetch_key(link: str) -> str:
    """A page is fetched once: its key is its address, whatever the page says later."""
    return step_key("fetch", FETCH_VERSION, canonical_url(link))


def clean_key(text: str) -> str:
    return step_key("clean", CLEAN_VERSION, text)


def translate_key(article: dict, translator: dict, settings: dict) -> str:
    return step_key("translate", TRANSLATE_VERSION, article, _model_identity(translator), settings)


def summarise_key(translation: dict, summariser: dict | None, settings: dict, meta: dict) -> str:
    return step_key(
        "summarise", SUMMARISE_VERSION, translation, _model_identity(summariser), settings, meta
    )


def cache_key(step: str, parameters: dict) -> str:
    """The cache key of `step` run with `parameters`."""
    if step == "fetch":
        return fetch_key(parameters["link"])
    if step == "clean":
        return clean_key(parameters["text"])
    if step == "translate":
        return translate_key(
            parameters["article"], parameters["translator"], parameters["settings"]
        )
    return summarise_key(
        parameters["translation"], parameters["summariser"], parameters["settings"],
        parameters["meta"],
    )  # fmt: skip


# The plain functions are module attributes of their own, so that Dask workers import
# them by name instead of receiving a pickled copy (the task objects hold their names).


def poll_step(source: dict, cache_dir: str) -> dict:
    """A source's items for this run (tasks/fetch.poll_source); `source` as a dict of Source."""
    return poll_source(Source(**source), web_client(), SeenStore(Path(cache_dir)))


def fetch_step(link: str, allow_private: bool):
    """The page at `link`, or a Failed state saying why: a missing page or a refusal is an
    expected answer from a server, reported in one line, not a traceback."""
    try:
        return fetch_page(link, allow_private, web_client())
    except FetchError as error:
        return Failed(message=error.reason, data=error)


_client = None


def use_web_client(client) -> None:
    """The run's PoliteClient: one per run, so that per-host limits hold across its tasks."""
    global _client
    _client = client


def web_client():
    if _client is None:
        raise RuntimeError("no web client: the flow sets one before fetching")
    return _client


def clean_step(text: str) -> dict:
    return clean_text(text).to_dict()


def translate_step(article: dict, translator: dict, settings: dict, cache_dir: str) -> dict:
    options = TranslationSettings(**settings)
    if already_english(article):
        return translate_article(article, None)  # no model needed, none loaded
    with _model_slot:
        engine = models.engine(models.ModelRef(**translator), "marian", options.backend, cache_dir)
        return translate_article(article, BatchTranslator(engine, options))


def summarise_step(
    translation: dict, summariser: dict | None, settings: dict, cache_dir: str, meta: dict
) -> dict:
    """`meta` (title, date, outlet) fills the prompt of instruction-following models."""
    options = SummarySettings(**settings)
    if summariser is None:
        return summarise_article(translation, None, options)
    ref = models.ModelRef(**summariser)
    kind = models.summariser_kind(ref)
    cap = models.input_cap(ref)
    if kind == "chat":  # the prompt and the answer share one context window
        cap -= options.max_new_tokens
    prompt = "" if kind == "summarisation" else render_prompt(options.prompt_template, meta)
    with _model_slot:
        model = models.engine(ref, "causal" if kind == "chat" else "seq2seq", options.backend,
                              cache_dir)  # fmt: skip
        engine = Seq2SeqSummariser(model, options, cap, prompt)
        return summarise_article(translation, engine, options)


# No timeout_seconds: steps run in worker threads (either runner), where a timeout cannot
# interrupt generate() and only fails a step after it has finished its work.
STORED = {"persist_result": True, "result_serializer": "json", **RETRIES}

clean = task(clean_step, name="clean", **STORED)
translate = task(translate_step, name="translate", **STORED)
summarise = task(summarise_step, name="summarise", **STORED)
STEP_TASKS = {"clean": clean, "translate": translate, "summarise": summarise}
# The web steps: a source's poll is not cached (it asks what is new); a fetched page is, under
# its address, so that a page recorded as fetched is never requested again. The client retries
# what may pass; Prefect does not retry on top of it.
poll = task(poll_step, name="poll")
fetch = task(fetch_step, name="fetch", persist_result=True, result_serializer="json")
# The parameter of each step that carries the previous step's result (or the page text).
INPUT_OF = {"fetch": "link", "clean": "text", "translate": "article", "summarise": "translation"}


def for_article(step: str, article_id: str, key: str, cache_dir: Path, refresh: bool) -> Task:
    """The step's task for one article: its runs named by step and article in the UI, its
    result stored under `key` in `cache_dir`; `refresh` recomputes and overwrites."""
    return (fetch if step == "fetch" else STEP_TASKS[step]).with_options(
        task_run_name=f"{step} · {article_id}",
        cache_key_fn=_Known(key),
        result_storage=cache_dir,
        refresh_cache=refresh and step != "fetch",  # a fetched page is never fetched again
    )


class _Known:
    """A cache_key_fn that returns the key the flow computed (picklable, for Dask)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, context, parameters) -> str:
        return self.key
