"""The `kabar` command as a user runs it, in a subprocess, against the session's Prefect server."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def kabar(*args, api_url=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return subprocess.run(
        [sys.executable, "-m", "kabar.flows.cli", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_run_twice_second_is_all_cached_and_loads_no_model(prefect_api, tiny_models, tmp_path):
    args = ["run", SEEDS, "--output", tmp_path / "out", "--translator", tiny_models["marian"],
            "--summariser", tiny_models["bart"]]  # fmt: skip
    first = kabar(*args, api_url=prefect_api)
    assert first.returncode == 0, first.stderr
    lines = [line for line in first.stdout.splitlines() if "brief.md" in line]
    assert len(lines) == 5
    assert all("clean done · translate done · summarise done" in line for line in lines)
    assert all(Path(line.split(" -> ")[1]).is_file() for line in lines)

    second = kabar(*args, api_url=prefect_api)
    assert second.returncode == 0, second.stderr
    lines = [line for line in second.stdout.splitlines() if "brief.md" in line]
    assert all("clean cached · translate cached · summarise cached" in line for line in lines)
    assert "Models loaded: none" in second.stdout


def test_missing_model_is_a_setup_error_with_advice(prefect_api, tmp_path):
    result = kabar("run", SEEDS, "--output", tmp_path / "out", "--summariser", "lead",
                   api_url=prefect_api)  # fmt: skip
    assert result.returncode == 2
    assert "kabar models download" in result.stderr


def test_environment_variable_names_the_model_and_option_beats_it(
    prefect_api, tiny_models, tmp_path
):
    os.environ["KABAR_TRANSLATOR"] = "/nonexistent/from-env"
    try:
        from_env = kabar("run", SEEDS, "--output", tmp_path / "a", "--summariser", "lead",
                         api_url=prefect_api)  # fmt: skip
        option = kabar("run", SEEDS, "--output", tmp_path / "b", "--summariser", "lead",
                       "--translator", tiny_models["marian"], api_url=prefect_api)  # fmt: skip
    finally:
        del os.environ["KABAR_TRANSLATOR"]
    assert from_env.returncode == 2 and "/nonexistent/from-env" in from_env.stderr
    assert option.returncode == 0, option.stderr


@pytest.mark.parametrize("inbox", ["/nonexistent/inbox"])
def test_usage_error_exits_2(inbox):
    assert kabar("run", inbox).returncode == 2


def test_clean_prints_the_article_as_json_without_prefect_or_models():
    result = kabar("clean", SEEDS / "002_4663bce274982e1a.txt", "--json")
    assert result.returncode == 0, result.stderr
    article = json.loads(result.stdout)
    assert article["author"] == "Lintar Satria" and article["agency"] == "Reuters"
    assert set(article) == {
        "title",
        "published",
        "author",
        "outlet",
        "dateline",
        "agency",
        "url",
        "body",
    }
