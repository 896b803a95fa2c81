"""Which step runs next: an article's later steps before other articles' first ones.

Every article goes clean -> translate -> summarise. Steps wait here until their lane of
the runner has a free slot (flows/runners.py), and a free slot takes the waiting step
furthest along, oldest article first. So the model finishes one article's brief before
it starts translating the next: briefs appear one by one from the start of a run, and a
run stopped midway leaves finished briefs behind, not a pile of half-done articles.
Cleaning and cached steps take the other lane and keep ahead of the model.
"""

from __future__ import annotations

import heapq
import queue
from itertools import count
from pathlib import Path

from prefect.client.schemas.objects import TaskRunResult
from prefect.context import FlowRunContext

from kabar.flows import steps
from kabar.flows.article import STEPS, ArticleJob
from kabar.flows.runners import StepRunner
from kabar.tasks import cache

# Lower runs first: the later the step, the sooner its brief is done.
PRIORITY = {step: len(STEPS) - i for i, step in enumerate(STEPS)} | {"fetch": len(STEPS) + 1}


def lane_of(step: str, cached: bool) -> str:
    """Which lane of the runner a step takes (flows/runners.py)."""
    if step == "fetch":
        return "web"
    return "light" if step == "clean" or cached else "model"


def run_articles(
    jobs: list[ArticleJob], pool: StepRunner, cache_dir: Path, refresh: bool, logger
) -> None:
    """Every article's steps through `pool`; each article's files are written as soon as
    its last step is done."""
    waiting: dict[str, list] = {"model": [], "light": [], "web": []}  # lane -> heap of steps
    running: dict = {}  # future -> (job, its order, step, lane)
    finished_futures: queue.SimpleQueue = queue.SimpleQueue()
    tie = count()  # keeps the heap from comparing jobs
    published = 0

    def follow(job: ArticleJob, order: int, upcoming, upstream) -> None:
        nonlocal published
        if upcoming is None:  # done with this article: its files now, not at the end
            job.publish()
            published += 1
            states = ", ".join(f"{s} {state}" for s, state in job.entry["steps"].items())
            logger.info("[%d/%d] %s: %s", published, len(jobs), job.article_id, states)
            return
        step, parameters = upcoming
        key = job.cache_keys[step] = steps.cache_key(step, parameters)
        cached = not refresh and cache.entry(cache_dir, key).is_file()
        item = (PRIORITY[step], order, next(tie), job, step, parameters, key, upstream)
        heapq.heappush(waiting[lane_of(step, cached)], item)

    def start_waiting_steps() -> None:
        for lane, heap in waiting.items():
            in_lane = sum(1 for *_, other in running.values() if other == lane)
            while heap and in_lane < pool.slots(lane):
                _, order, _, job, step, parameters, key, upstream = heapq.heappop(heap)
                task = steps.for_article(step, job.article_id, key, cache_dir, refresh)
                # The one true link: the parameter that carries the previous step's result
                # came from that step's run (see _NoImplicitLinks).
                links = {}
                if upstream is not None:
                    links[steps.INPUT_OF[step]] = {TaskRunResult(id=upstream.task_run_id)}
                future = pool.submit(task, parameters, links, lane=lane)
                running[future] = (job, order, step, lane)
                future.add_done_callback(finished_futures.put)
                in_lane += 1

    context = FlowRunContext.get()
    if context is not None:
        context.run_results = _NoImplicitLinks()
    for order, job in enumerate(jobs):
        # A fetched article's first step hangs from its source's poll.
        follow(job, order, job.first_step(), getattr(job, "upstream", None))
    start_waiting_steps()
    while running:
        future = finished_futures.get()
        job, order, step, _ = running.pop(future)
        future.wait()  # done already; this fetches its final state
        follow(job, order, job.record(step, future.state), future)
        start_waiting_steps()


class _NoImplicitLinks(dict):
    """A flow run's registry of task results that keeps none.

    Prefect links a task run to every earlier result whose object id turns up anywhere in
    its parameters, one level into each result. Ids of freed results are reused and short
    strings ('', an outlet's name) are shared objects, so runs were linked to other
    articles' steps. Kabar names each link itself (`run_articles`), on the thread runner
    and on Dask alike, so the registry records nothing. (Prefect reads it only to find
    such links; tests/flows check the graph on both runners.)
    """

    def __setitem__(self, key, value) -> None:
        pass
