"""How fast Kabar fetches and extracts article pages, and whether politeness is the limit.

    python bench/fetch.py [--pages 400] [--hosts 4]

Serves `--pages` invented article pages (scripts/outlets.py) from `--hosts` loopback sites,
then fetches and extracts every page (tasks/fetch.fetch_page: the polite client, charset
repair, trafilatura) the way a run's web lane does: 16 threads, per-host limits in the
client. Once with no delay between requests to one host, once with the default 1 s. With
the delay, a host gives at most one page a second, so `hosts` pages/s is the bound; the
ratio to that bound says how much of the time is Kabar's own. A second pair of rows runs
the same fetches as Prefect tasks (the flow's `fetch` task on its web lane) against a
local Prefect server, to show what the orchestration costs.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

import argparse  # noqa: E402

import psutil  # noqa: E402
from common import machine, print_table  # noqa: E402
from outlets import Outlet  # noqa: E402
from sites import Site  # noqa: E402

from kabar.flows.runners import WEB_SLOTS  # noqa: E402
from kabar.tasks.fetch import fetch_page  # noqa: E402
from kabar.tasks.web import ClientSettings, PoliteClient  # noqa: E402


class PeakMemory:
    """This process's resident memory, sampled every 50 ms while the block runs (MB)."""

    def __enter__(self) -> PeakMemory:
        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        process = psutil.Process()
        while not self._stop.is_set():
            self.peak = max(self.peak, process.memory_info().rss)
            time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = self.peak / 1e6


def serve(sites: list[Site], pages: int) -> list[str]:
    """`pages` article pages spread over the sites, taken in turn; their links."""
    outlets = [Outlet(site, name=f"Warta Uji {i}") for i, site in enumerate(sites)]
    links = []
    for n in range(pages):
        outlet = outlets[n % len(outlets)]
        story = outlet.add(f"berita-{n}", seed=n)
        links.append(outlet.site.url(story.path))
    return links


def fetch_directly(links: list[str], delay: float) -> tuple[float, int]:
    settings = ClientSettings(per_host_delay=delay)
    with PoliteClient(settings) as client, ThreadPoolExecutor(WEB_SLOTS) as pool:
        start = time.perf_counter()
        pages = list(pool.map(lambda link: fetch_page(link, True, client), links))
        return time.perf_counter() - start, len(pages)


def fetch_as_tasks(links: list[str], delay: float) -> tuple[float, int]:
    """The flow's own fetch task, submitted on a web lane as the flow does."""
    from prefect import flow

    from kabar.flows import steps
    from kabar.flows.runners import StepRunner

    @flow(name="bench-fetch")
    def fetch_all() -> int:
        with StepRunner("thread") as pool:
            futures = [
                pool.submit(
                    steps.fetch.with_options(task_run_name=f"fetch · {i}", persist_result=False),
                    {"link": link, "allow_private": True},
                    {},
                    lane="web",
                )  # fmt: skip
                for i, link in enumerate(links)
            ]
            return sum(1 for f in futures if f.result())

    settings = ClientSettings(per_host_delay=delay)
    with PoliteClient(settings) as client:
        steps.use_web_client(client)
        start = time.perf_counter()
        count = fetch_all()
        return time.perf_counter() - start, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--no-prefect", action="store_true", help="skip the Prefect rows")
    args = parser.parse_args()
    rows = []
    with Site.many(args.hosts) as sites:
        links = serve(sites, args.pages)
        configurations = [("fetch_page, 16 threads", fetch_directly)]
        server = None
        if not args.no_prefect:
            from loopback import start_prefect_server, stop

            home = Path(tempfile.mkdtemp(prefix="kabar-bench-prefect-"))
            server, api = start_prefect_server(home)
            os.environ["PREFECT_API_URL"] = api
            configurations.append(("as Prefect tasks (web lane)", fetch_as_tasks))
        try:
            for label, job in configurations:
                job(links[: args.hosts], 0)  # warm: imports, first connections, first run
                for delay in (0.0, 1.0):
                    for site in sites:
                        site.requests.clear()
                    with PeakMemory() as memory:
                        seconds, count = job(links, delay)
                    assert count == args.pages, (label, count)
                    rate = count / seconds
                    bound = f"{rate / args.hosts:.2f}" if delay else "-"
                    rows.append([label, f"{delay:g} s", f"{seconds:.1f}", f"{rate:.1f}", bound,
                                 f"{memory.peak_mb:.0f}"])  # fmt: skip
                    print(rows[-1], flush=True)
        finally:
            if server is not None:
                stop(server)
    print(f"\n{machine()}; {args.pages} pages on {args.hosts} loopback hosts, "
          f"{WEB_SLOTS} threads, 2 requests at once per host.\n")  # fmt: skip
    print_table(
        ["how", "delay per host", "seconds", "pages/s", "share of the delay's bound",
         "peak RSS MB"],
        rows,
    )  # fmt: skip


if __name__ == "__main__":
    main()
