"""Text-to-text students (cod.text2text): examples, the α-weighted multitask loss, rank classification and
generation, training a tiny randomly initialised T5 (built from a config, no download) and the runner."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
import yaml

from cod import config
from cod.errors import ConfigError, DataError
from cod.models.teacher import load_teacher
from cod.text2text.batches import AUX, make_batches
from cod.text2text.classify import candidate_scores, evaluate, rank_scores
from cod.text2text.examples import examples, factual_target, label_words, rationale_text, split_answer
from cod.text2text.model import load_seq2seq
from cod.text2text.runner import MIN_VALID_GENERATIONS, distill_text2text, example_counts
from cod.text2text.train import Multitask, train
from cod.training.targets import IGNORE
from tests import tiny
from tests.conftest import REPO

WORDS = ["negative", "positive"]


def word(field: str, start: int, text: str) -> dict:
    """A rationale word as teacher_rationales gives it."""
    return {"field": field, "index": 0, "start": start, "end": start + len(text), "word": text, "score": 1.0}


@pytest.fixture(scope="module")
def t5_spec(tmp_path_factory) -> str:
    return tiny.save_t5(tmp_path_factory.mktemp("t5") / "t5")


def toy(n: int, seed: int) -> pd.DataFrame:
    """Separable toy reviews as a training frame (idx, is_cfe)."""
    frame = tiny.sentences(n, seed)
    return frame.assign(idx=range(n), is_cfe=False)


def toy_batches(tokenizer, frame: pd.DataFrame, aux_target: str | None = None, batch_size: int = 4):
    """R1 batches whose rationale target is each row's sentiment word (or ``aux_target`` for every row)."""
    rationales = []
    for i, text in enumerate(frame["text"]):
        hit = next(w for w in text.split() if w in tiny.WORDS[:8])
        chosen = [word("text", text.index(hit), hit)]
        if i % 2 == 0 and not text.startswith(hit):  # some rationales are two words long
            chosen.append(word("text", 0, text.split()[0]))
        rationales.append(chosen if aux_target is None else [word("text", 0, aux_target)])
    rows = examples(frame, WORDS, "r1", rationales=rationales)
    return make_batches(tokenizer, rows, ("label", "rationale"), batch_size=batch_size, max_source=32, max_target=8)


# --- examples -----------------------------------------------------------------------------------------------


def test_r1_examples_have_prefixes_label_words_and_rationales_in_text_order():
    frame = pd.DataFrame({"idx": [7, 8], "text": ["the movie was good", "a dull plot"], "label": [1, 0]})
    rationales = [[word("text", 14, "good"), word("text", 4, "movie")], [word("text", 2, "dull")]]
    rows = examples(frame, WORDS, "r1", rationales=rationales)
    assert rows.to_dict("records") == [
        {"row": 0, "task": "label", "source": "[label] the movie was good", "target": "positive"},
        {"row": 0, "task": "rationale", "source": "[rationale] the movie was good", "target": "movie good"},
        {"row": 1, "task": "label", "source": "[label] a dull plot", "target": "negative"},
        {"row": 1, "task": "rationale", "source": "[rationale] a dull plot", "target": "dull"},
    ]


def test_sentence_pairs_are_rendered_and_their_rationales_read_premise_first():
    frame = pd.DataFrame({"idx": [0], "text": ["a man sleeps"], "text_pair": ["a man runs"], "label": [2]})
    spans = [word("text_pair", 6, "runs"), word("text", 2, "man"), word("text", 6, "sleeps")]
    assert rationale_text(spans) == "man sleeps runs"
    rows = examples(frame, ["entailment", "neutral", "contradiction"], "r1", rationales=[spans])
    assert rows["source"].tolist() == [
        "[label] premise: a man sleeps hypothesis: a man runs",
        "[rationale] premise: a man sleeps hypothesis: a man runs",
    ]
    assert rows["target"].tolist() == ["contradiction", "man sleeps runs"]


