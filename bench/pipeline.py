"""The whole flow on many articles: its overhead over direct calls, how soon briefs
appear, and the thread runner against Dask workers.

    python bench/pipeline.py [--work DIR] [--sizes 1 10 40] [--translation-tokens 40]
                             [--summary-tokens 60] [--only LABEL]

Feeds N articles (the five seeds, each copy with its own title, so every one is new to the
cache) through `briefing` against a running Prefect server started here, with random-weight
models of the real architectures: opus-mt-id-en's MarianMT and distilbart-cnn-12-6's BART,
built by bench/translate.py and bench/summarise.py. Output lengths are fixed by the models
themselves (a minimum length in generation_config.json, then a large end-of-text bias), so
each configuration does the same work. Random weights trip the translation guards, which a
real model does not, so they are off (KABAR_GUARDS=off).

Each configuration runs in a fresh process with a cold step cache (the CTranslate2
conversions are made once beforehand and shared), then runs again on the warm cache. Peak
memory is the largest sum of resident memory over the process and all its children (Dask's
scheduler, nannies and workers), sampled every 0.2 s.

The first row calls the flow's step functions on the same articles with the same models and
settings one after another in one process (no Prefect, no cache, no files; model loading
counted): the flow's throughput is reported as a ratio of it. *First brief* and *median
brief* are seconds from the start of the run (model loading included) to the brief's file.
A size of 1 runs the thread runner only: the flow on one article alone, the yardstick for
the first brief of a larger run. Prints a Markdown table and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

from common import peak_memory_mb  # noqa: E402
from loopback import start_prefect_server  # noqa: E402

# (label, runner, backend, local Dask workers, model threads per process).
# Runner "direct": the same steps called one after another in one process, no Prefect.
DIRECT = "direct calls (no Prefect), ctranslate2"
CONFIGS = [
    (DIRECT, "direct", "ctranslate2", None, None),
    ("thread runner, ctranslate2", "thread", "ctranslate2", None, None),
    ("dask 1 worker x 1 thread, ctranslate2", "dask", "ctranslate2", 1, 1),
    ("dask 2 workers x 1 thread, ctranslate2", "dask", "ctranslate2", 2, 1),
    ("thread runner, transformers", "thread", "transformers", None, None),
]


# --- models of the real architectures, with fixed output lengths -----------------------


def fixed_length_copy(source: Path, target: Path, tokens: int, model_class: str) -> Path:
    """`source` made to write exactly `tokens` tokens: end of text is barred until then
    (min_length), and a +50 bias makes it the first choice from then on."""
    # (A model's saved bias, and its generation config, are read by both backends.)
    if (target / "config.json").is_file():
        return target
    import transformers

    cls = getattr(transformers, model_class)
    model = cls.from_pretrained(source)
    tokenizer = transformers.AutoTokenizer.from_pretrained(source)
    # The vocabularies are padded to the real size with fillers no text contains; barred, so
    # that outputs are text whose length in the next model's tokens is like real English.
    fillers = [i for token, i in tokenizer.get_vocab().items() if token.startswith("<unused")]
    model.final_logits_bias[0, fillers] = -50.0
    eos = model.config.eos_token_id
    model.final_logits_bias[0, eos] = 50.0
    model.generation_config.min_length = tokens
    model.generation_config.max_length = max(tokens + 8, model.generation_config.max_length or 0)
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


def build_models(work: Path, translation_tokens: int, summary_tokens: int) -> dict:
    import summarise as summarise_bench
    import translate as translate_bench

    marian = fixed_length_copy(
        translate_bench.build_model(work),
        work / f"marian-fixed-{translation_tokens}",
        translation_tokens,
        "MarianMTModel",
    )
    bart = fixed_length_copy(
        summarise_bench.build_model(work),
        work / f"distilbart-fixed-{summary_tokens}",
        summary_tokens,
        "BartForConditionalGeneration",
    )
    return {"translator": marian, "summariser": bart}


def convert_once(models: dict, engines: Path) -> None:
    """Both CTranslate2 conversions, made before any timing and shared by every run."""
    from kabar.tasks import models as kabar_models

    for role, kind in (("translator", "marian"), ("summariser", "seq2seq")):
        ref = kabar_models.resolve(str(models[role]))
        kabar_models.engine(ref, kind, "ctranslate2", engines)


# --- articles ------------------------------------------------------------------------


def make_inbox(folder: Path, count: int) -> Path:
    """`count` article pages: seed i % 5 with a title of its own, so each is a new article."""
    if folder.is_dir() and len(list(folder.glob("*.txt"))) == count:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    from kabar.tasks.clean import clean_text

    for number in range(count):
        text = seeds[number % len(seeds)].read_text(encoding="utf-8")
        title = clean_text(text).title
        varied = text.replace(title, f"{title} (laporan {number + 1})", 1) if title else text
        (folder / f"article-{number:03d}.txt").write_text(varied, encoding="utf-8")
    os.utime(folder)
    return folder


# --- one configuration, in its own process ----------------------------------------------


class TreeMemory:
    """The peak of (this process + every descendant)'s resident memory, sampled."""

    def __init__(self, every: float = 0.2) -> None:
        import psutil

        self.me = psutil.Process()
        self.every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for process in [self.me, *self.me.children(recursive=True)]:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def brief_times(output: Path, started: float) -> list[float]:
    """Seconds from `started` (wall clock) to each brief's file, in order."""
    return sorted(path.stat().st_mtime - started for path in output.glob("*/brief.json"))


