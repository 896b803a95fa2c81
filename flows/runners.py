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

from kabar.tasks import hardware

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


class StepRunner:
    """Runs each step in this process's threads, or on Dask.

    With `dask`, a step goes to the cluster only when it has work to do. Cleaning a page, or
    a step whose result is already in the cache, runs here, so a re-run of cached articles
    starts no cluster and loads no model anywhere. The cluster is started on the first step
    that needs it.
    Use it as a context manager.
    """

    def __init__(self, name: str, address: str | None = None, workers: int | None = None):
        # Two threads: one runs a model step while the other does bookkeeping or cleans;
        # model steps themselves take turns (flows/steps.py).
        self._local = ThreadPoolTaskRunner(max_workers=2)
        self._name, self._address, self._workers = name, address, workers
        self._cluster = None

    def __enter__(self) -> StepRunner:
        self._local.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._cluster is not None:
                self._cluster.__exit__(*exc)
        finally:
            self._local.__exit__(*exc)

    @property
    def started_a_cluster(self) -> bool:
        return self._cluster is not None

    def submit(self, task, parameters: dict, needs_work: bool = True):
        if self._name == "thread" or not needs_work:
            return self._local.submit(task, parameters)
        if self._cluster is None:
            self._cluster = dask_runner(self._address, self._workers).__enter__()
        return self._cluster.submit(task, parameters)


def dask_runner(address: str | None = None, workers: int | None = None) -> TaskRunner:
    """prefect-dask's runner on the cluster at `address`, or on a new local cluster."""
    from prefect_dask import DaskTaskRunner

    # Dask's own INFO lines (workers starting and closing) would drown the run's log.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs=local_cluster_options(workers or default_workers()))
