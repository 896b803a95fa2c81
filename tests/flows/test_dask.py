"""The flow on Dask: a real two-worker local cluster of separate processes, the tiny trained
models, the seeds' pages with short in-domain bodies (conftest.short_seed)."""

import json
from pathlib import Path

import pytest

from kabar.flows.briefing import briefing

# Subprocesses, a server or a cluster of their own: run by .ci/run, not by default.
pytestmark = pytest.mark.slow


def states(report, step):
    return [entry["steps"][step] for entry in report["articles"]]


@pytest.fixture(scope="module")
def cluster(prefect_api):
    """Two worker processes of one thread, reporting to the test's Prefect server as
    workers on other machines would (PREFECT_API_URL in their environment)."""
    from distributed import Client, LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env={"PREFECT_API_URL": prefect_api, "KABAR_THREADS": "1"},
    ) as local, Client(local) as client:  # fmt: skip
        yield local.scheduler_address, client


def _model_reads():
    from kabar.tasks import models

    return models.loads()


def test_two_workers_share_the_articles_and_load_each_model_once(
    cluster, trained_models, short_seeds, tmp_path, assert_each_article_chained
):
    address, client = cluster
    options = {
        "inbox": str(short_seeds),
        "output": str(tmp_path / "out"),
        "translator": str(trained_models["marian"]),
        "summariser": str(trained_models["bart"]),
        "backend": "ctranslate2",
        "runner": "dask",
        "dask_address": address,
    }
    state = briefing(**options, return_state=True)
    first = state.result()
    for step in ("clean", "translate", "summarise"):
        assert states(first, step) == ["done"] * 5
    assert first["cluster_used"]
    assert_each_article_chained(state)  # the graph is right on Dask too
    assert all((Path(e["brief_path"])).is_file() for e in first["articles"])

    reads = client.run(_model_reads)  # worker address -> its model reads
    assert len(reads) == 2
    for worker_reads in reads.values():
        assert len(worker_reads) == len(set(worker_reads)), worker_reads  # never read twice
    # Both workers translated (five articles, one thread each): each read the translator.
    marian = f"{trained_models['marian']} (marian, ctranslate2)"
    assert all(marian in worker_reads for worker_reads in reads.values()), reads

    second = briefing(**options)  # the cache is shared: every step is a hit
    for step in ("clean", "translate", "summarise"):
        assert states(second, step) == ["cached"] * 5
    assert second["models_used"] == [] and not second["cluster_used"]  # cache read here
    assert client.run(_model_reads) == reads  # and nothing was read again


def _break_translation_of_elshinta():
    """Runs inside each worker process: a fault in one article's translation there."""
    from kabar.flows import steps

    real = steps.translate_article

    def fails_on_elshinta(article, engine):
        if article["outlet"] == "Elshinta":
            raise RuntimeError("the translator broke on this article")
        return real(article, engine)

    steps.translate_article = fails_on_elshinta


def test_a_step_failing_on_a_worker_stops_that_article_only(
    cluster, trained_models, short_inbox, tmp_path
):
    address, client = cluster
    inbox = short_inbox()
    (inbox / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    client.run(_break_translation_of_elshinta)
    try:
        report = briefing(
            inbox=str(inbox),
            output=str(tmp_path / "out"),
            translator=str(trained_models["marian"]),
            summariser="lead",
            runner="dask",
            dask_address=address,
        )
    finally:
        client.restart()  # fresh worker processes, without the fault
    by_name = {Path(e["source_file"]).name: e for e in report["articles"]}
    assert by_name["photo.txt"]["steps"]["clean"] == "skipped: not text (binary data)"
    broken = by_name["004_e66f095ecd421a71.txt"]
    assert broken["steps"]["translate"] == "failed: the translator broke on this article"
    assert broken["brief"] is None
    assert sum(1 for e in report["articles"] if e["brief"]) == 4
    digest = (tmp_path / "out" / "digest.md").read_text()
    assert "the translator broke on this article" in digest


def test_a_local_cluster_is_started_for_the_run(prefect_api, trained_models, short_inbox, tmp_path):
    report = briefing(
        inbox=str(short_inbox(2)),
        output=str(tmp_path / "out"),
        translator=str(trained_models["marian"]),
        summariser="lead",
        runner="dask",
        workers=2,
    )
    assert states(report, "translate") == ["done"] * 2
    folder = tmp_path / "out" / report["articles"][0]["article_id"]
    assert json.loads((folder / "translation.json").read_text())["sentences"]
