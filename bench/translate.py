"""Translation speed and memory: raw engines against Kabar's translate step.

    python bench/translate.py [--work DIR] [--output-tokens 40] [--repeats 2]

Builds offline a random-weight MarianMT with the exact architecture of
Helsinki-NLP/opus-mt-id-en (72.7 M parameters; the tokenizer is trained on the
seeds, its vocabulary padded to the real 54,796 entries), converts it once to
CTranslate2 int8, and translates every sentence of the five seed articles
(titles included) with each engine, the output forced to a fixed length so
every engine does the same work. Each configuration runs in a fresh process so
its peak memory (max RSS) is its own. Prints a Markdown table.

Kabar's step runs with its guards off: random weights loop on every sentence, so
the guards would retry everything, which no real model makes them do.
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

REAL_VOCAB = 54_796
RAW_BATCH = 16  # sentences per call for the raw engines


def build_model(work: Path) -> Path:
    """opus-mt-id-en's architecture with random weights (built once into `work`)."""
    target = work / "marian-real-arch"
    if (target / "config.json").is_file():
        return target
    from tiny_models import build_marian, marian_config
    from transformers import MarianMTModel, MarianTokenizer

    tiny = build_marian(work / "tiny-tokenizer")
    vocab = json.loads((tiny / "vocab.json").read_text())
    pad = vocab.pop("<pad>")
    assert pad == len(vocab)
    common.pad_vocab(vocab, REAL_VOCAB - 1)
    vocab["<pad>"] = REAL_VOCAB - 1
    target.mkdir(parents=True)
    (work / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = MarianTokenizer(
        source_spm=str(tiny / "source.spm"),
        target_spm=str(tiny / "target.spm"),
        vocab=str(work / "vocab.json"),
        source_lang="id",
        target_lang="en",
    )
    tokenizer.save_pretrained(target)
    tokenizer = MarianTokenizer.from_pretrained(target)
    assert len(tokenizer) == REAL_VOCAB
    assert max(tokenizer.get_vocab().items(), key=lambda item: item[1])[0] == "<pad>"
    config = marian_config(
        REAL_VOCAB, d_model=512, layers=6, heads=8, ffn=2048, activation_function="swish"
    )
    return common.save_random_model(target, MarianMTModel, config)


def seed_articles() -> list[dict]:
    from kabar.tasks.clean import clean_text

    return [
        clean_text(p.read_text(encoding="utf-8")).to_dict()
        for p in sorted((ROOT / "seeds").glob("*.txt"))
    ]


def seed_units(articles: list[dict]) -> list[str]:
    from kabar.tasks.sentences import split_sentences

    return [
        unit
        for article in articles
        for unit in [article["title"], *(s for p in article["body"] for s in split_sentences(p))]
        if unit
    ]


def run_config(
    engine: str, beams: int, model: Path, work: Path, out_tokens: int, repeats: int
) -> dict:
    """One configuration, in this process: best time of `repeats` after a warm-up."""
    from kabar.tasks import models
    from kabar.tasks.engines import Decoding
    from kabar.tasks.translate import BatchTranslator, TranslationSettings, translate_article

    articles = seed_articles()
    units = seed_units(articles)
    ref = models.resolve(str(model))
    backend = "ctranslate2" if "ctranslate2" in engine else "transformers"
    loaded = models.engine(ref, "marian", backend, work / "cache")
    decoding = Decoding(beams=beams, max_new_tokens=out_tokens, min_new_tokens=out_tokens)

    if engine.startswith("raw"):
        if backend == "ctranslate2":
            tokens = [loaded._tokens(u) for u in units]

            def job() -> None:
                for i in range(0, len(tokens), RAW_BATCH):
                    loaded.translator.translate_batch(
                        tokens[i : i + RAW_BATCH],
                        beam_size=beams,
                        max_decoding_length=out_tokens,
                        min_decoding_length=out_tokens,
                    )
        else:
            import torch

            tokenizer, model_ = loaded.tokenizer, loaded.model

            def job() -> None:
                for i in range(0, len(units), RAW_BATCH):
                    batch = tokenizer(units[i : i + RAW_BATCH], return_tensors="pt", padding=True)
                    with torch.inference_mode():
                        model_.generate(
                            **batch,
                            num_beams=beams,
                            max_new_tokens=out_tokens,
                            min_new_tokens=out_tokens,
                        )
    else:
        settings = TranslationSettings(
            backend=backend, beams=beams, guards=False, output_tokens=out_tokens
        )
        translator = BatchTranslator(loaded, settings)

        def job() -> None:
            for article in articles:
                translate_article(article, translator)

    loaded.generate(units[:2], decoding)  # warm-up: first-call allocations
    best, _ = common.best_time(job, repeats)
    produced = len(units) * out_tokens
    return {
        "engine": engine,
        "beams": beams,
        "sentences": len(units),
        "seconds": round(best, 2),
        "tokens_per_s": round(produced / best),
        "peak_mb": common.peak_memory_mb(),
    }


CONFIGS = [
    ("raw transformers generate (fp32)", 1),
    ("raw transformers generate (fp32)", 4),
    ("raw ctranslate2 translate_batch (int8)", 1),
    ("raw ctranslate2 translate_batch (int8)", 4),
    ("kabar step, transformers backend", 1),
    ("kabar step, transformers backend", 4),
    ("kabar step, ctranslate2 backend", 1),
    ("kabar step, ctranslate2 backend", 4),
]


def main() -> None:
    args = common.arguments(__doc__, output_tokens=40)
    if args.worker:
        model = build_model(args.work)
        result = run_config(
            args.worker, args.beams, model, args.work, args.output_tokens, args.repeats
        )
        print(json.dumps(result))
        return

    # Convert once up front so no configuration's timing or memory includes it.
    common.convert_once(build_model(args.work), "marian", args.work / "cache")
    rows = []
    for engine, beams in CONFIGS:
        rows.append(common.in_fresh_process(__file__, engine, beams, args))
        print(f"  {engine}, beam {beams}: {rows[-1]['tokens_per_s']} tok/s", file=sys.stderr)

    by = {(r["engine"], r["beams"]): r for r in rows}
    isa = os.environ.get("CT2_FORCE_CPU_ISA", "set by Kabar (AVX512 when the CPU has it)")
    print(
        f"{common.machine()}; {rows[0]['sentences']} seed sentences -> {args.output_tokens} "
        f"tokens each; best of {args.repeats}; CT2_FORCE_CPU_ISA: {isa}\n"
    )
    common.print_table(
        ["engine", "beams", "seconds", "output tok/s", "peak memory (MB)"],
        [(r["engine"], r["beams"], r["seconds"], r["tokens_per_s"], r["peak_mb"]) for r in rows],
    )
    for beams in (1, 4):
        kabar = by[("kabar step, ctranslate2 backend", beams)]["tokens_per_s"]
        raw = by[("raw ctranslate2 translate_batch (int8)", beams)]["tokens_per_s"]
        fp32 = by[("raw transformers generate (fp32)", beams)]["tokens_per_s"]
        print(f"\nBeam {beams}: Kabar's ctranslate2 step = {kabar / raw:.0%} of raw CTranslate2, "
              f"{kabar / fp32:.1f}x transformers fp32.")  # fmt: skip


if __name__ == "__main__":
    main()
