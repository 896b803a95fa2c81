"""Summarisation speed and memory: Kabar's summarise step on each backend.

    python bench/summarise.py [--work DIR] [--input-tokens 512] [--output-tokens 60]

Builds offline a random-weight BART with the architecture of sshleifer/distilbart-cnn-12-6
(12 encoder + 6 decoder layers, d_model 1,024, 16 heads, FFN 4,096, vocab 50,264; 306 M
parameters; the tokenizer is trained on the seeds, its vocabulary padded to the real size),
converts it once to CTranslate2 int8, and summarises one English article of `--input-tokens`
tokens with `summarise_article`, the output forced to `--output-tokens` tokens. Each
configuration runs in a fresh process (peak memory is its own). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

from common import peak_memory_mb  # noqa: E402

REAL_VOCAB = 50_264
ARTICLE = (
    "Belarusian President Alexander Lukashenko told US Secretary of State Mike Pompeo by phone "
    "on Saturday that Belarus and Russia were ready to respond together to external threats, "
    "Russian news agencies reported. Lukashenko has refused to step down despite weeks of mass "
    "protests over the disputed August 9 election, and faces a national strike from Monday. "
)


def build_model(work: Path) -> Path:
    """distilbart-cnn-12-6's architecture with random weights (built once into `work`)."""
    target = work / "distilbart-real-arch"
    if (target / "config.json").is_file():
        return target
    import torch
    from tiny_models import build_bart
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    tiny = build_bart(work / "tiny-bart")
    source = json.loads((tiny / "tokenizer.json").read_text())
    vocab = source["model"]["vocab"]
    merges = source["model"]["merges"]
    for i in range(len(vocab), REAL_VOCAB):  # fillers the tokenizer never produces
        vocab[f"<unused{i}>"] = i
    (work / "vocab.json").write_text(json.dumps(vocab))
    lines = [m if isinstance(m, str) else " ".join(m) for m in merges]
    (work / "merges.txt").write_text("#version: 0.2\n" + "\n".join(lines) + "\n")
    tokenizer = BartTokenizer(vocab=str(work / "vocab.json"), merges=str(work / "merges.txt"))
    tokenizer.model_max_length = 1024
    assert len(tokenizer) == REAL_VOCAB, len(tokenizer)
    tokenizer.save_pretrained(target)
    config = BartConfig(
        vocab_size=REAL_VOCAB,
        d_model=1024,
        encoder_layers=12,
        decoder_layers=6,
        encoder_attention_heads=16,
        decoder_attention_heads=16,
        encoder_ffn_dim=4096,
        decoder_ffn_dim=4096,
        max_position_embeddings=1024,
        activation_function="gelu",
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    BartForConditionalGeneration(config).save_pretrained(target)
    return target


def article_of(count_tokens, tokens: int) -> dict:
    words: list[str] = []
    text = ""
    while True:
        for word in ARTICLE.split():
            if count_tokens(" ".join([*words, word])) > tokens - 2:
                return {"title": "", "paragraphs": [text]}
            words.append(word)
            text = " ".join(words)


def run_config(backend: str, beams: int, args) -> dict:
    from kabar.tasks import models
    from kabar.tasks.summarise import Seq2SeqSummariser, SummarySettings, summarise_article

    ref = models.resolve(str(build_model(args.work)))
    engine = models.engine(ref, "seq2seq", backend, args.work / "cache")
    settings = SummarySettings(
        backend=backend,
        beams=beams,
        max_new_tokens=args.output_tokens,
        min_new_tokens=args.output_tokens,
        max_words=1000,
    )
    summariser = Seq2SeqSummariser(engine, settings, models.input_cap(ref))
    article = article_of(summariser.count_tokens, args.input_tokens)
    summarise_article(article, summariser, settings)  # warm-up
    best = float("inf")
    for _ in range(args.repeats):
        started = time.perf_counter()
        result = summarise_article(article, summariser, settings)
        best = min(best, time.perf_counter() - started)
    assert result["parts"] == 1
    return {"backend": backend, "beams": beams, "seconds": round(best, 2),
            "input_tokens": summariser.count_tokens(article["paragraphs"][0]),
            "peak_mb": peak_memory_mb()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / ".work")
    parser.add_argument("--input-tokens", type=int, default=512)
    parser.add_argument("--output-tokens", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--beams", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.worker:
        print(json.dumps(run_config(args.worker, args.beams, args)))
        return

    model = build_model(args.work)
    subprocess.run(  # convert once up front: no row's time or memory includes it
        [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
         "from tasks import models; models.engine(models.resolve(sys.argv[2]), 'seq2seq', "
         "'ctranslate2', sys.argv[3])", str(ROOT), str(model), str(args.work / "cache")],
        check=True,
    )  # fmt: skip
    rows = []
    for backend in ("transformers", "ctranslate2"):
        for beams in (1, 4):
            done = subprocess.run(
                [sys.executable, __file__, "--worker", backend, "--beams", str(beams),
                 "--work", str(args.work), "--input-tokens", str(args.input_tokens),
                 "--output-tokens", str(args.output_tokens), "--repeats", str(args.repeats)],
                check=True, capture_output=True, text=True,
            )  # fmt: skip
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  {backend}, beam {beams}: {rows[-1]['seconds']} s", file=sys.stderr)

    cores = len(os.sched_getaffinity(0))
    print(f"Machine: {platform.machine()}, {cores} cores; one article of "
          f"{rows[0]['input_tokens']} tokens -> {args.output_tokens} tokens; best of "
          f"{args.repeats}\n")  # fmt: skip
    print("| backend | beams | seconds per article | peak memory (MB) |")
    print("| --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['backend']} | {r['beams']} | {r['seconds']} | {r['peak_mb']} |")
    by = {(r["backend"], r["beams"]): r["seconds"] for r in rows}
    for beams in (1, 4):
        ratio = by[("transformers", beams)] / by[("ctranslate2", beams)]
        print(f"\nBeam {beams}: ctranslate2 is {ratio:.1f}x transformers fp32.")


if __name__ == "__main__":
    main()