def test_r2_examples_take_explanations_by_idx_and_cfes_need_their_own():
    frame = pd.DataFrame({"idx": [3, 4], "text": ["good", "bad"], "label": [1, 0], "is_cfe": [False, False]})
    rows = examples(frame, WORDS, "r2", explanations={3: "praise", "4": "a complaint"})
    assert rows["task"].tolist() == ["predict", "explain", "predict", "explain"]
    assert rows["source"].tolist()[:2] == ["[predict] good", "[explain] good"]
    assert rows["target"].tolist() == ["positive", "praise", "negative", "a complaint"]

    cod = pd.DataFrame({"idx": [3, 3], "text": ["good", "bad"], "label": [1, 0], "is_cfe": [False, True]})
    with pytest.raises(DataError, match=r"idx=3 \(CFE\).*is_cfe"):
        examples(cod, WORDS, "r2", explanations={3: "praise"})
    table = pd.DataFrame({"idx": [3, 3], "is_cfe": [True, False], "explanation": ["blame", "praise"]})
    assert examples(cod, WORDS, "r2", explanations=table)["target"].tolist() == [
        "positive",
        "praise",
        "negative",
        "blame",
    ]
    with pytest.raises(DataError, match=r"column\(s\) \['explanation'\]"):
        examples(cod, WORDS, "r2", explanations=pd.DataFrame({"idx": [3], "text": ["x"]}))


def test_r2_examples_take_the_explanations_jobs_choice_per_row():
    from cod.explanations.select import explanations_for

    cod = pd.DataFrame({"idx": [3, 3], "text": ["good", "bad"], "label": [1, 0], "is_cfe": [False, True]})
    job = cod[["idx", "is_cfe"]].assign(  # the explanations job's output: the original's revision failed
        explanation=["praise", "blame"], explanation_ok=True, revised=["", "fair blame"], revised_ok=[False, True]
    )
    chosen = explanations_for(job, "revised")
    assert chosen == {(3, False): "praise", (3, True): "fair blame"}
    assert examples(cod, WORDS, "r2", explanations=chosen)["target"].tolist()[1::2] == ["praise", "fair blame"]


def test_label_words_are_lower_cased_label_names_and_must_be_distinct():
    assert label_words(["Negative", "Positive"]) == WORDS
    with pytest.raises(DataError, match=r"distinct.*\['pos'\].*label_names"):
        label_words(["Pos", "pos", "neg"])


NLI = ["entailment", "neutral", "contradiction"]


def nli_row() -> pd.DataFrame:
    """One sentence pair labelled entailment (0): its two wrong answers are neutral (1) and contradiction (2)."""
    return pd.DataFrame(
        {"idx": [5], "text": ["a man plays"], "text_pair": ["a man is outside"], "label": [0], "is_cfe": [False]}
    )


def test_cf_examples_have_a_factual_target_and_one_counterfactual_per_wrong_answer():
    wrong = {(5, False): {2: "he plays indoors", 1: "nothing says where"}}
    rows = examples(
        nli_row(), NLI, "r2", explanations={5: "Playing implies a place"}, wrong_answers=wrong, objective="cf"
    )
    x = "premise: a man plays hypothesis: a man is outside"
    assert rows.to_dict("records") == [
        {"row": 0, "task": "factual", "source": f"[factual] {x}",
         "target": "Playing implies a place. So the answer is entailment"},
        {"row": 0, "task": "counterfactual", "source": f"[counterfactual] {x} nothing says where",
         "target": "So the answer is neutral"},
        {"row": 0, "task": "counterfactual", "source": f"[counterfactual] {x} he plays indoors",
         "target": "So the answer is contradiction"},
    ]  # fmt: skip
    both = examples(nli_row(), NLI, "r2", explanations={5: "Why?"}, wrong_answers=wrong, objective="mt+cf")
    assert both["task"].tolist() == ["predict", "explain", "factual", "counterfactual", "counterfactual"]
    assert both["target"].tolist()[:3] == ["entailment", "Why?", "Why? So the answer is entailment"]  # no added stop

    # a failed explanation (None) leaves the row's explain and factual examples out; its wrong answers stay
    rows = examples(nli_row(), NLI, "r2", explanations={5: None}, wrong_answers=wrong, objective="mt+cf")
    assert rows["task"].tolist() == ["predict", "counterfactual", "counterfactual"]
    with pytest.raises(DataError, match=r"idx=5: labels \[0\] are its own label"):
        examples(nli_row(), NLI, "r2", explanations={5: "e"}, wrong_answers={(5, False): {0: "x"}}, objective="cf")
    with pytest.raises(ConfigError, match=r"objective: 'cf' is not an objective of scheme r1"):
        examples(nli_row(), NLI, "r1", rationales=[[]], objective="cf")


