"""Build tiny MarianMT and BART models offline, with random weights.

    python scripts/tiny_models.py DIR      ->  DIR/marian, DIR/bart

They have the real classes, tokenizers and file layout (written by
`save_pretrained`, read back by `from_pretrained`), so a Kabar run on them takes
the real code path; their output is gibberish. The tokenizers are trained on the
seed articles. Tests build them the same way; bench/ builds its random-weight models of
the real sizes with the same tokenizers and configs (`marian_config`, `bart_config`).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _corpus(lines_out: Path) -> list[str]:
    lines = [
        line.strip()
        for seed in sorted(SEEDS.glob("*.txt"))
        for line in seed.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    # A little English too, so the target side has pieces for English words.
    lines += [
        "The president said on Monday that the government will respond to the protests.",
        "Russia and Belarus are ready to work together against external threats.",
    ]
    lines_out.write_text("\n".join(lines), encoding="utf-8")
    return lines


def _byte_level_tokenizer(out: Path, max_length: int, chat_template: str | None = None):
    """A byte-level BPE tokenizer (BART's kind) trained on the corpus and saved into `out`,
    reading at most `max_length` tokens; the BART, T5 and chat models all use it."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartTokenizer

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus.txt"
        _corpus(corpus)
        trainer = ByteLevelBPETokenizer()
        trainer.train(
            [str(corpus)],
            vocab_size=1000,
            min_frequency=1,
            special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        )
        trainer.save_model(work)
        # The 5.x keywords are vocab= / merges= (vocab_file= is silently ignored).
        vocab, merges = Path(work) / "vocab.json", Path(work) / "merges.txt"
        tokenizer = BartTokenizer(vocab=str(vocab), merges=str(merges))
        if chat_template:
            tokenizer.chat_template = chat_template
        tokenizer.model_max_length = max_length
        tokenizer.save_pretrained(out)
    return tokenizer


def _encoder_decoder(layers: int | tuple[int, int], heads: int, ffn: int) -> dict:
    """Config options of an encoder and a decoder alike but for depth: `layers` is both
    depths, or (encoder, decoder)."""
    encoder, decoder = layers if isinstance(layers, tuple) else (layers, layers)
    return {
        "encoder_layers": encoder,
        "decoder_layers": decoder,
        "encoder_attention_heads": heads,
        "decoder_attention_heads": heads,
        "encoder_ffn_dim": ffn,
        "decoder_ffn_dim": ffn,
    }


def marian_config(vocab_size: int, d_model: int, layers: int, heads: int, ffn: int, **options):
    """A MarianMT config in Marian's token layout (</s> = 0, <pad> last and the decoder's
    start), one embedding matrix shared by the encoder, the decoder and the output."""
    from transformers import MarianConfig

    return MarianConfig(
        vocab_size=vocab_size,
        d_model=d_model,
        **_encoder_decoder(layers, heads, ffn),
        max_position_embeddings=512,
        pad_token_id=vocab_size - 1,
        decoder_start_token_id=vocab_size - 1,
        eos_token_id=0,
        forced_eos_token_id=0,
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        **options,
    )


def bart_config(
    tokenizer, d_model: int, layers: int | tuple[int, int], heads: int, ffn: int, **options
):
    """A BART config for `tokenizer`'s vocabulary and special tokens (the decoder starts
    with </s>, as BART's does)."""
    from transformers import BartConfig

    return BartConfig(
        vocab_size=len(tokenizer),
        d_model=d_model,
        **_encoder_decoder(layers, heads, ffn),
        max_position_embeddings=1024,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=tokenizer.eos_token_id,
        **options,
    )


def build_marian(out: Path, seed: int = 0) -> Path:
    import sentencepiece as spm
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.manual_seed(seed)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus.txt"
        _corpus(corpus)
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(Path(work) / "spm"),
            vocab_size=800,
            model_type="unigram",
            hard_vocab_limit=False,
            character_coverage=1.0,
            bos_id=-1,
            eos_id=1,
            unk_id=2,
            pad_id=-1,
        )
        processor = spm.SentencePieceProcessor(model_file=str(Path(work) / "spm.model"))
        pieces = [processor.id_to_piece(i) for i in range(processor.get_piece_size())]
        # Marian's layout: </s> = 0, <unk> = 1, the pieces, <pad> last.
        vocab = {"</s>": 0, "<unk>": 1}
        for piece in pieces:
            vocab.setdefault(piece, len(vocab))
        vocab["<pad>"] = len(vocab)
        (Path(work) / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
        spm_path = str(Path(work) / "spm.model")
        tokenizer = MarianTokenizer(
            source_spm=spm_path,
            target_spm=spm_path,
            vocab=str(Path(work) / "vocab.json"),
            source_lang="id",
            target_lang="en",
        )
        tokenizer.save_pretrained(out)

    config = marian_config(len(vocab), d_model=32, layers=2, heads=2, ffn=64)
    MarianMTModel(config).save_pretrained(out)
    return out


def build_bart(out: Path, seed: int = 0) -> Path:
    import torch
    from transformers import BartForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = _byte_level_tokenizer(out, max_length=1024)
    config = bart_config(tokenizer, d_model=32, layers=2, heads=2, ffn=64)
    BartForConditionalGeneration(config).save_pretrained(out)
    return out


def build_t5(out: Path, seed: int = 0) -> Path:
    """A tiny T5 (the Flan-T5 architecture: an instruction-following encoder-decoder)."""
    import torch
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = _byte_level_tokenizer(out, max_length=512)
    config = T5Config(
        vocab_size=len(tokenizer), d_model=32, d_kv=16, d_ff=64, num_layers=2,
        num_decoder_layers=2, num_heads=2, feed_forward_proj="gated-gelu",
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id, n_positions=512,
    )  # fmt: skip
    T5ForConditionalGeneration(config).save_pretrained(out)
    return out


CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}\n"
    "{% endfor %}{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


def build_chat(out: Path, seed: int = 0) -> Path:
    """A tiny decoder-only chat model (Llama architecture) with a chat template."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    tokenizer = _byte_level_tokenizer(out, max_length=2048, chat_template=CHAT_TEMPLATE)
    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=2048,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )  # fmt: skip
    LlamaForCausalLM(config).save_pretrained(out)
    return out


def build_all(directory: Path) -> tuple[Path, Path]:
    return build_marian(directory / "marian"), build_bart(directory / "bart")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    marian, bart = build_all(Path(sys.argv[1]))
    print(f"translator: {marian}\nsummariser: {bart}")
    print(f"try: kabar run seeds --translator {marian} --summariser {bart}")
