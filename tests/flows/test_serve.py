"""The service for real: a Prefect server, `kabar serve`, runs triggered through the API
as the UI's 'Custom run' form does, and the briefs read back as artifacts."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import start_prefect_server, stop

# Subprocesses, a server or a cluster of their own: run by .ci/run, not by default.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def service(tmp_path, trained_models, short_seeds):
    """A real Prefect server of its own on a free port (the session's may hold another test's
    deployment of the same name) and `kabar serve` against it, on the trained models and
    the short in-domain seed pages; both stopped after."""
    home = tmp_path / "prefect-home"
    settings = {
        "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        "KABAR_SETTLE_SECONDS": "0",
        "HF_HUB_OFFLINE": "1",
    }
    logs = (tmp_path / "server.log").open("w"), (tmp_path / "serve.log").open("w")
    server = served = None
    try:
        server, api = start_prefect_server(
            home, settings, log=logs[0], seconds=90, start_new_session=True
        )
        env = {**os.environ, **settings, "PREFECT_HOME": str(home), "PREFECT_API_URL": api}
        inbox = tmp_path / "inbox"
        shutil.copytree(short_seeds, inbox)
        served = subprocess.Popen(
            [sys.executable, "-m", "kabar.flows.cli", "serve", "--interval", "3600",
             "--inbox", str(inbox), "--output", str(tmp_path / "out"),
             "--translator", str(trained_models["marian"]),
             "--summariser", str(trained_models["bart"])],
            cwd=ROOT, env=env, stdout=logs[1], stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        yield {
            "api": api,
            "inbox": inbox,
            "output": tmp_path / "out",
            "log": tmp_path / "serve.log",
        }
    finally:
        if served is not None:
            stop(served)  # the runner before the server
        if server is not None:
            stop(server)
        for log in logs:
            log.close()


def test_served_deployment_runs_custom_parameters_and_publishes_artifacts(service, short_seed_page):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL, temporary_settings

    def artifacts_of(client, run):
        found = client.read_artifacts(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id]))
        )
        return {a.key: a for a in found}

    def table(artifact):
        data = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
        return {row["article"]: row for row in data}

    with (
        temporary_settings({PREFECT_API_URL: service["api"]}),
        get_client(sync_client=True) as client,
    ):
        deployment = wait_until(
            lambda: next(iter(client.read_deployments()), None), 60, "the deployment"
        )
        assert deployment.name == "briefs"
        schema = deployment.parameter_openapi_schema["properties"]
        for name in (
            "inbox",
            "output",
            "translator",
            "summariser",
            "backend",
            "refresh",
            "max_words",
        ):
            assert schema[name].get("description"), name  # the UI's form explains each field
        assert deployment.parameters["inbox"] == str(service["inbox"])

        custom = {"summariser": "lead", "max_words": 30}  # as the 'Custom run' form sends
        first = run_deployment("kabar/briefs", parameters=custom, timeout=240)
        assert first.state.is_completed(), service["log"].read_text()[-3000:]
        briefs = list(service["output"].glob("*/brief.json"))
        assert len(briefs) == 5
        assert all(
            json.loads(b.read_text())["models"]["summariser"]["name"] == "lead" for b in briefs
        )

        found = artifacts_of(client, first)
        assert {"kabar-run", "kabar-digest", "brief-000-111cb5bf34ac05bb"} <= set(found)
        assert found["brief-000-111cb5bf34ac05bb"].data.startswith("# ")
        rows = table(found["kabar-run"])
        assert len(rows) == 5 and all(r["translate"] == "done" for r in rows.values())

        second = run_deployment("kabar/briefs", parameters=custom, timeout=240)
        assert second.state.is_completed()
        rows = table(artifacts_of(client, second)["kabar-run"])
        assert all(
            (r["clean"], r["translate"], r["summarise"]) == ("cached",) * 3 for r in rows.values()
        )

        page = short_seed_page(SEEDS / "001_780e7455a1e85ef7.txt", seed=99)  # another article
        (service["inbox"] / "new-article.txt").write_text(page)
        third = run_deployment("kabar/briefs", parameters=custom, timeout=240)
        assert third.state.is_completed()
        rows = table(artifacts_of(client, third)["kabar-run"])
        done = [a for a, r in rows.items() if r["translate"] == "done"]
        assert len(rows) == 6 and len(done) == 1 and done[0].startswith("new-article-")
        digest = (service["output"] / "digest.md").read_text()
        assert digest.count("🆕") == 1
