"""Where the steps run: threads in the flow's own process, or a Dask cluster.

`thread` (the default) runs every step in this process, one model step at a time.
`dask` hands steps to Dask workers (prefect-dask): a local cluster of worker processes,
or an existing cluster at `dask_address`, whose workers may sit on other machines.
Each worker process loads each model once and keeps it for every step it is given.
"""

from __future__ import annotations

import logging
import os

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tasks import hardware

RUNNERS = ("thread", "dask")
DEFAULT_RUNNER = "thread"
# A local cluster's default size: each worker holds its own copy of both models
# (about 1.5 GB with the default models), so more than four rarely fits or pays.
MAX_DEFAULT_WORKERS = 4


def runner_name(given: str | None = None) -> str:
    """The flow parameter or CLI option, else KABAR_RUNNER, else 'thread'."""
    name = given or os.environ.get("KABAR_RUNNER") or DEFAULT_RUNNER
    if name not in RUNNERS:
        raise ValueError(f"Unknown runner '{name}': choose one of {', '.join(RUNNERS)}.")
    return name


def dask_address(given: str | None = None) -> str | None:
    return given or os.environ.get("KABAR_DASK_ADDRESS") or None


def default_workers() -> int:
    return max(1, min(MAX_DEFAULT_WORKERS, hardware.cores()))


def _api_url() -> str | None:
    """The Prefect API this flow reports to, a temporary server's included: spawned workers
    must report their task runs there too, or each would start a server of its own."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url) if client.api_url else None


def local_cluster_options(workers: int) -> dict:
    """LocalCluster settings: worker processes of one Dask thread each, their model
    threads splitting this machine's cores between them (unless KABAR_THREADS says)."""
    given = os.environ.get("KABAR_THREADS")  # the user's choice, oversubscribed or not
    model_threads = int(given) if given else max(1, hardware.cores() // workers)
    api_url = _api_url()
    return {
        "n_workers": workers,
        "threads_per_worker": 1,  # one step at a time: two would fight over the same cores
        "processes": True,  # separate processes: models and the GIL are not shared
        "dashboard_address": None,  # no web dashboard, no port to collide with
        "env": {
            "KABAR_THREADS": str(model_threads),
            "OMP_NUM_THREADS": str(model_threads),
            **{key: os.environ[key] for key in _PASSED_ON if key in os.environ},
            **({"PREFECT_API_URL": api_url} if api_url else {}),
        },
        "silence_logs": logging.WARNING,
    }


# Settings the workers must share with the flow's process (they are spawned, not forked).
_PASSED_ON = ("KABAR_DEVICE", "KABAR_BATCH_TOKENS", "HF_HUB_OFFLINE", "HF_HOME", "OMP_WAIT_POLICY")


def task_runner(name: str, address: str | None = None, workers: int | None = None) -> TaskRunner:
    """A Prefect task runner for `name`; use it as a context manager."""
    if name == "thread":
        # Two threads: one runs a model step while the other does bookkeeping or cleans;
        # model steps themselves take turns (flows/steps.py).
        return ThreadPoolTaskRunner(max_workers=2)
    from prefect_dask import DaskTaskRunner

    # Dask's own INFO lines (workers starting and closing) would drown the run's log.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs=local_cluster_options(workers or default_workers()))
