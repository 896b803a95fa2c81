"""Shared fixtures: no network, a private Prefect home, tiny real models built offline."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

# Before transformers or prefect is imported anywhere: no hub, no telemetry, no user state.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="kabar-prefect-home-")
os.environ["KABAR_SETTLE_SECONDS"] = "0"  # tests write inbox files and run at once
os.environ.pop("KABAR_TRANSLATOR", None)
os.environ.pop("KABAR_SUMMARISER", None)
os.environ.pop("KABAR_CACHE_DIR", None)
# pytest-xdist workers share the cores: each (and the processes it starts) takes its share
# of model threads, as a local Dask cluster's workers do; more threads than cores thrash.
if workers := int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0")):  # a worker, not the controller
    share = str(max(1, len(os.sched_getaffinity(0)) // workers))
    os.environ.setdefault("KABAR_THREADS", share)
    os.environ.setdefault("OMP_NUM_THREADS", share)

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """Random-weight MarianMT and BARTs, tokenizers trained on the seeds (scripts/tiny_models)."""
    from tiny_models import build_bart, build_chat, build_marian, build_t5

    base = tmp_path_factory.mktemp("models")
    return {
        "marian": build_marian(base / "marian"),
        "bart": build_bart(base / "bart"),
        # Same architecture, other weights: a different summariser with a different fingerprint.
        "bart_other": build_bart(base / "bart_other", seed=1),
        "t5": build_t5(base / "t5"),  # Flan-T5's architecture: fed prompts/brief.md
        "chat": build_chat(base / "chat"),  # a decoder-only chat model: the same, as a message
    }


@pytest.fixture(scope="session")
def looping_marian(tiny_models, tmp_path_factory) -> Path:
    """The tiny Marian made to loop: a bias on one word's logit makes it say that word forever."""
    from transformers import MarianMTModel, MarianTokenizer

    target = tmp_path_factory.mktemp("models") / "looping_marian"
    tokenizer = MarianTokenizer.from_pretrained(tiny_models["marian"])
    model = MarianMTModel.from_pretrained(tiny_models["marian"])
    word = tokenizer.convert_tokens_to_ids("▁Rusia")
    assert word != tokenizer.unk_token_id
    model.final_logits_bias[0, word] = 50.0
    model.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return target


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory) -> Path:
    """Where ctranslate2 conversions go during the tests."""
    return tmp_path_factory.mktemp("engine-cache")


def _shared_folder(factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this test session sees: pytest-xdist gives each worker
    <basetemp>/<worker id>, so its parent is the controller's base folder."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


_SERVER_RECORD = "prefect-server.json"
_started_here: list = []  # the server, when this process started it


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory):
    """One real Prefect server (`prefect server start` on 127.0.0.1, SQLite in a temporary
    home) for the whole test session, shared by the xdist workers: the first to need it
    starts it under a file lock, and the session's end stops it (pytest_sessionfinish).
    Sets this process's PREFECT_API_URL to it; yields its API URL."""
    from filelock import FileLock
    from loopback import healthy, start_prefect_server
    from prefect.context import _temporary_global_settings_context, get_settings_context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    shared = _shared_folder(tmp_path_factory)
    record = shared / _SERVER_RECORD
    with FileLock(str(shared / "prefect-server.lock"), timeout=300):
        if record.is_file():
            api = json.loads(record.read_text())["api"]
            assert healthy(api), f"the session's Prefect server at {api} does not answer"
        else:
            log = (shared / "prefect-server.log").open("w")
            server, api = start_prefect_server(
                shared / "prefect-server-home", log=log, seconds=180, start_new_session=True
            )
            _started_here.append(server)
            record.write_text(json.dumps({"api": api, "pid": server.pid}))
    with temporary_settings({PREFECT_API_URL: api}):
        with _temporary_global_settings_context(get_settings_context()):
            yield api
            _drain_prefect_workers()


def _drain_prefect_workers() -> None:
    """Send what this process's log and event workers still hold before the server stops."""
    import inspect

    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker
    from prefect.utilities.asyncutils import run_coro_as_sync

    async def drain():
        try:
            result = APILogWorker.instance().drain()
            if inspect.isawaitable(result):
                await result
        except RuntimeError:  # never started
            pass
        result = EventsWorker.drain_all()
        if inspect.isawaitable(result):
            await result

    run_coro_as_sync(drain())


def pytest_sessionfinish(session):
    """The controller (or a run without xdist) stops the session's Prefect server, after
    every worker has finished."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    from loopback import stop

    for server in _started_here:
        stop(server)
    factory = getattr(session.config, "_tmp_path_factory", None)
    record = factory.getbasetemp() / _SERVER_RECORD if factory else None
    if record is None or not record.is_file() or _started_here:
        return
    pid = json.loads(record.read_text())["pid"]  # started by a worker, which has exited
    _end(pid)


def _end(pid: int, seconds: float = 20) -> None:
    """SIGTERM to a process that is not this one's child, then SIGKILL if it lingers."""
    import signal
    import time

    def gone() -> bool:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped

    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + seconds
        while not gone() and time.monotonic() < deadline:
            time.sleep(0.2)
        if not gone():
            os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture
