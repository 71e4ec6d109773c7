"""Teacher saliency rationales on tiny random classifiers: word spans, the three attributions, top-k and its control."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from cod.errors import ConfigError, DataError
from cod.rationales.attribution import (
    ATTRIBUTIONS,
    Word,
    integrated_gradients,
    random_k,
    read,
    top_k,
    word_scores,
    words_of,
)
from cod.training.batching import encode
from tests import tiny

SLEEP = ["sleep", "##ing"]  # "sleeping" -> sleep ##ing: a word of two pieces
TEXT = "the movie was  sleeping, very dull"  # two spaces, a comma attached to a word


@pytest.fixture(scope="module")
def bert_folder(tmp_path_factory) -> str:
    """A tiny random BERT classifier whose vocabulary splits "sleeping" into two pieces."""
    return tiny.save_bert(tmp_path_factory.mktemp("bert"), extra_vocab=SLEEP)


def load(folder: str, sharpen: bool = False):
    """(model, tokenizer) of a saved tiny classifier; ``sharpen`` scales it so log p moves along the IG path."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(folder)
    if sharpen:  # a random tiny BERT is almost constant (p ≈ 0.5 everywhere): make it non-linear in its input
        with torch.no_grad():
            model.get_input_embeddings().weight.mul_(10)
            model.classifier.weight.mul_(300)
    return model, AutoTokenizer.from_pretrained(folder)


def hand_gradients(model, tokenizer, text: str, target: int) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    """(d log p(target) / d embeddings, embeddings, tokens) of one text by plain autograd, as a reference."""
    model.eval()
    enc = tokenizer(text, return_tensors="pt")
    emb = model.get_input_embeddings()(enc["input_ids"]).detach().requires_grad_(True)
    logits = model(inputs_embeds=emb, attention_mask=enc["attention_mask"], token_type_ids=enc["token_type_ids"])
    torch.log_softmax(logits.logits, -1)[0, target].backward()
    return emb.grad[0].double(), emb[0].detach().double(), tokenizer.convert_ids_to_tokens(enc["input_ids"][0])


def test_words_round_trip_their_spans_with_punctuation_and_runs_of_spaces():
    text = "  a  great,plot!  (was)   dull...  "
    words = words_of(text)
    assert [w.word for w in words] == ["a", "great,plot!", "(was)", "dull..."]
    assert all(text[w.start : w.end] == w.word and w.field == "text" for w in words)
    assert [w.index for w in words] == [0, 1, 2, 3]
    assert words_of("   ") == []
    assert words_of("x y", "text_pair")[1] == Word("text_pair", 1, 2, 3, "y")


def test_the_model_reads_the_words_of_a_pair_in_order_and_spans_point_into_each_field(bert_folder):
    model, tok = load(bert_folder)
    pair = "a  great plot,  good"
    words, scores = word_scores(model, tok, TEXT, 1, method="grad_norm", text_pair=pair)
    assert [w.word for w in words] == TEXT.split() + pair.split()
    assert [w.field for w in words] == ["text"] * 6 + ["text_pair"] * 4
    assert all({"text": TEXT, "text_pair": pair}[w.field][w.start : w.end] == w.word for w in words)
    assert scores.shape == (10,) and (scores > 0).all()


def test_words_cut_off_by_max_length_are_not_returned(bert_folder):
    model, tok = load(bert_folder)
    text = "the movie was sleeping very dull a plot"  # [CLS] the movie was sleep ##ing | very ... [SEP]
    words, scores = word_scores(model, tok, text, 0, method="grad_input", max_length=6)
    assert [w.word for w in words] == ["the", "movie", "was", "sleeping"] and len(scores) == 4  # half read: kept
    # a pair is cut longest first: 9 pieces of text + 3 of text_pair + 3 special tokens -> 3 + 3 + 3
    words, _ = word_scores(model, tok, text, 0, method="grad_norm", text_pair="good great fine", max_length=9)
    assert [(w.field, w.word) for w in words] == [("text", "the"), ("text", "movie"), ("text", "was")] + [
        ("text_pair", w) for w in ("good", "great", "fine")
    ]


