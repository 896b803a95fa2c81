"""Train a tiny MarianMT (Indonesian -> English) and a tiny BART (English -> its first
sentence) offline, on the synthetic corpus of scripts/trained_data.py.

    python scripts/trained_models.py DIR      ->  DIR/marian, DIR/bart

Unlike scripts/tiny_models.py (random weights: they loop on every sentence), these
translate and summarise well enough for tests to check meaning: sentences they never saw
come through with their names, places and numbers (made-up names they never saw are mostly
copied, still sometimes garbled), and the guards stay quiet on ordinary sentences. They
have the real classes, tokenizers and file layout (`save_pretrained`), so Kabar loads them
like hub models, on either backend. Seeded and run single-threaded in its data order: the
same versions of the libraries give the same models. About 4½ minutes on 2 cores (the
Marian in this process, the BART in a child, one thread each).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import trained_data  # noqa: E402
from tiny_models import bart_config, marian_config  # noqa: E402

SEED = 0
# Every character a name may use, so that none of them is an unknown token.
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz 0123456789 .,;:-/()$%'\"?!"

# What is trained, and for how long: fixed numbers of steps, so the models do not depend
# on the machine's speed. `scale` shortens both for development.
MARIAN = dict(pairs=30_000, steps=2_400, batch_tokens=1_000, lr=2e-3, warmup=100)
BART = dict(articles=8_000, steps=1_100, batch_tokens=1_000, lr=2e-3, warmup=60)


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    # Adam's tiny second moments turn subnormal, and subnormal arithmetic ran 10x slower.
    torch.set_flush_denormal(True)
    torch.use_deterministic_algorithms(True)


def _batches(lengths: list[int], batch_tokens: int, rng: random.Random) -> list[list[int]]:
    """Indices grouped by similar length (little padding), each batch under `batch_tokens`
    padded tokens, in a seeded order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches, batch = [], []
    for i in order:
        if batch and (len(batch) + 1) * lengths[i] > batch_tokens:
            batches.append(batch)
            batch = []
        batch.append(i)
    if batch:
        batches.append(batch)
    rng.shuffle(batches)
    return batches


def _pad(rows: list[list[int]], value: int):
    import torch

    width = max(len(r) for r in rows)
    return torch.tensor([r + [value] * (width - len(r)) for r in rows])


