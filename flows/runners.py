"""Where the steps run: threads in the flow's own process, or a Dask cluster.

`thread` (the default) runs every step in this process, one model step at a time.
`dask` hands steps to Dask workers (prefect-dask): a local cluster of worker processes,
or an existing cluster at `dask_address`, whose workers may sit on other machines.
Each worker process loads each model once and keeps it for every step it is given.
"""

from __future__ import annotations

import logging

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from kabar.tasks import hardware, settings


def _api_url() -> str | None:
    """The Prefect API this flow reports to, a temporary server's included: spawned workers
    must report their task runs there too, or each would start a server of its own."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.api_url) if client.api_url else None


def local_cluster_options(workers: int) -> dict:
    """LocalCluster settings: worker processes of one Dask thread each, their model
    threads splitting this machine's cores between them (unless KABAR_THREADS says)."""
    given = settings.process_settings().threads  # the user's choice, oversubscribed or not
    model_threads = given or max(1, hardware.cores() // workers)
    api_url = _api_url()
    return {
        "n_workers": workers,
        "threads_per_worker": 1,  # one step at a time: two would fight over the same cores
        "processes": True,  # separate processes: models and the GIL are not shared
        "dashboard_address": None,  # no web dashboard, no port to collide with
        "env": {
            "KABAR_THREADS": str(model_threads),
            "OMP_NUM_THREADS": str(model_threads),
            **settings.environment_for_workers(),
            **({"PREFECT_API_URL": api_url} if api_url else {}),
        },
        "silence_logs": logging.WARNING,
    }


# Web steps at once: enough to keep 8 hosts busy at the default 2 requests per host.
WEB_SLOTS = 16


class StepRunner:
    """Runs each step in this process's threads, or on Dask, in three lanes.

    A `model` step has a model to run. A `light` one (cleaning a page, or a step whose
    result is already in the cache) always runs here, so a re-run of cached articles
    starts no cluster and loads no model anywhere; so do `web` steps (polling a source,
    fetching a page). With `dask`, the cluster is started for the first model step.
    `slots` says how many steps of a lane to keep running at once: the caller holds the
    rest back and picks which goes next.
    Use it as a context manager.
    """

    def __init__(self, name: str, address: str | None = None, workers: int = 1):
        # Two threads: one runs a model step while the other cleans or reads the cache.
        self._local = ThreadPoolTaskRunner(max_workers=2)
        # Web requests wait on servers, not on the cores: many at once, each host's share
        # kept by the web client (tasks/web.py).
        self._web = ThreadPoolTaskRunner(max_workers=WEB_SLOTS)
        self._name, self._address, self._workers = name, address, workers
        self._cluster: TaskRunner | None = None
        self._dask_slots: int | None = None

    def __enter__(self) -> StepRunner:
        self._local.__enter__()
        self._web.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._cluster is not None:
                self._cluster.__exit__(*exc)
        finally:
            self._web.__exit__(*exc)
            self._local.__exit__(*exc)

    @property
    def started_a_cluster(self) -> bool:
        return self._cluster is not None

    def slots(self, lane: str) -> int:
        """Steps of a lane to run at once. `model`: here one at a time (two would share the
        same cores, slower together than one after the other); on Dask, one per worker
        thread, so every worker is busy while the rest wait their turn here. `light`
        (cleaning, cached steps) and `web` (polls and page fetches) run in this process."""
        if lane == "web":
            return WEB_SLOTS
        if self._name == "thread":
            return 1
        if lane == "light":
            return 2
        if self._dask_slots is None:  # asked once: the scheduler is a round trip away
            self._dask_slots = sum(self._dask().client.nthreads().values()) or self._workers
        return self._dask_slots

    def submit(self, task, parameters: dict, upstream: dict, lane: str):
        """`upstream`: parameter name -> the task runs its value came from, so that Prefect
        links the runs. (Not `wait_for`: a future of this process's threads cannot travel
        to a Dask worker, and the upstream step is always finished already.)"""
        if lane == "web":
            return self._web.submit(task, parameters, dependencies=upstream)
        if self._name == "thread" or lane == "light":
            return self._local.submit(task, parameters, dependencies=upstream)
        return self._dask().submit(task, parameters, dependencies=upstream)

    def _dask(self):
        if self._cluster is None:
            self._cluster = dask_runner(self._address, self._workers).__enter__()
        return self._cluster


def dask_runner(address: str | None, workers: int) -> TaskRunner:
    """prefect-dask's runner on the cluster at `address`, or on a new local cluster."""
    from prefect_dask import DaskTaskRunner

    # Dask's own INFO lines (workers starting and closing) would drown the run's log.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs=local_cluster_options(workers))
