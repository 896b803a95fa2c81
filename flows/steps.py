"""Thin Prefect tasks around the pure steps in `tasks/`, each cached across runs.

A step's cache key is what decides its output: its input, the model's
fingerprint, its settings and an explicit version of its logic. (Prefect's
TASK_SOURCE would hash only these few lines, not the helpers doing the work.)
Results are JSON files in the cache folder, never pickle.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from prefect import Task, task

from tasks import models
from tasks.clean import CLEAN_VERSION, clean_text
from tasks.summarise import (
    SUMMARISE_VERSION,
    Seq2SeqSummariser,
    SummarySettings,
    summarise_article,
)
from tasks.translate import (
    TRANSLATE_VERSION,
    BatchTranslator,
    TranslationSettings,
    translate_article,
)


def step_key(step: str, version: str, *parts: object) -> str:
    blob = json.dumps([version, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return f"{step}-{hashlib.sha256(blob.encode()).hexdigest()[:40]}"


def _model_identity(model: dict | None) -> str:
    return "lead" if model is None else model["fingerprint"]


@task(
    name="clean",
    cache_key_fn=lambda _, p: step_key("clean", CLEAN_VERSION, p["text"]),
    persist_result=True,
    result_serializer="json",
)
def clean(text: str) -> dict:
    return clean_text(text).to_dict()


@task(
    name="translate",
    cache_key_fn=lambda _, p: step_key(
        "translate",
        TRANSLATE_VERSION,
        p["article"],
        _model_identity(p["translator"]),
        p["settings"],
    ),
    persist_result=True,
    result_serializer="json",
)
def translate(article: dict, translator: dict, settings: dict, cache_dir: str) -> dict:
    options = TranslationSettings(**settings)
    engine = models.engine(models.ModelRef(**translator), "marian", options.backend, cache_dir)
    return translate_article(article, BatchTranslator(engine, options))


@task(
    name="summarise",
    cache_key_fn=lambda _, p: step_key(
        "summarise",
        SUMMARISE_VERSION,
        p["translation"],
        _model_identity(p["summariser"]),
        p["settings"],
    ),
    persist_result=True,
    result_serializer="json",
)
def summarise(translation: dict, summariser: dict | None, settings: dict, cache_dir: str) -> dict:
    options = SummarySettings(**settings)
    engine = None
    if summariser is not None:
        ref = models.ModelRef(**summariser)
        model = models.engine(ref, "seq2seq", options.backend, cache_dir)
        engine = Seq2SeqSummariser(model, options, models.input_cap(ref))
    return summarise_article(translation, engine, options)


def configured(step: Task, cache_dir: Path, refresh: bool) -> Task:
    """The step with its results stored in `cache_dir`; `refresh` recomputes and overwrites."""
    return step.with_options(result_storage=cache_dir, refresh_cache=refresh)