def _train(model, sources, targets, pad_id: int, steps: int, batch_tokens: int, lr: float,
           warmup: int, label: str) -> None:  # fmt: skip
    """Plain teacher-forced training with label smoothing; a linear warm-up, then a linear
    decay to zero at `steps`."""
    import torch

    rng = random.Random(SEED)
    lengths = [max(len(s), len(t)) for s, t in zip(sources, targets)]
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01, fused=True
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / (steps - warmup)))
    )
    loss_of = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=0.1)
    model.train()
    step, started = 0, time.monotonic()
    while step < steps:
        for batch in _batches(lengths, batch_tokens, rng):
            if step >= steps:
                break
            input_ids = _pad([sources[i] for i in batch], pad_id)
            labels = _pad([targets[i] for i in batch], -100)
            logits = model(
                input_ids=input_ids, attention_mask=(input_ids != pad_id).long(), labels=labels
            ).logits
            loss = loss_of(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 100 == 0 or step == steps:
                print(f"{label}: step {step}/{steps} loss {loss.item():.3f} "
                      f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
    model.eval()


def marian_tokenizer(pairs: list[tuple[str, str]], out: Path, vocab_size: int = 1_000):
    """One sentencepiece model for both languages (Marian shares its embeddings: a name is
    the same token on both sides, which is what lets the model copy it), digits split one
    by one (numbers are copied digit by digit), saved in Marian's layout."""
    import sentencepiece as spm
    from transformers import MarianTokenizer

    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus.txt"
        lines = [side for pair in pairs for side in pair] + [ALPHABET] * 20
        corpus.write_text("\n".join(lines), encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(Path(work) / "spm"), vocab_size=vocab_size,
            model_type="unigram", character_coverage=1.0, split_digits=True,
            bos_id=-1, eos_id=1, unk_id=2, pad_id=-1, num_threads=1,
            input_sentence_size=0, shuffle_input_sentence=False, minloglevel=2,
        )  # fmt: skip
        processor = spm.SentencePieceProcessor(model_file=str(Path(work) / "spm.model"))
        # Marian's layout: </s> = 0, <unk> = 1, the pieces, <pad> last.
        vocab = {"</s>": 0, "<unk>": 1}
        for i in range(processor.get_piece_size()):
            vocab.setdefault(processor.id_to_piece(i), len(vocab))
        vocab["<pad>"] = len(vocab)
        (Path(work) / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        spm_path = str(Path(work) / "spm.model")
        tokenizer = MarianTokenizer(
            source_spm=spm_path, target_spm=spm_path, vocab=str(Path(work) / "vocab.json"),
            source_lang="id", target_lang="en",
        )  # fmt: skip
        tokenizer.save_pretrained(out)
    return MarianTokenizer.from_pretrained(out)


def build_marian(out: Path, scale: float = 1.0) -> Path:
    import torch
    from transformers import MarianMTModel

    _seed_everything(SEED)
    settings = {**MARIAN, "steps": max(1, int(MARIAN["steps"] * scale))}
    pairs = trained_data.parallel(int(MARIAN["pairs"] * max(scale, 0.25)), seed=SEED)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = marian_tokenizer(pairs, out)
    sources = tokenizer([s for s, _ in pairs])["input_ids"]
    targets = tokenizer(text_target=[t for _, t in pairs])["input_ids"]

    config = marian_config(
        len(tokenizer), d_model=128, layers=2, heads=4, ffn=256,
        dropout=0.0, activation_function="relu",
    )  # fmt: skip
    model = MarianMTModel(config)
    _train(model, sources, targets, tokenizer.pad_token_id, settings["steps"],
           settings["batch_tokens"], settings["lr"], settings["warmup"], "marian")  # fmt: skip
    # As opus-mt's: never generate <pad>; Kabar chooses beams and lengths itself.
    model.generation_config.bad_words_ids = [[tokenizer.pad_token_id]]
    model.generation_config.max_length = 512
    model.generation_config.num_beams = 4
    with torch.no_grad():
        model.save_pretrained(out)
    return out


def bart_tokenizer(texts: list[str], out: Path, vocab_size: int = 2_000):
    """A byte-level BPE tokenizer (BART's kind) trained on the English corpus."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartTokenizer

    with tempfile.TemporaryDirectory() as work:
        trainer = ByteLevelBPETokenizer()
        trainer.train_from_iterator(
            [*texts, ALPHABET], vocab_size=vocab_size, min_frequency=2, show_progress=False,
            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        )  # fmt: skip
        trainer.save_model(work)
        # The 5.x keywords are vocab= / merges= (vocab_file= is silently ignored).
        tokenizer = BartTokenizer(
            vocab=str(Path(work) / "vocab.json"), merges=str(Path(work) / "merges.txt")
        )
        tokenizer.model_max_length = 1024
        tokenizer.save_pretrained(out)
    return BartTokenizer.from_pretrained(out)


def _sinusoids(positions: int, dim: int):
    import torch

    position = torch.arange(positions, dtype=torch.float32)[:, None]
    rate = torch.exp(
        torch.arange(0, dim, 2, dtype=torch.float32) * (-torch.log(torch.tensor(1e4)) / dim)
    )
    return torch.cat([torch.sin(position * rate), torch.cos(position * rate)], dim=1)


def build_bart(out: Path, scale: float = 1.0) -> Path:
    import torch
    from transformers import BartForConditionalGeneration

    _seed_everything(SEED)
    settings = {**BART, "steps": max(1, int(BART["steps"] * scale))}
    articles = trained_data.english_articles(
        int(BART["articles"] * max(scale, 0.25)), seed=SEED + 1
    )
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = bart_tokenizer([a for a, _ in articles], out)
    sources = tokenizer([a for a, _ in articles])["input_ids"]
    targets = tokenizer(text_target=[s for _, s in articles])["input_ids"]

    config = bart_config(
        tokenizer, d_model=128, layers=2, heads=4, ffn=256, dropout=0.0, scale_embedding=True
    )
    model = BartForConditionalGeneration(config)
    # BART learns its positions; starting them as Marian's fixed sinusoids (which its copying
    # needs) instead of noise made it learn to copy within the time budget.
    with torch.no_grad():
        for side in (model.model.encoder, model.model.decoder):
            table = side.embed_positions.weight
            table[2:] = _sinusoids(table.shape[0] - 2, table.shape[1])  # BART's offset is 2
    _train(model, sources, targets, tokenizer.pad_token_id, settings["steps"],
           settings["batch_tokens"], settings["lr"], settings["warmup"], "bart")  # fmt: skip
    model.generation_config.max_length = 142
    model.generation_config.num_beams = 4
    with torch.no_grad():
        model.save_pretrained(out)
    return out


def build_all(directory: Path, scale: float = 1.0) -> tuple[Path, Path]:
    """Both models at once: the BART in a child process, each on one thread. One thread
    each keeps the arithmetic the same on every machine, and two threads sharing busy
    cores (parallel test workers) ran up to 30x slower than one."""
    import subprocess

    child = subprocess.Popen(
        [sys.executable, __file__, str(directory), "--only", "bart", "--scale", str(scale)]
    )
    marian = build_marian(directory / "marian", scale)
    if child.wait() != 0:
        raise RuntimeError(f"training the BART failed (exit code {child.returncode})")
    return marian, directory / "bart"


def _main(argv: list[str]) -> None:
    import argparse

    import torch

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="shorter training (develop)")
    parser.add_argument("--only", choices=("marian", "bart"), help="train one model")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    started = time.monotonic()
    if args.only == "marian":
        build_marian(args.directory / "marian", args.scale)
    elif args.only == "bart":
        build_bart(args.directory / "bart", args.scale)
    else:
        marian, bart = build_all(args.directory, args.scale)
        print(f"built in {time.monotonic() - started:.0f} s")
        print(f"translator: {marian}\nsummariser: {bart}")
        print(f"try: kabar run seeds --translator {marian} --summariser {bart}")


# --- the per-machine cache that tests use ------------------------------------------------

# Files whose text decides the models: this script, the corpus, the configs it borrows.
SOURCES = ("trained_models.py", "trained_data.py", "tiny_models.py")
LIBRARIES = ("torch", "transformers", "tokenizers", "sentencepiece")


def cache_key() -> str:
    """A hash of the files that decide the models and of the libraries' versions: another
    version of either gives other weights, so it gets its own folder."""
    import hashlib
    from importlib.metadata import version

    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes() + b"\0")
    for library in LIBRARIES:
        digest.update(f"{library}=={version(library)}\0".encode())
    return digest.hexdigest()[:16]


def cache_root() -> Path:
    return Path(os.environ.get("KABAR_TEST_MODELS") or "~/.cache/kabar/test-models").expanduser()


def cached(root: Path | None = None, timeout: float = 1800) -> dict[str, Path]:
    """{'marian': DIR, 'bart': DIR}, built once per machine into `root`/<cache_key()>.

    A file lock makes parallel test workers wait for one build instead of each running
    their own; the build goes into a temporary folder renamed into place when complete,
    so a half-built folder (a killed run) is never used. The build runs in a child
    process: its torch settings (threads, deterministic algorithms) stay out of the tests.
    """
    import subprocess

    from filelock import FileLock

    root = root or cache_root()
    root.mkdir(parents=True, exist_ok=True)
    key = cache_key()
    target = root / key
    with FileLock(str(root / f"{key}.lock"), timeout=timeout):
        if not target.is_dir():
            work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
            try:
                done = subprocess.run(
                    [sys.executable, str(HERE / "trained_models.py"), str(work)],
                    capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"},
                )  # fmt: skip
                if done.returncode != 0:
                    raise RuntimeError(
                        f"building the trained test models failed:\n{done.stderr[-3000:]}"
                    )
                (work / "build.log").write_text(done.stdout, encoding="utf-8")
                work.rename(target)
            finally:
                if work.exists():
                    shutil.rmtree(work, ignore_errors=True)
    return {"marian": target / "marian", "bart": target / "bart"}


if __name__ == "__main__":
    _main(sys.argv[1:])
