"""Device, threads and batch budget: the user's settings win, defaults fit the machine."""

import pytest

from kabar.flows import runners
from kabar.tasks import hardware


def test_threads_follow_kabar_threads_else_every_core(monkeypatch):
    monkeypatch.delenv("KABAR_THREADS", raising=False)
    assert hardware.threads() == hardware.cores()
    monkeypatch.setenv("KABAR_THREADS", "3")
    assert hardware.threads() == 3


def test_device_setting(monkeypatch):
    monkeypatch.setenv("KABAR_DEVICE", "cpu")
    assert hardware.device(has_cuda=True) == "cpu"
    monkeypatch.setenv("KABAR_DEVICE", "auto")
    assert hardware.device(has_cuda=True) == "cuda"
    assert hardware.device(has_cuda=False) == "cpu"
    monkeypatch.setenv("KABAR_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="no CUDA device"):
        hardware.device(has_cuda=False)
    monkeypatch.setenv("KABAR_DEVICE", "tpu")
    with pytest.raises(ValueError, match="KABAR_DEVICE is 'tpu'"):
        hardware.device(has_cuda=False)


def test_batch_budget(monkeypatch):
    monkeypatch.delenv("KABAR_BATCH_TOKENS", raising=False)
    assert hardware.batch_tokens("cpu") == hardware.CPU_BATCH_TOKENS
    monkeypatch.setenv("KABAR_BATCH_TOKENS", "512")
    assert hardware.batch_tokens("cpu") == 512


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_local_workers_split_the_cores_without_oversubscribing(monkeypatch, workers):
    monkeypatch.delenv("KABAR_THREADS", raising=False)
    monkeypatch.setattr(hardware, "cores", lambda: 4)
    monkeypatch.setattr(runners, "_api_url", lambda: "http://127.0.0.1:4200/api")
    options = runners.local_cluster_options(workers)
    threads = int(options["env"]["KABAR_THREADS"])
    assert options["n_workers"] == workers and options["threads_per_worker"] == 1
    assert workers * threads <= 4 and threads == 4 // workers
    assert options["env"]["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"
