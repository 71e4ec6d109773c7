"""Tiny models built from a config (no download) and a tiny prepared dataset, for training tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

WORDS = [
    "good",
    "great",
    "fine",
    "love",
    "bad",
    "awful",
    "dull",
    "hate",
    "movie",
    "plot",
    "the",
    "a",
    "was",
    "very",
]
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def tokenizer(folder: Path, extra: list[str] | None = None, pad: bool = True):
    """A WordPiece tokenizer over WORDS (+ extra) saved in ``folder``."""
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    tok = BertTokenizerFast(vocab={w: i for i, w in enumerate(SPECIAL + WORDS + (extra or []))})
    if not pad:
        tok.pad_token = None
    return tok


def save_bert(folder: Path, layers: int = 4, hidden: int = 32, extra_vocab: list[str] | None = None) -> str:
    """A random tiny BERT classifier + tokenizer saved to ``folder``; returns the spec (a path)."""
    from transformers import BertConfig, BertForSequenceClassification

    tok = tokenizer(folder, extra_vocab)
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=len(tok.get_vocab()),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        intermediate_size=2 * hidden,
        max_position_embeddings=64,
        num_labels=2,
    )
    BertForSequenceClassification(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def save_qwen2(folder: Path, layers: int = 2, hidden: int = 32) -> str:
    """A random tiny Qwen2 (decoder) classifier with a tokenizer that has no pad token."""
    from transformers import Qwen2Config, Qwen2ForSequenceClassification

    tok = tokenizer(folder)
    torch.manual_seed(0)
    cfg = Qwen2Config(
        vocab_size=len(tok.get_vocab()),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=64,
        num_labels=2,
        pad_token_id=None,
    )
    Qwen2ForSequenceClassification(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def save_causal_lm(folder: Path, layers: int = 1, hidden: int = 32, arch: str = "bert") -> str:
    """A random tiny causal LM + tokenizer saved to ``folder`` (a stand-in fluency LM or local chat model).

    ``bert``: a BERT decoder (BertLMHeadModel), whose model type keeps the WordPiece tokenizer when
    AutoTokenizer reloads it; ``qwen2``: a Qwen2 decoder (AutoTokenizer then maps it to Qwen2's tokenizer)."""
    from transformers import BertConfig, BertLMHeadModel, Qwen2Config, Qwen2ForCausalLM

    tok = tokenizer(folder)
    tok.bos_token = "[CLS]"  # what a text starts with when the LM scores it
    torch.manual_seed(0)
    common = {"vocab_size": len(tok.get_vocab()), "hidden_size": hidden, "num_hidden_layers": layers}
    common |= {"num_attention_heads": 4, "intermediate_size": 2 * hidden, "max_position_embeddings": 512}
    common |= {"bos_token_id": tok.bos_token_id, "pad_token_id": tok.pad_token_id}
    if arch == "bert":
        model = BertLMHeadModel(BertConfig(is_decoder=True, **common))
    else:
        model = Qwen2ForCausalLM(Qwen2Config(num_key_value_heads=2, **common))
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def sentences(n: int, seed: int = 0) -> pd.DataFrame:
    """Separable toy reviews: positive words -> 1, negative words -> 0, varied lengths."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        label = i % 2
        words = ["good", "great", "fine", "love"] if label else ["bad", "awful", "dull", "hate"]
        body = list(rng.choice(["the", "movie", "was", "very", "plot", "a"], size=rng.integers(1, 8)))
        body.insert(int(rng.integers(0, len(body) + 1)), str(rng.choice(words)))
        rows.append({"text": " ".join(body), "label": label})
    return pd.DataFrame(rows)


def prepare(dataset: str = "rt_sentences", n_train: int = 80) -> None:
    """Write a tiny prepared dataset under the current COD_ROOT."""
    from cod.data.corpus import Corpus, save

    splits = {"train": sentences(n_train, 0), "validation": sentences(24, 1), "test": sentences(24, 2)}
    save(Corpus(dataset, ["negative", "positive"], splits, {"kind": "test"}))


T5_WORDS = ["[label]", "[rationale]", "[predict]", "[explain]", "premise:", "hypothesis:", "negative", "positive"]
T5_WORDS += ["[factual]", "[counterfactual]", "So", "answer", "is"]  # R2's counterfactual objective


def save_t5(folder: Path, layers: int = 2, d_model: int = 32, extra_vocab: list[str] | None = None) -> str:
    """A random tiny T5 (encoder-decoder) + a word-level tokenizer (pad 0, eos 1 appended, unk 2) saved to ``folder``.

    Words are split on whitespace only, so the task prefixes ("[label]", ...) and "premise:" are single tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    vocab = list(dict.fromkeys(["<pad>", "</s>", "<unk>", *T5_WORDS, *WORDS, *(extra_vocab or [])]))
    core = Tokenizer(models.WordLevel({w: i for i, w in enumerate(vocab)}, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="</s>", unk_token="<unk>")
    torch.manual_seed(0)
    cfg = T5Config(
        vocab_size=len(vocab),
        d_model=d_model,
        d_kv=d_model // 4,
        d_ff=2 * d_model,
        num_layers=layers,
        num_heads=4,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    folder.mkdir(parents=True, exist_ok=True)
    T5ForConditionalGeneration(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    return str(folder)


def pipeline_params(root: Path, lm_folder: Path, **grid: object) -> dict:
    """Give the checkout at ``root`` a params.yaml that runs the whole pipeline in minutes on a CPU: one embedded
    dataset, a one-epoch teacher on 96 rows (kept however weak), validation and test sampled to 300 rows, two-epoch
    students, one tuning lr and seed, a tiny fluency LM saved to ``lm_folder``, any teacher flip kept; ``grid``: grid
    keys to set too (default: rt_sentences, k=[8], seeds=[0], KD, clean and cod). Returns the mapping written."""
    import yaml

    params = yaml.safe_load((root / "params.yaml").read_text())
    params["grid"].update(datasets=["rt_sentences"], k=[8], seeds=[0], methods=["kd"], data_modes=["clean", "cod"])
    params["grid"].update(grid)
    params["teacher"].update(epochs=1, max_train_examples=96, min_steps=0, allow_degenerate=True)  # 3 updates
    params["data"]["max_eval_rows"] = 300  # quick evaluations: validation and test sampled to 300 rows
    params["distill"].update(epochs=2, min_steps=0, evaluations=2)
    params["tune"].update(lrs=[2.0e-4], seeds=[1000], k=None, sensitivity_seeds=0, sensitivity_k=[])
    params["counterfactuals"].update(fluency_lm=save_causal_lm(lm_folder), min_confidence=0.0)
    params["counterfactuals"]["editor"].update(max_edits=2)
    params["synthetic"].update(n_train=200, n_test=200, teacher_epochs=60, student_epochs=60, seeds=2)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    return params