def assert_each_article_chained():
    """Checks a finished flow run as the UI's graph draws it: a task run per step and
    article, named `<step> · <article id>`, each linked to its article's previous step and
    to nothing else; besides them only the stories' runs (`group · stories`, linked to the
    cleans, and `story · <id>`: tests/flows/test_stories_flow.py checks those)."""
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from kabar.flows.steps import STEP_TASKS

    def check(state) -> None:
        ids = [e["article_id"] for e in state.result()["articles"] if e["steps"]["clean"] != "-"]
        runs_of = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        expected = {f"{step} · {i}" for i in ids for step in STEP_TASKS}
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 30  # task runs reach the server as events
            while True:
                runs = client.read_task_runs(flow_run_filter=runs_of)
                if expected <= {r.name for r in runs}:
                    break
                assert time.monotonic() < deadline, [r.name for r in runs]
                time.sleep(0.5)
        by_name = {r.name: r for r in runs}
        assert len(by_name) == len(runs)  # no name twice
        others = set(by_name) - expected
        assert all(n == "group · stories" or n.startswith("story · story-") for n in others)
        chain = (("clean", None), ("translate", "clean"), ("summarise", "translate"))
        for article_id in ids:
            for step, upstream in chain:
                task_run = by_name[f"{step} · {article_id}"]
                linked = {r.id for inputs in task_run.task_inputs.values() for r in inputs}
                expected = {by_name[f"{upstream} · {article_id}"].id} if upstream else set()
                assert linked == expected, (step, article_id, task_run.task_inputs)

    return check


@pytest.fixture(scope="session")
def trained_models() -> dict[str, Path]:
    """A MarianMT and a BART trained on a synthetic corpus (scripts/trained_models.py): they
    translate and summarise well enough to check meaning. Built once per machine (a few
    minutes) into ${KABAR_TEST_MODELS:-~/.cache/kabar/test-models}/<key>, under a file lock."""
    from trained_models import cached

    return cached()


# --- short in-domain articles for the flow tests --------------------------------------
# The trained Marian is fast and quiet only on its own synthetic domain (scripts/
# trained_data.py); on the real seeds it is out of its domain (20 s an article, guards
# retrying). So the flow tests read the seeds' pages with their header and footer kept
# (outlet, author, date, dateline, agency: what the cleaner reads) and the title and body
# written from the corpus's templates: a few short sentences an article.


def domain_text(seed: int, paragraphs: int = 2, sentences: int = 2) -> tuple[str, list[str]]:
    """(a title, paragraphs) in Indonesian from the trained models' templates, seeded; the
    title and the first sentence name the same person and place, as a headline does."""
    import random

    from trained_data import TEMPLATES, TITLES, fill, person, place

    rng = random.Random(seed)
    given = {"p": (who := person(rng), who), "place": (where := place(rng), where)}
    named = [t for t in TEMPLATES if "{p}" in t[0] and "{place}" in t[0]]
    title = fill(
        rng.choice([t for t in TITLES if "{p}" in t[0] or "{place}" in t[0]]), rng, **given
    )
    first = fill(rng.choice(named), rng, **given)[0]
    sentences_ = [first] + [
        fill(rng.choice(TEMPLATES), rng)[0] for _ in range(paragraphs * sentences - 1)
    ]
    body = [" ".join(sentences_[i : i + sentences]) for i in range(0, len(sentences_), sentences)]
    return title[0], body


def short_seed(
    seed_file: Path,
    seed: int | None = None,
    title: str | None = None,
    body: list[str] | None = None,
    **sizes,
) -> str:
    """The seed page `seed_file` with its header and footer kept and its title and body
    replaced by a short in-domain article: `domain_text` (seeded by the seed's place in
    the folder, or `seed`), or the `title` and `body` paragraphs given."""
    from kabar.tasks.clean import clean_text, normalise

    page = normalise(seed_file.read_text(encoding="utf-8"))
    article = clean_text(page)
    start = page.index(article.body[0][:40])
    end = page.index(article.body[-1][-40:]) + 40
    made = domain_text(SEED_FILES.index(seed_file.name) if seed is None else seed, **sizes)
    title, body = title or made[0], body or made[1]
    return (page[:start] + "\n\n".join(body) + page[end:]).replace(article.title, title)


@pytest.fixture(scope="session")
def short_seed_page():
    """`short_seed`, for tests that write their own variants of a seed page."""
    return short_seed


SEED_FILES = sorted(p.name for p in SEEDS.glob("*.txt"))


def write_short_seeds(inbox: Path, count: int = len(SEED_FILES), **sizes) -> Path:
    """The first `count` seeds as `short_seed`s, under their own file names, in `inbox`."""
    inbox.mkdir(parents=True, exist_ok=True)
    for name in SEED_FILES[:count]:
        (inbox / name).write_text(short_seed(SEEDS / name, **sizes), encoding="utf-8")
    return inbox


@pytest.fixture(scope="session")
def short_seeds(tmp_path_factory) -> Path:
    """A folder of the five seeds as `short_seed`s, under the seeds' file names (read it,
    or copy from it; do not write into it)."""
    return write_short_seeds(tmp_path_factory.mktemp("short-seeds"))


@pytest.fixture
def short_inbox(short_seeds, tmp_path):
    """`short_inbox(n)`: a new folder in the test's tmp_path with the first n short seeds."""
    import shutil

    def make(count: int = len(SEED_FILES), name: str = "inbox") -> Path:
        inbox = tmp_path / name
        inbox.mkdir()
        for seed in SEED_FILES[:count]:
            shutil.copy(short_seeds / seed, inbox / seed)
        return inbox

    return make
