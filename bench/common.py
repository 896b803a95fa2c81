"""What the benchmark scripts share: their options, random-weight models of the real
architectures, each configuration in a fresh process, the Markdown table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def peak_memory_mb() -> int:
    """This process's peak resident memory. (getrusage's ru_maxrss would not do: on Linux it
    carries the parent's peak over fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# --- options ----------------------------------------------------------------------------


def arguments(doc: str, **sizes: int) -> argparse.Namespace:
    """The options every benchmark takes (--work, --repeats, and the hidden --worker and
    --beams a configuration's own process is started with), with the script's sizes between
    them: `output_tokens=40` is `--output-tokens`, default 40. --work is made."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    for name, default in sizes.items():
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--beams", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    return args


# --- models of the real architectures -----------------------------------------------------


def pad_vocab(vocab: dict[str, int], size: int) -> dict[str, int]:
    """`vocab` filled up to `size` entries with tokens no text produces (`<unusedN>`), so the
    embeddings have the real model's size."""
    for i in range(len(vocab), size):
        vocab[f"<unused{i}>"] = i
    return vocab


def save_random_model(target: Path, model_class: Any, config: Any) -> Path:
    """A `model_class` of `config`'s architecture with random weights (seed 0), saved."""
    import torch

    torch.manual_seed(0)
    model_class(config).save_pretrained(target)
    return target


def convert_once(model: Path, kind: str, cache: Path) -> None:
    """The model's CTranslate2 conversion into `cache`, made up front (in a process of its
    own) so that no configuration's time or memory includes it."""
    script = (
        "import sys; from kabar.tasks import models; "
        "models.engine(models.resolve(sys.argv[1]), sys.argv[2], 'ctranslate2', sys.argv[3])"
    )
    subprocess.run([sys.executable, "-c", script, str(model), kind, str(cache)], check=True)


# --- running ------------------------------------------------------------------------------


def best_time(job: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """The shortest wall time of `repeats` runs of `job` (warm it up first), and what the
    last run returned."""
    best = float("inf")
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = job()
        best = min(best, time.perf_counter() - started)
    return best, result


def in_fresh_process(script: str, worker: str, beams: int, args: argparse.Namespace) -> dict:
    """One configuration run by `script --worker WORKER --beams BEAMS` with this run's other
    options, in a process of its own so that its peak memory is its own: the row it prints
    last, as JSON."""
    command = [sys.executable, script, "--worker", worker, "--beams", str(beams)]
    for name, value in vars(args).items():
        if name not in ("worker", "beams"):
            command += ["--" + name.replace("_", "-"), str(value)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the report ---------------------------------------------------------------------------


def machine() -> str:
    """'Machine: x86_64, 16 cores', the start of a report's first line."""
    return f"Machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores"


def print_table(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """A Markdown table on stdout."""
    header = list(header)
    print("| " + " | ".join(header) + " |")
    print("| " + " | ".join("---" for _ in header) + " |")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
