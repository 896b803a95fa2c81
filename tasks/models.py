"""Find model files, fingerprint them, and load each model once per process.

A model is named by a Hugging Face hub id or a local directory. Hub models are
read from the local hub cache; only when they are missing and the hub answers
are they downloaded, so an offline machine fails at once with advice instead of
waiting on retries.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import tempfile
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlparse

from kabar.tasks import hardware
from kabar.tasks.engines import (
    BACKENDS,
    CausalLMEngine,
    CTranslate2Engine,
    Engine,
    TransformersEngine,
)

# Files that decide what a model computes: weights, config, vocabulary.
_MODEL_FILES = (
    "*.json",
    "*.spm",
    "*.model",
    "*.txt",
    "*.safetensors",
    "pytorch_model*.bin",
)


class ModelUnavailable(RuntimeError):
    """The model's files cannot be had on this machine; the message says what to do."""


@dataclass(frozen=True)
class ModelRef:
    name: str  # as the user gave it: hub id or directory
    path: str  # the local directory that holds the files
    fingerprint: str  # hub revision, or a hash of a local directory's files


def _directory_fingerprint(directory: Path) -> str:
    digest = hashlib.sha256()
    files = sorted({f for pattern in _MODEL_FILES for f in directory.glob(pattern) if f.is_file()})
    if not any(f.name == "config.json" for f in files):
        raise ModelUnavailable(
            f"{directory} has no config.json: it is not a transformers model directory. "
            "Point the setting at the folder that `save_pretrained` wrote, or at a hub id."
        )
    for f in files:
        digest.update(f.name.encode())
        with f.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return "sha256:" + digest.hexdigest()[:16]


def _hub_reachable(timeout: float = 1.5) -> bool:
    """A short connection check, instead of the hub client's retries (about 48 s offline).
    Run in a thread so that a slow name lookup, which the socket timeout does not cover,
    cannot hold it up either."""
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"}:
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    answered = threading.Event()

    def connect() -> None:
        try:
            address = (endpoint.hostname, endpoint.port or 443)
            with socket.create_connection(address, timeout=timeout):
                answered.set()
        except OSError:
            pass

    threading.Thread(target=connect, daemon=True).start()
    return answered.wait(timeout)


def _weight_patterns(repo_id: str) -> list[str]:
    """Download safetensors when the repo has them, else the PyTorch .bin (never TF/Flax/Rust)."""
    from huggingface_hub import list_repo_files

    files = list_repo_files(repo_id)
    weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else []
    return ["*.json", "*.spm", "*.model", "*.txt", *(weights or ["pytorch_model*.bin"])]


def download(repo_id: str) -> Path:
    """Fetch a hub model into the local hub cache (needs the hub)."""
    from huggingface_hub import snapshot_download

    return Path(snapshot_download(repo_id, allow_patterns=_weight_patterns(repo_id)))


def _how_to_get(name: str) -> str:
    return (
        f"Model '{name}' is not on this machine and the Hugging Face hub cannot be reached. "
        "Either run `kabar models download` on a machine that reaches the hub (it fills the "
        "hub cache, ~/.cache/huggingface, which you can copy here), or pass a local model "
        "directory (--translator DIR / --summariser DIR, or KABAR_TRANSLATOR / KABAR_SUMMARISER). "
        "To try Kabar with no hub at all: `python scripts/tiny_models.py DIR`."
    )


