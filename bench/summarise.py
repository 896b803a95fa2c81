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

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

import common  # noqa: E402

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
    from tiny_models import bart_config, build_bart
    from transformers import BartForConditionalGeneration, BartTokenizer

    tiny = build_bart(work / "tiny-bart")
    source = json.loads((tiny / "tokenizer.json").read_text())
    vocab = common.pad_vocab(source["model"]["vocab"], REAL_VOCAB)
    merges = source["model"]["merges"]
    (work / "vocab.json").write_text(json.dumps(vocab))
    lines = [m if isinstance(m, str) else " ".join(m) for m in merges]
    (work / "merges.txt").write_text("#version: 0.2\n" + "\n".join(lines) + "\n")
    tokenizer = BartTokenizer(vocab=str(work / "vocab.json"), merges=str(work / "merges.txt"))
    tokenizer.model_max_length = 1024
    assert len(tokenizer) == REAL_VOCAB, len(tokenizer)
    tokenizer.save_pretrained(target)
    config = bart_config(
        tokenizer, d_model=1024, layers=(12, 6), heads=16, ffn=4096, activation_function="gelu"
    )
    return common.save_random_model(target, BartForConditionalGeneration, config)


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
    best, result = common.best_time(
        lambda: summarise_article(article, summariser, settings), args.repeats
    )
    assert result["parts"] == 1
    return {"backend": backend, "beams": beams, "seconds": round(best, 2),
            "input_tokens": summariser.count_tokens(article["paragraphs"][0]),
            "peak_mb": common.peak_memory_mb()}  # fmt: skip


def main() -> None:
    args = common.arguments(__doc__, input_tokens=512, output_tokens=60)
    if args.worker:
        print(json.dumps(run_config(args.worker, args.beams, args)))
        return

    # Convert once up front: no row's time or memory includes it.
    common.convert_once(build_model(args.work), "seq2seq", args.work / "cache")
    rows = []
    for backend in ("transformers", "ctranslate2"):
        for beams in (1, 4):
            rows.append(common.in_fresh_process(__file__, backend, beams, args))
            print(f"  {backend}, beam {beams}: {rows[-1]['seconds']} s", file=sys.stderr)

    print(
        f"{common.machine()}; one article of {rows[0]['input_tokens']} tokens -> "
        f"{args.output_tokens} tokens; best of {args.repeats}\n"
    )
    common.print_table(
        ["backend", "beams", "seconds per article", "peak memory (MB)"],
        [(r["backend"], r["beams"], r["seconds"], r["peak_mb"]) for r in rows],
    )
    by = {(r["backend"], r["beams"]): r["seconds"] for r in rows}
    for beams in (1, 4):
        ratio = by[("transformers", beams)] / by[("ctranslate2", beams)]
        print(f"\nBeam {beams}: ctranslate2 is {ratio:.1f}x transformers fp32.")


if __name__ == "__main__":
    main()
