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


def test_run_twice_second_is_all_cached_and_loads_no_model(
    prefect_api, trained_models, short_seeds, tmp_path
):
    args = ["run", short_seeds, "--output", tmp_path / "out", "--translator",
            trained_models["marian"], "--summariser", trained_models["bart"]]  # fmt: skip
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
    assert "Briefed 5 of 5 articles (0 new, 5 from the cache)." in second.stdout
    assert "Models used: none (every step came from the cache)" in second.stdout


def test_missing_model_is_a_setup_error_with_advice(prefect_api, tmp_path):
    result = kabar("run", SEEDS, "--output", tmp_path / "out", "--summariser", "lead",
                   api_url=prefect_api)  # fmt: skip
    assert result.returncode == 2
    assert "kabar models download" in result.stderr


def test_environment_variable_names_the_model_and_option_beats_it(
    prefect_api, trained_models, short_inbox, tmp_path
):
    inbox = short_inbox(1)
    os.environ["KABAR_TRANSLATOR"] = "/nonexistent/from-env"
    try:
        from_env = kabar("run", inbox, "--output", tmp_path / "a", "--summariser", "lead",
                         api_url=prefect_api)  # fmt: skip
        option = kabar("run", inbox, "--output", tmp_path / "b", "--summariser", "lead",
                       "--translator", trained_models["marian"], api_url=prefect_api)  # fmt: skip
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


def test_an_english_article_passes_through_and_the_closing_lines_say_so(
    prefect_api, trained_models, tmp_path
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "flood.txt").write_text(
        "Government Announces New Flood Relief Plan\n\n"
        "The government said on Monday that it would send food and clean water to the "
        "districts that were flooded last week.\n\n"
        "Officials said that the first trucks had left the capital and that more would follow "
        "within days.\n"
    )
    result = kabar("run", inbox, "--output", tmp_path / "out", "--summariser", "lead",
                   "--translator", trained_models["marian"], api_url=prefect_api)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "translate skipped: already in English" in result.stdout
    assert "Briefed 1 of 1 article (1 new, 0 from the cache)." in result.stdout
    assert "Models used: none\n" in result.stdout  # no model, but not from the cache either
    brief = json.loads(next((tmp_path / "out").glob("*/brief.json")).read_text())
    assert brief["headline"] == "Government Announces New Flood Relief Plan"


@pytest.mark.parametrize(
    ("translator", "hub", "said"),
    [
        ("/nonexistent/model-dir", {}, "does not exist"),
        ("Helsinki-NLP/opus-mt-id-en", {"HF_HUB_OFFLINE": "1"}, "kabar models download"),
        # A hub that does not answer: a closed port on this machine, never the internet.
        ("Helsinki-NLP/opus-mt-id-en", {"HF_ENDPOINT": "http://127.0.0.1:9"}, "cannot be reached"),
    ],
)
def test_a_missing_model_stops_the_run_before_prefect_starts(tmp_path, translator, hub, said):
    home = tmp_path / "prefect-home"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PREFECT_API_URL", "HF_HUB_OFFLINE", "HF_ENDPOINT"}
    }
    env.update(PREFECT_HOME=str(home), HF_HOME=str(tmp_path / "hf"), **hub)
    result = subprocess.run(
        [sys.executable, "-m", "kabar.flows.cli", "run", str(SEEDS), "--output",
         str(tmp_path / "out"), "--translator", translator, "--summariser", "lead"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert said in result.stderr and result.stderr.count("error:") == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert not (home / "prefect.db").exists()  # no temporary Prefect server was started