@cache
def resolve(name: str) -> ModelRef:
    """The local files and fingerprint of a model; raises ModelUnavailable with advice."""
    directory = Path(name).expanduser()
    if directory.is_dir():
        return ModelRef(name, str(directory.resolve()), _directory_fingerprint(directory))
    if directory.exists() or name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelUnavailable(f"Model directory '{name}' does not exist or is not a directory.")

    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        snapshot = Path(snapshot_download(name, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        if not _hub_reachable():
            raise ModelUnavailable(_how_to_get(name)) from None
        try:
            snapshot = download(name)
        except Exception as error:  # the hub answered but would not give the files
            raise ModelUnavailable(f"Could not download '{name}': {error}") from error
    if not (snapshot / "config.json").is_file():
        raise ModelUnavailable(_how_to_get(name))
    # The snapshot folder is named by the hub commit: the revision is the fingerprint.
    return ModelRef(name, str(snapshot), "rev:" + snapshot.name)


# --- loading -------------------------------------------------------------------

_load_lock = threading.Lock()
# By fingerprint too: a served process picks up a model whose files were replaced.
_loaded: dict[tuple[str, str, str], tuple[object, object]] = {}
_reads: list[str] = []  # every time a model was read from disk (once per process, or a bug)


def loads() -> list[str]:
    """Every model this process has read from disk, once per reading, in order."""
    return list(_reads)


def load(ref: ModelRef, kind: str) -> tuple[object, object]:
    """(tokenizer, model) for `kind` 'marian' or 'seq2seq', loaded once per process."""
    key = (ref.name, ref.fingerprint, kind)
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = _load_uncached(ref, kind)
            _reads.append(f"{ref.name} ({kind})")
        return _loaded[key]


def summariser_kind(ref: ModelRef) -> str:
    """'summarisation' (BART, Pegasus: fed the text), 'instruct' (Flan-T5: fed a prompt) or
    'chat' (a decoder-only model: fed a prompt through its chat template), from config.json."""
    config = json.loads((Path(ref.path) / "config.json").read_text())
    if config.get("model_type") in {"t5", "mt5", "umt5"}:
        return "instruct"
    return "summarisation" if config.get("is_encoder_decoder") else "chat"


def engine(ref: ModelRef, kind: str, backend: str, cache_root: str | Path) -> Engine:
    """The model behind the chosen backend, loaded (and converted, for ctranslate2) once."""
    if kind == "causal":
        if backend != "transformers":
            raise ModelUnavailable(
                f"{ref.name} is a decoder-only chat model; Kabar runs those with the transformers "
                "backend only. Use --backend transformers (or an encoder-decoder summariser)."
            )
        return CausalLMEngine(*load(ref, kind))
    if backend == "transformers":
        return TransformersEngine(*load(ref, kind))
    if backend != "ctranslate2":
        raise ValueError(f"Unknown backend '{backend}': choose one of {', '.join(BACKENDS)}.")
    key = (ref.name, ref.fingerprint, f"{kind}+ct2")
    with _load_lock:
        if key not in _loaded:
            tokenizer = _load_tokenizer(ref, kind)
            try:
                _loaded[key] = (tokenizer, _load_ctranslate2(ref, Path(cache_root)))
                _reads.append(f"{ref.name} ({kind}, ctranslate2)")
            except Exception as error:  # the converter's and the runtime's errors alike
                raise ModelUnavailable(
                    f"Model files in {ref.path} ({ref.name}) cannot be converted or loaded "
                    f"by CTranslate2: {error}. Try --backend transformers."
                ) from error
        return CTranslate2Engine(*_loaded[key], model_defaults=_generation_defaults(ref))


def _generation_defaults(ref: ModelRef) -> dict:
    path = Path(ref.path) / "generation_config.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def input_cap(ref: ModelRef, fallback: int = 1024) -> int:
    """The longest input the model reads, in tokens (its position embeddings)."""
    config = json.loads((Path(ref.path) / "config.json").read_text())
    return int(config.get("max_position_embeddings") or config.get("n_positions") or fallback)


def _use_best_cpu_isa() -> None:
    """CTranslate2 picks AVX2 on CPUs it does not recognise even where AVX-512 is there
    (measured here: about 20% slower); ask for AVX-512 when the CPU has it."""
    if "CT2_FORCE_CPU_ISA" in os.environ:
        return
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return
    if " avx512f " in flags and " avx512bw " in flags:
        os.environ["CT2_FORCE_CPU_ISA"] = "AVX512"


def ct2_quantization() -> tuple[str, str]:
    """(device, compute type): int8 on the CPU, int8 weights with fp16 on CUDA."""
    import ctranslate2

    if hardware.device(has_cuda=ctranslate2.get_cuda_device_count() > 0) == "cuda":
        return "cuda", "int8_float16"
    return "cpu", "int8"


def _converter_input(model_dir: Path, work: Path) -> Path:
    """The model folder as CTranslate2's converter wants it.

    Its BART converter reads `normalize_before`, which transformers 5 no longer writes
    into config.json; BART is post-norm, so the value is False. The fix goes into a
    copy of config.json beside links to the other files: the model folder is not touched.
    """
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "bart" or "normalize_before" in config:
        return model_dir
    work.mkdir()
    for item in model_dir.iterdir():
        if item.name != "config.json":
            (work / item.name).symlink_to(item.resolve())
    (work / "config.json").write_text(json.dumps({**config, "normalize_before": False}))
    return work


def _load_ctranslate2(ref: ModelRef, cache_root: Path):
    _use_best_cpu_isa()
    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    device_name, compute_type = ct2_quantization()
    # Converted once per model fingerprint and quantisation, then reused.
    safe = ref.fingerprint.replace(":", "-")
    target = cache_root / "ctranslate2" / f"{safe}-int8"
    if not (target / "model.bin").is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as work:
            converted = Path(work) / "model"
            source = _converter_input(Path(ref.path), Path(work) / "source")
            TransformersConverter(str(source)).convert(str(converted), quantization="int8")
            try:
                converted.rename(target)
            except OSError:  # another process converted it first
                pass
    return ctranslate2.Translator(
        str(target),
        device=device_name,
        compute_type=compute_type,
        intra_threads=hardware.threads() if device_name == "cpu" else 1,
    )


def _load_tokenizer(ref: ModelRef, kind: str):
    from transformers import AutoTokenizer, MarianTokenizer

    tokenizer_class = MarianTokenizer if kind == "marian" else AutoTokenizer
    try:
        return tokenizer_class.from_pretrained(ref.path)
    except Exception as error:  # sentencepiece, tokenizers and json errors alike
        raise ModelUnavailable(
            f"The tokenizer in {ref.path} ({ref.name}) cannot be loaded: {error}"
        ) from error


def _load_uncached(ref: ModelRef, kind: str) -> tuple[object, object]:
    from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM, MarianMTModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a per-file bar per load is noise in run logs
    model_class = {
        "marian": MarianMTModel,
        "seq2seq": AutoModelForSeq2SeqLM,
        "causal": AutoModelForCausalLM,
    }[kind]
    try:
        tokenizer = _load_tokenizer(ref, kind)
        model = model_class.from_pretrained(ref.path, trust_remote_code=False)
    except ModelUnavailable:
        raise
    except Exception as error:  # safetensors, torch and config errors have no common base
        raise ModelUnavailable(
            f"Model files in {ref.path} ({ref.name}) cannot be loaded: {error}"
        ) from error
    target = hardware.device()
    if target == "cuda":
        model = model.half()
    else:
        import torch

        torch.set_num_threads(hardware.threads())
    model.to(target).eval()
    return tokenizer, model