def test_a_factual_generation_splits_into_its_explanation_and_answer():
    assert factual_target("It is praise", "positive") == "It is praise. So the answer is positive"
    assert split_answer("It is praise. So the answer is positive.") == ("It is praise.", "positive")
    assert split_answer("no answer here") == ("no answer here", None)
    text = factual_target(*split_answer("It is praise. So the answer is negative"))
    assert text == "It is praise. So the answer is negative"  # the split and the target agree


def test_batches_hold_each_tasks_examples_of_their_rows_and_skip_missing_ones(t5_spec):
    _, tok = load_seq2seq(t5_spec)
    frame = pd.DataFrame({"idx": [0, 1, 2], "text": ["good", "bad movie", "a dull plot"], "label": [1, 0, 0]})
    explanations = {0: "good", 1: None, 2: "dull"}
    wrong = {(0, False): {0: "bad"}, (2, False): {1: "great"}}
    rows = examples(frame, WORDS, "r2", explanations=explanations, wrong_answers=wrong, objective="mt+cf")
    tasks = ("predict", "explain", "factual", "counterfactual")
    [batch], index = make_batches(tok, rows, tasks, batch_size=3, max_source=32, max_target=8)
    assert sorted(index[0]) == [0, 1, 2]
    assert batch["input_ids"].shape[0] == 3 and batch[AUX + "input_ids"].shape[0] == 2  # row 1 has no explanation
    assert batch["factual_labels"].shape[0] == 2 and batch["counterfactual_labels"].shape[0] == 2
    assert example_counts(rows, 3, 2, tasks) == {  # row 1: no explanation, no wrong-answer rationale
        "train_predict_examples": 3,
        "train_explain_examples": 2,
        "train_factual_examples": 2,
        "train_counterfactual_examples": 2,
        "train_rows_without_explanation": 1,
        "train_wrong_answers_without_rationale": 1,
    }
    # a long factual target keeps its answer: it loses its start, not its end
    long = examples(frame.head(1), WORDS, "r2", explanations={0: "good " * 20}, objective="cf")
    [cut], _ = make_batches(tok, long, ("factual", "counterfactual"), batch_size=1, max_source=32, max_target=4)
    kept = [t for t in cut["factual_labels"][0].tolist() if t != IGNORE]
    assert tok.decode(kept, skip_special_tokens=True) == "answer is positive" and "counterfactual_labels" not in cut


# --- objective, scoring -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"objective": "cf"}, r"distill\.text2text: objective: cf needs scheme: r2 .*; set scheme: r2, or objective"),
        ({"scheme": "r2", "objective": "mt+cf", "gamma": 1}, r"gamma: 1 with objective mt\+cf trains mt alone; set "
         r"objective: mt, or a gamma strictly between 0 and 1"),
        ({"scheme": "r2", "objective": "mt+cf", "gamma": 0}, r"trains cf alone; set objective: cf"),
        ({"objective": "kd"}, r"distill\.text2text\.objective: Input should be 'mt', 'cf' or 'mt\+cf'"),
        ({"gamma": 1.5}, r"distill\.text2text\.gamma: Input should be less than or equal to 1"),
    ],
)  # fmt: skip
def test_objective_settings_are_refused_in_one_line_naming_the_fix(settings, message):
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    raw["distill"]["text2text"].update(settings)
    with pytest.raises(ConfigError, match=message) as info:
        config.load_params(REPO / "params.yaml", raw=raw)
    assert "\n" not in str(info.value)
    fine = {"scheme": "r2", "objective": "mt", "gamma": 1.0}  # gamma is read by mt+cf only
    raw["distill"]["text2text"].update(fine)
    assert config.load_params(REPO / "params.yaml", raw=raw).distill.text2text.gamma == 1.0


