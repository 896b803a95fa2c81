"""A non-editable install works.

Kabar's wheel, built offline from this checkout, holds the one `kabar` package (with
kabar/prompts/brief.md as package data) and no top-level `flows` or `tasks`. Installed into
a fresh virtual environment in which the editable install is not importable, its `kabar`
command, run from an unrelated folder, briefs two seed pages (short in-domain bodies, the
trained Marian) with an instruction-following summariser (the tiny T5), which needs
prompts/brief.md found inside the installed package, not in the repository.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

# Subprocesses, a server or a cluster of their own: run by .ci/run, not by default.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def build_wheel(dist: Path) -> Path:
    """Kabar's wheel from the checkout, offline, with setuptools from the test environment."""
    # DIST_EXTRA_CONFIG moves setuptools' build/ folder out of the shared checkout, so that
    # files left in an old build/lib by an earlier build cannot slip into this wheel.
    extra = dist / "setup-extra.cfg"
    dist.mkdir()
    extra.write_text(f"[build]\nbuild_base = {dist / 'build'}\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "-w", str(dist), str(ROOT)],
        env={**os.environ, "DIST_EXTRA_CONFIG": str(extra)},
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    (wheel,) = dist.glob("kabar-*.whl")
    return wheel


def make_venv(target: Path) -> Path:
    """A fresh venv that sees the test environment's installed packages, but not its
    editable `kabar`; returns its python."""
    # No --system-site-packages: the test environment is itself a venv, so that flag would
    # expose only the base interpreter's site-packages, not the test environment's. A .pth
    # file that lists the test environment's site-packages folders appends them to sys.path
    # instead; a plain path line does not run the .pth files inside those folders, so the
    # editable install's finder (__editable__.kabar-*.pth) never runs here. No pip of its
    # own either: the test environment's pip, seen through the .pth, installs into this venv.
    venv.EnvBuilder(with_pip=False).create(target)
    paths = sysconfig.get_paths()  # the running interpreter's, i.e. the test environment's
    shared = dict.fromkeys([paths["purelib"], paths["platlib"]])
    site = sysconfig.get_paths(vars={"base": str(target), "platbase": str(target)})["purelib"]
    Path(site, "test-environment.pth").write_text("\n".join(shared) + "\n", encoding="utf-8")
    return target / "bin" / "python"


def test_wheel_installs_and_runs_outside_the_repository(
    tiny_models, trained_models, short_seeds, prefect_api, tmp_path
):
    wheel = build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("kabar/prompts/brief.md", "kabar/flows/cli.py", "kabar/tasks/clean.py"):
        assert needed in names
    assert not [name for name in names if name.split("/")[0] in {"flows", "tasks", "prompts"}]

    work = tmp_path / "work"  # the user's folder: not the repository
    (work / "inbox").mkdir(parents=True)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for name in ("KABAR_PROMPT", "KABAR_TRANSLATOR", "KABAR_SUMMARISER", "KABAR_CACHE_DIR"):
        env.pop(name, None)
    env.update(
        HF_HUB_OFFLINE="1",
        KABAR_SETTLE_SECONDS="0",
        PREFECT_HOME=str(tmp_path / "prefect"),
        KABAR_CACHE_DIR=str(tmp_path / "cache"),
        PREFECT_API_URL=prefect_api,  # the session's server: no temporary one per command
    )

    def run(*command) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(part) for part in command],
            cwd=work, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    target = tmp_path / "venv"
    python = make_venv(target)
    before = run(python, "-c", "import kabar.flows")
    assert before.returncode != 0 and "No module named 'kabar" in before.stderr

    install = run(python, "-m", "pip", "install", "--no-deps", "--no-index",
                  # Install beside, never over, the test environment's editable kabar, which
                  # pip sees through the .pth but must leave alone.
                  "--ignore-installed", wheel)  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr

    where = run(
        python,
        "-c",
        "import importlib.resources, kabar.flows.cli, kabar.prompts\n"
        "print(kabar.flows.cli.__file__)\n"
        "print(importlib.resources.files('kabar.prompts').joinpath('brief.md'))",
    )
    assert where.returncode == 0, where.stderr
    paths = where.stdout.splitlines()
    assert len(paths) == 2, where.stdout
    for path in paths:
        assert Path(path).resolve().is_relative_to(target.resolve()), path
        assert not Path(path).resolve().is_relative_to(ROOT), path

    command = target / "bin" / "kabar"
    assert command.read_text(encoding="utf-8").startswith(f"#!{python}")
    for seed in sorted(short_seeds.glob("*.txt"))[:2]:
        shutil.copy(seed, work / "inbox")
    models = ["--translator", trained_models["marian"], "--summariser", tiny_models["t5"]]
    briefed = run(command, "run", "inbox", "--output", "out", *models)
    assert briefed.returncode == 0, briefed.stdout + briefed.stderr
    briefs = sorted((work / "out").glob("*/brief.json"))
    assert len(briefs) == 2, briefed.stdout
    for brief in briefs:
        summariser = json.loads(brief.read_text(encoding="utf-8"))["models"]["summariser"]
        assert summariser["name"] == str(tiny_models["t5"])
