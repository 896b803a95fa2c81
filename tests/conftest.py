"""Shared fixtures: no network, a private Prefect home, tiny real models built offline."""

from __future__ import annotations

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


@pytest.fixture(scope="session")
def prefect_api():
    """A real, temporary Prefect server for the whole session; yields its API URL."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield PREFECT_API_URL.value()


@pytest.fixture
def assert_each_article_chained():
    """Checks a finished flow run as the UI's graph draws it: a task run per step and
    article, named `<step> · <article id>`, each linked to its article's previous step and
    to nothing else."""
    import time

    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from kabar.flows.steps import STEP_TASKS

    def check(state) -> None:
        ids = [e["article_id"] for e in state.result()["articles"] if e["steps"]["clean"] != "-"]
        runs_of = FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        with get_client(sync_client=True) as client:
            deadline = time.monotonic() + 30  # task runs reach the server as events
            while len(runs := client.read_task_runs(flow_run_filter=runs_of)) < 3 * len(ids):
                assert time.monotonic() < deadline, [r.name for r in runs]
                time.sleep(0.5)
        by_name = {r.name: r for r in runs}
        assert set(by_name) == {f"{step} · {i}" for i in ids for step in STEP_TASKS}
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