def test_gamma_weights_the_multitask_and_counterfactual_losses_as_computed_by_hand(t5_spec):
    model, tok = load_seq2seq(t5_spec)
    frame = pd.DataFrame({"idx": [0, 1], "text": ["the movie was good", "bad"], "label": [1, 0]})
    explanations = {0: "good praise", 1: "bad"}
    wrong = {(0, False): {0: "the plot was bad"}, (1, False): {1: "a great movie"}}
    rows = examples(frame, WORDS, "r2", explanations=explanations, wrong_answers=wrong, objective="mt+cf")
    tasks = ("predict", "explain", "factual", "counterfactual")
    [batch], _ = make_batches(tok, rows, tasks, batch_size=2, max_source=32, max_target=12)
    model.eval()
    with torch.no_grad():
        ce = {p: cross_entropy(model, batch, prefix) for p, prefix in (("label", ""), ("aux", AUX))}
        ce |= {p: cross_entropy(model, batch, f"{p}_") for p in ("factual", "counterfactual")}
        mt, cf = 0.5 * ce["label"] + 0.5 * ce["aux"], ce["factual"] + ce["counterfactual"]
        only_mt, mt_parts = Multitask(model, 0.5, 1.0)(batch)
        only_cf, cf_parts = Multitask(model, 0.5, 0.0)(batch)
        mixed, parts = Multitask(model, 0.5, 0.3)(batch)
        label_only, label_parts = Multitask(model, 1.0, 0.3)(batch)
    assert only_mt.item() == pytest.approx(mt.item(), rel=1e-5) and set(mt_parts) == {"label", "aux"}
    assert only_cf.item() == pytest.approx(cf.item(), rel=1e-5) and set(cf_parts) == {"factual", "counterfactual"}
    assert mixed.item() == pytest.approx(0.3 * mt.item() + 0.7 * cf.item(), rel=1e-5)
    assert parts == pytest.approx({k: v.item() for k, v in ce.items()}, rel=1e-5)
    # alpha = 1: the label task alone in the multitask term, the explain task never run
    assert label_only.item() == pytest.approx(0.3 * ce["label"].item() + 0.7 * cf.item(), rel=1e-5)
    assert "aux" not in label_parts


def cross_entropy(model, batch, prefix: str) -> torch.Tensor:
    """One task's loss by hand: mean over the target tokens of the batch, padding left out."""
    labels = batch[prefix + "labels"]
    decoder_in = torch.cat([torch.zeros_like(labels[:, :1]), labels[:, :-1].clamp_min(0)], 1)
    logits = model(
        input_ids=batch[prefix + "input_ids"],
        attention_mask=batch[prefix + "attention_mask"],
        decoder_input_ids=decoder_in,
    ).logits
    return F.cross_entropy(logits.flatten(0, 1), labels.flatten(), ignore_index=IGNORE)


def test_alpha_mixes_the_two_task_losses_as_computed_by_hand(t5_spec):
    model, tok = load_seq2seq(t5_spec)
    frame = pd.DataFrame({"idx": [0, 1], "text": ["the movie was good", "bad"], "label": [1, 0]})
    rationales = [[word("text", 4, "movie"), word("text", 14, "good")], [word("text", 0, "bad")]]
    rows = examples(frame, WORDS, "r1", rationales=rationales)
    [batch], _ = make_batches(tok, rows, ("label", "rationale"), batch_size=2, max_source=32, max_target=8)
    model.eval()

    with torch.no_grad():
        label, aux = cross_entropy(model, batch, ""), cross_entropy(model, batch, AUX)
        mixed, parts = Multitask(model, 0.5)(batch)
        only, only_parts = Multitask(model, 1.0)(batch)
        assert (batch[AUX + "labels"] == IGNORE).any()  # padding was there to leave out
    assert mixed.item() == pytest.approx(0.5 * label.item() + 0.5 * aux.item(), rel=1e-5)
    assert parts == pytest.approx({"label": label.item(), "aux": aux.item()}, rel=1e-5)
    assert only.item() == pytest.approx(label.item(), rel=1e-5) and "aux" not in only_parts


