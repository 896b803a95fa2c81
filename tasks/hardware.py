"""What this process may use: the device, its share of the CPU cores, and how many tokens
one batch may hold there.

Every value can be set by the user; the defaults fit the machine the process runs on,
which for a Dask worker is not the machine that started the flow.
"""

from __future__ import annotations

import os
from functools import cache

from kabar.tasks.settings import process_settings

# Source tokens per generate() call. On a CPU, larger batches stop paying off early and
# a long batch holds up the rest; a GPU wants many sequences at once, as many as its
# memory holds (activations of a Marian-size model at beam 4: well under 1 MB a token).
CPU_BATCH_TOKENS = 4096
CUDA_BATCH_TOKENS_PER_GIB = 2048
CUDA_BATCH_TOKENS_CAP = 32768


def cores() -> int:
    """CPU cores this process may run on (its affinity, which containers and taskset limit)."""
    return len(os.sched_getaffinity(0))


def threads() -> int:
    """Compute threads for each model in this process: KABAR_THREADS, else every core.

    A local Dask cluster sets KABAR_THREADS for its workers (cores / workers), so that
    workers x threads never asks for more cores than there are.
    """
    return process_settings().threads or cores()


@cache
def cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def device(has_cuda: bool | None = None) -> str:
    """'cuda' or 'cpu'. KABAR_DEVICE: auto (CUDA when present, the default), cpu or cuda.

    `has_cuda`: whether the engine in use sees a GPU (default: ask torch)."""
    wanted = process_settings().device
    if wanted == "cpu":
        return "cpu"
    present = cuda_available() if has_cuda is None else has_cuda
    if wanted == "cuda" and not present:
        raise RuntimeError("KABAR_DEVICE=cuda, but no CUDA device is visible on this machine.")
    return "cuda" if present else "cpu"


def batch_tokens(device_name: str) -> int:
    """Source tokens per batch: KABAR_BATCH_TOKENS, else what fits `device_name`."""
    given = process_settings().batch_tokens
    if given:
        return given
    if device_name != "cuda":
        return CPU_BATCH_TOKENS
    import torch

    free_bytes, _ = torch.cuda.mem_get_info()
    by_memory = int(free_bytes / 2**30 * CUDA_BATCH_TOKENS_PER_GIB)
    return max(CPU_BATCH_TOKENS, min(CUDA_BATCH_TOKENS_CAP, by_memory))
