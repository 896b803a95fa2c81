"""The step cache: one key per step result, one file per key.

A key is what decides a step's output: its input, the model's fingerprint, its settings
and an explicit version of its logic. Prefect stores the result of a task run whose
cache key is K as the JSON file K in the cache folder; `entry` is the one place that
knows it, for the flow (is a step cached?) and `kabar prune` (which files are entries).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path


def step_key(step: str, version: str, *parts: object) -> str:
    """`step-<hash>` of the step's logic version and everything else that decides its output."""
    blob = json.dumps([version, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return f"{step}-{hashlib.sha256(blob.encode()).hexdigest()[:40]}"


def entry(cache_dir: Path, key: str) -> Path:
    """The file that holds the result stored under `key`."""
    return cache_dir / key


# What step_key makes: the only files in the cache folder that are step results. The stores
# beside them (seen.sqlite, stories.sqlite, their journals) and sub-folders (converted
# models) are not entries, and `kabar prune` must never delete them.
_ENTRY_NAME = re.compile(r"[a-z]+-[0-9a-f]{40}")


def entries(cache_dir: Path) -> Iterator[Path]:
    """Every stored result."""
    return (
        path
        for path in sorted(cache_dir.glob("*"))
        if _ENTRY_NAME.fullmatch(path.name) and path.is_file()
    )