def test_alpha_one_ignores_the_auxiliary_task_exactly(t5_spec):
    def trained(alpha: float, aux_target: str) -> dict[str, torch.Tensor]:
        model, tok = load_seq2seq(t5_spec)
        batches, _ = toy_batches(tok, toy(8, 0), aux_target=aux_target)
        train(model, batches, alpha=alpha, epochs=1, lr=1e-2, seed=0)
        return model.state_dict()

    a, b = trained(1.0, "good"), trained(1.0, "bad")
    assert all(torch.equal(a[k], b[k]) for k in a)  # the rationale targets differ, the students do not
    c, d = trained(0.5, "good"), trained(0.5, "bad")
    assert not all(torch.equal(c[k], d[k]) for k in c)  # at α = 0.5 they do matter


def test_rank_scores_are_summed_log_probabilities_of_each_label_word(t5_spec):
    model, tok = load_seq2seq(t5_spec)
    sources = ["[label] the movie was good", "[label] bad"]
    scores = rank_scores(model, tok, sources, WORDS, max_source=32, batch_size=1)
    model.eval()
    for i, text in enumerate(sources):
        for c, target in enumerate(WORDS):
            enc = tok([text], return_tensors="pt")
            labels = tok(text_target=[target], return_tensors="pt")["input_ids"]
            with torch.no_grad():
                mean_nll = model(**enc, labels=labels).loss.item()
            assert scores[i, c] == pytest.approx(-mean_nll * labels.shape[1], rel=1e-4)


def test_candidate_scores_score_each_rows_own_targets_of_any_length(t5_spec):
    model, tok = load_seq2seq(t5_spec)
    sources = ["[factual] the movie was good", "[factual] bad"]
    candidates = [["good So the answer is positive", "good So the answer is negative"], ["bad", "the plot"]]
    scores = candidate_scores(model, tok, sources, candidates, max_source=32, batch_size=2)
    model.eval()
    for i, text in enumerate(sources):
        for c, target in enumerate(candidates[i]):
            labels = tok(text_target=[target], return_tensors="pt")["input_ids"]
            with torch.no_grad():
                mean_nll = model(**tok([text], return_tensors="pt"), labels=labels).loss.item()
            assert scores[i, c] == pytest.approx(-mean_nll * labels.shape[1], rel=1e-4)


# --- training the tiny T5 -----------------------------------------------------------------------------------


def test_tiny_t5_learns_the_toy_set_and_answers_with_label_words(t5_spec):
    model, tok = load_seq2seq(t5_spec)
    frame = toy(12, 0)
    batches, _ = toy_batches(tok, frame, batch_size=6)
    sources = [f"[label] {t}" for t in frame["text"]]
    labels = frame["label"].to_numpy()
    scoring = {"max_source": 32, "max_new": 4, "batch_size": 12}
    _, before = evaluate(model, tok, sources, labels, WORDS, **scoring)
    result = train(model, batches, alpha=0.5, epochs=12, lr=2e-2, seed=0)
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.5 * losses[0]
    assert result.history[-1]["train_aux"] < 0.5 * result.history[0]["train_aux"]  # the rationale task is learnt too
    predictions, after = evaluate(model, tok, sources, labels, WORDS, reference=1 - labels, **scoring)
    assert set(predictions["pred"]) <= {0, 1}
    assert after["accuracy"] >= 0.75 and after["agreement"] == pytest.approx(1 - after["accuracy"])
    assert before["generation_valid"] < 0.5 <= after["generation_valid"]  # random weights do not answer in words
    assert after["generation_valid"] == pytest.approx(predictions["generated"].isin(WORDS).mean())
    assert after["generation_accuracy"] <= after["generation_valid"]


