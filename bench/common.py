"""Helpers the benchmark scripts share."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_memory_mb() -> int:
    """This process's peak resident memory. (getrusage's ru_maxrss would not do: on Linux it
    carries the parent's peak over fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