def test_the_model_reads_exactly_what_training_feeds_it(bert_folder):
    _, tok = load(bert_folder)
    for rows in ({"text": [TEXT]}, {"text": [TEXT], "text_pair": ["a great plot"]}):
        reading = read(tok, rows["text"][0], rows.get("text_pair", [None])[0], max_length=10)
        assert reading.inputs["input_ids"][0].tolist() == encode(tok, pd.DataFrame(rows), 10)[0]["input_ids"]


def test_a_byte_level_bpe_keeps_its_leading_spaces_and_maps_tokens_to_words():
    """GPT-2 / Qwen-style tokenizers carry a word's leading space inside its first token: words tokenised one
    by one would lose it (another input than the classifier's), the raw text keeps it."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    bpe.train_from_iterator(tiny.sentences(40)["text"].tolist(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=bpe)
    text = "the  movie, was sleeping!"
    reading = read(fast, text)
    assert reading.inputs["input_ids"][0].tolist() == fast(text)["input_ids"]
    assert fast(text.split(), is_split_into_words=True)["input_ids"] != fast(text)["input_ids"]
    assert [w.word for w in reading.words] == ["the", "movie,", "was", "sleeping!"]
    offsets = fast(text, return_offsets_mapping=True)["offset_mapping"]
    pieces = {
        i: "".join(text[s:e] for (s, e), w in zip(offsets, reading.token_word, strict=True) if w == i) for i in range(4)
    }
    assert [pieces[i].strip() for i in range(4)] == [w.word for w in reading.words]
    lone = [text[s:e] for (s, e), w in zip(offsets, reading.token_word, strict=True) if w < 0]
    assert lone == [" ", " "]  # a space left unmerged (the 2nd of two, before "sleeping") belongs to no word


def test_grad_norm_is_the_norm_over_a_words_pieces(bert_folder):
    model, tok = load(bert_folder)
    text = "the sleeping movie"
    grad, _, tokens = hand_gradients(model, tok, text, 1)
    assert tokens == ["[CLS]", "the", "sleep", "##ing", "movie", "[SEP]"]
    norms = grad.norm(dim=-1)
    expected = [norms[1], torch.sqrt(norms[2] ** 2 + norms[3] ** 2), norms[4]]
    words, scores = word_scores(model, tok, text, 1, method="grad_norm")
    assert [w.word for w in words] == ["the", "sleeping", "movie"]
    np.testing.assert_allclose(scores, torch.stack(expected).numpy(), rtol=1e-5)


def test_grad_input_is_the_absolute_sum_of_a_words_pieces(bert_folder):
    model, tok = load(bert_folder)
    grad, emb, _ = hand_gradients(model, tok, "the sleeping movie", 0)
    piece = (grad * emb).sum(-1)
    expected = torch.stack([piece[1], piece[2] + piece[3], piece[4]]).abs()
    _, scores = word_scores(model, tok, "the sleeping movie", 0, method="grad_input")
    np.testing.assert_allclose(scores, expected.numpy(), rtol=1e-5)


def test_integrated_gradients_is_complete_and_converges_with_steps(bert_folder):
    model, tok = load(bert_folder, sharpen=True)
    text, pair = "the sleeping movie was very dull", "a good plot"
    errors = {}
    for steps in (5, 20, 100):
        ig = integrated_gradients(model, tok, text, 1, text_pair=pair, steps=steps)
        delta = ig.f_input - ig.f_baseline
        errors[steps] = abs(ig.attributions.sum() - delta)
    assert abs(delta) > 0.05  # the path is not flat: completeness is a real check
    assert errors[100] <= 0.02 * max(1.0, abs(delta))
    assert errors[100] < errors[20] < errors[5]
    special = ig.reading.special
    assert special.sum() == 3 and (ig.attributions[special] == 0).all()  # [CLS]/[SEP] are the same on both ends
    enc = tok(text, pair, return_tensors="pt")
    base = {**enc, "input_ids": enc["input_ids"].masked_fill(torch.as_tensor(~special), tok.pad_token_id)}
    with torch.no_grad():  # the ends of the path: the input, and [CLS] [PAD]… [SEP] [PAD]… [SEP]
        direct = [torch.log_softmax(model(**e).logits, -1)[0, 1].item() for e in (enc, base)]
    assert (ig.f_input, ig.f_baseline) == pytest.approx(direct, abs=1e-5)
    words, scores = word_scores(model, tok, text, 1, method="integrated_gradients", text_pair=pair, steps=100)
    pooled = np.bincount(ig.reading.token_word[~special], weights=ig.attributions[~special])
    np.testing.assert_allclose(scores, np.abs(pooled), rtol=1e-6, atol=1e-9)
    assert len(words) == 9


@pytest.mark.parametrize("was_training", [True, False])
def test_no_parameter_gradients_are_left_and_the_mode_is_restored(bert_folder, was_training):
    model, tok = load(bert_folder)
    model.train(was_training)
    model.classifier.train(not was_training)  # a mixed state comes back as it was
    for method in ATTRIBUTIONS:
        word_scores(model, tok, TEXT, 1, method=method, steps=3)
    assert all(p.grad is None for p in model.parameters())
    assert model.training == was_training and model.classifier.training == (not was_training)


def test_a_decoder_classifier_without_pad_token_is_attributed(tmp_path):
    from transformers import AutoModelForSequenceClassification

    folder = tiny.save_qwen2(tmp_path / "qwen")
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tok = tiny.tokenizer(tmp_path / "qwen", pad=False)
    assert model.config.pad_token_id is None and tok.pad_token is None
    for method in ATTRIBUTIONS:
        words, scores = word_scores(model, tok, "the movie was good", 1, method=method, steps=4)
        assert [w.word for w in words] == ["the", "movie", "was", "good"] and (scores >= 0).all()
    ig = integrated_gradients(model, tok, "the movie was good", 1, steps=50)  # zeros as the baseline
    assert abs(ig.attributions.sum() - (ig.f_input - ig.f_baseline)) <= 0.02 * max(1, abs(ig.f_input - ig.f_baseline))
    model.config.pad_token_id = tok.sep_token_id  # as load_classifier sets it: the path goes in one batch
    batched = integrated_gradients(model, tok, "the movie was good", 1, steps=50)
    np.testing.assert_allclose(batched.attributions, ig.attributions, rtol=1e-4, atol=1e-7)


def test_top_k_orders_by_score_and_breaks_ties_by_reading_order():
    words = words_of("a b c") + words_of("d e", "text_pair")
    scores = np.array([1.0, 3.0, 2.0, 3.0, 3.0])
    assert [w.word for w in top_k(words, scores, 4)] == ["b", "d", "e", "c"]
    shuffled = [words[i] for i in (4, 3, 1, 0, 2)]  # ties go by field and position, not by list order
    assert [w.word for w in top_k(shuffled, scores[[4, 3, 1, 0, 2]], 3)] == ["b", "d", "e"]
    assert [w.word for w in top_k(words, scores, 10)] == ["b", "d", "e", "c", "a"]
    assert top_k(words, scores, 0) == []
    with pytest.raises(ValueError, match="5 words but 2 scores"):
        top_k(words, scores[:2], 1)


def test_random_k_is_distinct_reproducible_and_in_reading_order():
    words = words_of("a b c d e f g h") + words_of("i j", "text_pair")
    picks = [random_k(words, 4, np.random.default_rng(7)) for _ in range(2)]
    assert picks[0] == picks[1] and len(set(picks[0])) == 4
    assert picks[0] == sorted(picks[0], key=lambda w: (w.field != "text", w.index))
    draws = {tuple(w.word for w in random_k(words, 4, np.random.default_rng(s))) for s in range(20)}
    assert len(draws) > 10  # not a fixed choice
    assert random_k(words, 99, np.random.default_rng(0)) == words
    assert random_k([], 3, np.random.default_rng(0)) == []


def test_unknown_method_and_target_are_refused(bert_folder):
    model, tok = load(bert_folder)
    with pytest.raises(ConfigError, match="distill.rkd.attribution.*'saliency'.*grad_norm.*integrated_gradients"):
        word_scores(model, tok, TEXT, 1, method="saliency")
    with pytest.raises(DataError, match="target class 2 .* 2 classes"):
        word_scores(model, tok, TEXT, 2, method="grad_norm")
    with pytest.raises(ConfigError, match="distill.rkd.ig_steps=0"):
        integrated_gradients(model, tok, TEXT, 1, steps=0)


def test_a_slow_tokenizer_is_refused():
    class Slow:
        is_fast = False

    with pytest.raises(ConfigError, match="fast tokenizer"):
        read(Slow(), TEXT)