def test_training_is_deterministic_under_a_seed(t5_spec):
    def run(seed: int):
        model, tok = load_seq2seq(t5_spec)
        batches, _ = toy_batches(tok, toy(8, 0))
        history = train(model, batches, alpha=0.5, epochs=2, lr=1e-2, seed=seed).history
        return history, model.state_dict()

    (h1, w1), (h2, w2), (h3, _) = run(0), run(0), run(1)
    assert h1 == h2 and all(torch.equal(w1[k], w2[k]) for k in w1)
    assert h1 != h3  # the seed sets the batch order and dropout


# --- the runner ---------------------------------------------------------------------------------------------


def test_runner_trains_r1_and_r2_students_on_the_few_shot_set(bert_run, t5_spec, tmp_path):
    from cod.training.distill import training_frame

    settings = {"model": t5_spec, "epochs": 3, "lr": 1e-2, "max_source_length": 32, "max_target_length": 8}
    cfg = bert_run.distill.model_copy(update={"text2text": bert_run.distill.text2text.model_copy(update=settings)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r1 = distill_text2text("rt_sentences", 8, 0, "clean", cfg)
    warned = any("generations are a label word" in str(w.message) for w in caught)
    shares = [r1.summary["val_generation_valid"], r1.summary["test_generation_valid"]]
    assert warned == (min(shares) < MIN_VALID_GENERATIONS)  # a student not answering in label words is reported
    frame = training_frame("rt_sentences", 8, 0, "clean")
    aux = r1.examples[r1.examples["task"] == "rationale"]
    assert len(aux) == len(frame) == r1.summary["train_rows"]
    for text, target in zip(frame["text"], aux["target"], strict=True):
        chosen = target.split()
        assert 0 < len(chosen) <= cfg.rkd.top_k and all(w in text.split() for w in chosen)
    assert set(r1.predictions["pred"]) <= {0, 1} and len(r1.predictions) == 24
    assert all(0 <= share <= 1 for share in shares)
    assert r1.summary["epochs_run"] == len(r1.fit.history) >= 3 and r1.summary["scheme"] == "r1"

    # r2 on a CoD-like set: one CFE row (sharing its original's idx), labelled with the teacher's prediction
    original = frame.iloc[0]
    cfe_text = "the plot was awful" if original["label"] else "the plot was great"
    cod = pd.concat([frame, pd.DataFrame([{**original, "text": cfe_text, "is_cfe": True}])], ignore_index=True)
    file = tmp_path / "explanations.jsonl"
    cod.assign(explanation=[f"because of {t.split()[-1]}" for t in cod["text"]])[
        ["idx", "is_cfe", "explanation"]
    ].to_json(file, orient="records", lines=True)
    cfg2 = cfg.model_copy(update={"text2text": cfg.text2text.model_copy(update={"scheme": "r2", "alpha": 1.0})})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the generation-share warning is checked above
        r2 = distill_text2text("rt_sentences", 8, 0, "cod", cfg2, explanations=file, frame=cod, test=False)
    assert r2.examples["source"].str.startswith(("[predict] ", "[explain] ")).all()
    assert r2.examples["target"].iloc[-1] == f"because of {cfe_text.split()[-1]}"
    teacher, t_tok, _ = load_teacher("rt_sentences")
    with torch.no_grad():
        predicted = teacher(**t_tok([cfe_text], return_tensors="pt")).logits.argmax(-1).item()
    assert r2.examples["target"].iloc[-2] == WORDS[predicted]  # distill.cfe_label: teacher
    assert r2.summary["train_cfe_rows"] == 1 and r2.summary["train_rows"] == len(frame) + 1
    assert r2.predictions is None and not any(k.startswith("test_") for k in r2.summary)
    assert "train_aux" not in r2.fit.history[0]  # α = 1: the label task alone
    with pytest.raises(DataError, match="pass explanations"):
        distill_text2text("rt_sentences", 8, 0, "clean", cfg2)