def run_config(args) -> dict:
    from kabar.flows.briefing import briefing

    options = {
        "inbox": str(args.inbox),
        "output": str(args.output),
        "translator": str(args.translator),
        "summariser": str(args.summariser),
        "backend": args.backend,
        "runner": args.runner,
        "workers": args.workers or 0,
    }
    with TreeMemory() as memory:
        wall_start, started = time.time(), time.perf_counter()
        state = briefing(**options, return_state=True)
        cold_seconds = time.perf_counter() - started
        cold = state.result()
        briefs = brief_times(Path(args.output), wall_start)
        started = time.perf_counter()
        warm = briefing(**options)
        warm_seconds = time.perf_counter() - started
    for report, expected in ((cold, "done"), (warm, "cached")):
        states = {e["steps"]["summarise"] for e in report["articles"]}
        assert states == {expected}, states
    return {
        "articles": len(cold["articles"]),
        "seconds": round(cold_seconds, 1),
        "first_brief": round(briefs[0], 1),
        "median_brief": round(briefs[len(briefs) // 2], 1),
        "warm_seconds": round(warm_seconds, 1),
        "peak_mb": round(memory.peak / 2**20),
        "time_went": where_time_went(state.state_details.flow_run_id, wall_start, cold_seconds),
    }


def where_time_went(flow_run_id, wall_start: float, seconds: float) -> dict:
    """The run's wall time in parts, from its task runs' times on the Prefect server:
    before the first step starts, model steps at work, the model lane idle between them
    (bookkeeping, and cleaning while no article is ready for the model), and after the
    last step."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
    timed = sorted((r for r in runs if r.start_time and r.end_time), key=lambda r: r.start_time)
    model = [r for r in timed if not r.name.startswith("clean")]
    busy = sum((r.end_time - r.start_time).total_seconds() for r in model)
    first = timed[0].start_time.timestamp() - wall_start
    last = max(r.end_time.timestamp() for r in timed) - wall_start
    return {
        "before_first_step": round(first, 2),
        "model_steps": round(busy, 2),
        "model_lane_idle": round(last - first - busy, 2),
        "after_last_step": round(seconds - last, 2),
    }


def run_direct(args) -> dict:
    """The flow's steps on the same articles with the same models and settings, called one
    after another in this process: no Prefect, no step cache, no files written. Model
    loading is counted, as in the flow. The yardstick for the flow's overhead."""
    from dataclasses import asdict

    from kabar.flows import steps
    from kabar.tasks import models, settings
    from kabar.tasks.ingest import find_articles, read_article
    from kabar.tasks.summarise import SummarySettings
    from kabar.tasks.translate import TranslationSettings

    started = time.perf_counter()
    config = settings.resolve(
        inbox=str(args.inbox), translator=str(args.translator),
        summariser=str(args.summariser), backend=args.backend,
    )  # fmt: skip
    cache_dir = str(config.cache_folder())
    translator = asdict(models.resolve(config.translator))
    summariser = asdict(models.resolve(config.summariser))
    translation_settings = TranslationSettings(backend=config.backend, guards=config.guards)
    summary_settings = SummarySettings(
        backend=config.backend, max_words=config.max_words, unfaithful=config.unfaithful
    )
    briefs = []
    for path in find_articles(Path(config.inbox), config.patterns):
        article = steps.clean_step(read_article(path, config.max_bytes).text)
        translation = steps.translate_step(
            article, translator, translation_settings.to_dict(), cache_dir
        )
        meta = {"title": translation["title"], "date": article["published"],
                "outlet": article["outlet"]}  # fmt: skip
        steps.summarise_step(translation, summariser, summary_settings.to_dict(), cache_dir, meta)
        briefs.append(time.perf_counter() - started)
    return {
        "articles": len(briefs),
        "seconds": round(briefs[-1], 1),
        "first_brief": round(briefs[0], 1),
        "median_brief": round(briefs[len(briefs) // 2], 1),
        "warm_seconds": None,
        "peak_mb": peak_memory_mb(),
    }


def run_in_process(label, runner, backend, workers, threads, inbox, models, args, api) -> dict:
    cache = Path(tempfile.mkdtemp(prefix="cache-", dir=args.work))
    (cache / "ctranslate2").symlink_to(args.work / "engines" / "ctranslate2")
    env = {
        **os.environ,
        "PREFECT_API_URL": api,
        "KABAR_CACHE_DIR": str(cache),
        "KABAR_GUARDS": "off",
        "KABAR_SETTLE_SECONDS": "0",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    if threads:
        env["KABAR_THREADS"] = str(threads)
    command = [
        sys.executable, __file__, "--worker", "--runner", runner, "--backend", backend,
        "--inbox", str(inbox), "--output", str(cache / "out"),
        "--translator", str(models["translator"]), "--summariser", str(models["summariser"]),
        "--work", str(args.work),
    ] + (["--workers", str(workers)] if workers else [])  # fmt: skip
    try:
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        print(error.stderr[-3000:], file=sys.stderr)
        raise
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    row = json.loads(done.stdout.strip().splitlines()[-1])
    row["label"] = label
    row["per_minute"] = round(row["articles"] / row["seconds"] * 60, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 40])
    parser.add_argument("--translation-tokens", type=int, default=40)
    parser.add_argument("--summary-tokens", type=int, default=60)
    parser.add_argument(
        "--only", nargs="+", help="run only the configurations whose label has one of these"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    for hidden in ("--runner", "--backend", "--inbox", "--output", "--translator",
                   "--summariser"):  # fmt: skip
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work = args.work.resolve()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.worker:
        print(json.dumps(run_direct(args) if args.runner == "direct" else run_config(args)))
        return

    models = build_models(args.work, args.translation_tokens, args.summary_tokens)
    convert_once(models, args.work / "engines")
    server, api = start_prefect_server(
        Path(tempfile.mkdtemp(prefix="prefect-home-", dir=args.work)),
        {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"},
    )
    rows = []
    try:
        for size in args.sizes:
            inbox = make_inbox(args.work / f"inbox-{size}", size)
            for label, runner, backend, workers, threads in CONFIGS:
                if args.only and not any(part in label for part in args.only):
                    continue
                if size == 1 and label != CONFIGS[1][0]:
                    continue  # one article: the flow alone is the yardstick
                row = run_in_process(
                    label, runner, backend, workers, threads, inbox, models, args, api
                )
                rows.append(row)
                print(f"  {size} articles, {label}: {row['seconds']} s", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(
        f"Machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores; "
        f"translations {args.translation_tokens} tokens a sentence, summaries "
        f"{args.summary_tokens} tokens; cold cache, then a warm re-run\n"
    )
    print("| articles | configuration | seconds | articles / min | s / article | first brief (s) "
          "| median brief (s) | warm re-run (s) | peak memory (MB) |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        per_article = r["seconds"] / r["articles"]
        warm = "-" if r["warm_seconds"] is None else r["warm_seconds"]
        print(f"| {r['articles']} | {r['label']} | {r['seconds']} | {r['per_minute']} | "
              f"{per_article:.2f} | {r['first_brief']} | {r['median_brief']} | {warm} | "
              f"{r['peak_mb']} |")  # fmt: skip
    print()
    for line in summary_lines(rows, args.sizes):
        print(line)
    print("\nWhere each flow run's time went (s):\n")
    for r in rows:
        if r.get("time_went"):
            parts = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r["time_went"].items())
            print(f"- {r['articles']} articles, {r['label']}: {parts}")


def summary_lines(rows: list[dict], sizes: list[int]) -> list[str]:
    """The ratios the issues set targets for."""
    by = {(r["articles"], r["label"]): r for r in rows}
    flow, one, two = CONFIGS[1][0], CONFIGS[2][0], CONFIGS[3][0]
    lines = []
    for size in sizes:
        if (size, DIRECT) in by and (size, flow) in by:
            ratio = by[size, DIRECT]["seconds"] / by[size, flow]["seconds"]
            lines.append(f"- {size} articles: the flow's throughput is {ratio:.2f}x direct calls.")
        if (size, one) in by and (size, two) in by:
            ratio = by[size, one]["seconds"] / by[size, two]["seconds"]
            lines.append(f"- {size} articles: 2 Dask workers = {ratio:.2f}x 1 worker of 1 thread.")
    alone = by.get((1, flow))
    for size in sizes:
        if alone and size > 1 and (size, flow) in by:
            first = by[size, flow]["first_brief"]
            lines.append(
                f"- {size} articles: first brief after {first} s = "
                f"{first / alone['seconds']:.2f}x the flow on one article alone "
                f"({alone['seconds']} s)."
            )
    return lines


if __name__ == "__main__":
    main()
