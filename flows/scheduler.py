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

from prefect.utilities.annotations import quote

from kabar.flows import steps
from kabar.flows.article import STEPS, ArticleJob
from kabar.flows.runners import StepRunner
from kabar.tasks import cache

# Lower runs first: the later the step, the sooner its brief is done.
PRIORITY = {step: len(STEPS) - i for i, step in enumerate(STEPS)}


def run_articles(
    jobs: list[ArticleJob], pool: StepRunner, cache_dir: Path, refresh: bool, logger
) -> None:
    """Every article's steps through `pool`; each article's files are written as soon as
    its last step is done."""
    waiting: dict[bool, list] = {True: [], False: []}  # heavy lane?, heap of steps
    running: dict = {}  # future -> (job, step, heavy)
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
        heavy = step != "clean" and (refresh or not cache.entry(cache_dir, key).is_file())
        item = (PRIORITY[step], order, next(tie), job, step, parameters, key, upstream)
        heapq.heappush(waiting[heavy], item)

    def start_waiting_steps() -> None:
        for heavy, lane in waiting.items():
            in_lane = sum(1 for *_, h in running.values() if h == heavy)
            while lane and in_lane < pool.slots(heavy):
                _, order, _, job, step, parameters, key, upstream = heapq.heappop(lane)
                task = steps.for_article(step, job.article_id, key, cache_dir, refresh)
                wait_for = [upstream] if upstream is not None else []
                # Quoted: Prefect would otherwise look for task results inside the
                # parameters by object id, and ids of freed results are reused, which
                # linked steps to other articles' runs. `wait_for` is the one true link.
                quoted = {name: quote(value) for name, value in parameters.items()}
                future = pool.submit(task, quoted, wait_for=wait_for, heavy=heavy)
                running[future] = (job, order, step, heavy)
                future.add_done_callback(finished_futures.put)
                in_lane += 1

    for order, job in enumerate(jobs):
        follow(job, order, job.first_step(), None)
    start_waiting_steps()
    while running:
        future = finished_futures.get()
        job, order, step, _ = running.pop(future)
        future.wait()  # done already; this fetches its final state
        follow(job, order, job.record(step, future.state), future)
        start_waiting_steps()
