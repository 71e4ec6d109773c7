"""`cod text2text` end to end offline: the session's tiny teacher and training set, the local OpenAI-compatible test
server as the teacher LLM, and a tiny random T5 built from a config as the student."""

from __future__ import annotations

import json
import shutil
import warnings

import pandas as pd
import pytest
import yaml

from cod import cli, paths
from tests import tiny
from tests.llm.server import FakeOpenAI

KEY = "sk-test-SECRET-0123456789"
# the words of the test server's answers, so the tiny student's word-level tokenizer can write them
ANSWER_WORDS = ["explanation", "critique", "revised", "rationale", "of", "as"]


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


@pytest.fixture
def t2t_repo(bert_run, repo, server, monkeypatch, tmp_path_factory):
    """The session's tiny teacher and k = 8 sets, a tiny T5 student, scheme r2 with objective mt+cf, and the
    teacher LLM's chat pointed at the local test server (with an API key in the environment)."""
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    student = tiny.save_t5(tmp_path_factory.mktemp("t5") / "t5", extra_vocab=ANSWER_WORDS)
    raw["distill"]["text2text"].update(
        model=student, scheme="r2", objective="mt+cf", epochs=2, lr=1e-2, batch_size=8, explained_rows=12
    )
    raw["distill"]["text2text"].update(max_source_length=48, max_target_length=16)
    raw["explanations"].update(enabled=True, critique=True, use="revised")
    raw["counterfactuals"]["llm"].update(base_url=server.url, max_retries=0, timeout=5.0, concurrency=2)
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    return repo


def text2text(capsys, *args: str) -> tuple[int, str, str]:
    """Run `cod text2text --dataset rt_sentences --k 8 --seed 0 --mode clean` (``args`` replace the trailing ones):
    its exit code, stdout and the error lines of stderr (a progress bar of model loading may precede them)."""
    argv = ["text2text", "--dataset", "rt_sentences", "--k", "8", "--seed", "0", "--mode", "clean", *args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny student's generations are rarely label words; that is warned
        code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, "".join(line for line in err.splitlines(keepends=True) if line.startswith("error:"))


def edit(repo, section: str, **values) -> None:
    """Set keys of ``section`` (dotted: distill.text2text) in repo/params.yaml."""
    raw = yaml.safe_load((repo / "params.yaml").read_text())
    target = raw
    for part in section.split("."):
        target = target[part]
    target.update(values)
    (repo / "params.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))


def test_the_command_runs_explanations_rationales_training_and_scoring_offline(t2t_repo, server, capsys):
    code, out, err = text2text(capsys)
    assert code == 0, err
    run = paths.text2text_dir("rt_sentences", 8, 0, "clean", "r2-mt+cf-critique")
    assert f"wrote {run}" in out and "test_accuracy" in out
    rows = 8  # the k = 8 clean set: one wrong answer each (a binary task)
    assert server.fields == {"explanation": rows, "critique": rows, "revised": rows, "rationale": rows}

    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["objective"], metrics["gamma"], metrics["alpha"], metrics["explanations_critique"]) == (
        "mt+cf",
        0.5,
        0.5,
        True,
    )
    assert 0 <= metrics["test_accuracy"] <= 1 and 0 <= metrics["best_val_accuracy"] <= 1
    for score in ("leakage", "simulatability_majority", "length"):
        assert metrics[f"test_explanation_{score}"] is not None
    assert metrics["test_explanation_rows"] == 12
    assert {metrics[f"train_{t}_examples"] for t in ("predict", "explain", "factual", "counterfactual")} == {rows}
    assert metrics["train_rows_without_explanation"] == metrics["train_wrong_answers_without_rationale"] == 0
    assert (metrics["teacher_explanations_failed"], metrics["teacher_wrong_answers_failed"]) == (0, 0)
    assert metrics["teacher_requests_sent"] == 4 * rows and metrics["teacher_cost_usd"] > 0

    generated = pd.read_json(paths.text2text_explanations(run), lines=True)
    assert len(generated) == 12 and {"text", "label", "pred", "explanation"} <= set(generated.columns)
    teacher = paths.text2text_teacher(run)
    explained = pd.read_json(teacher / "explanations.jsonl", lines=True)
    wrong = pd.read_json(teacher / "wrong_answers.jsonl", lines=True)
    assert explained["revised"].str.startswith("revised of ").all() and len(explained) == rows
    assert (wrong["wrong"] == 1 - wrong["label"]).all() and wrong["rationale"].str.startswith("rationale of ").all()
    assert (run / "params.yaml").is_file() and KEY not in (run / "params.yaml").read_text()


def test_the_counterfactual_objective_alone_answers_through_the_factual_task(t2t_repo, server, capsys):
    edit(t2t_repo, "distill.text2text", objective="cf")
    edit(t2t_repo, "explanations", critique=False, use="first")
    code, out, err = text2text(capsys)
    assert code == 0, err
    rows = 8
    assert server.fields == {"explanation": rows, "rationale": rows}  # no critique, no revision
    run = paths.text2text_dir("rt_sentences", 8, 0, "clean", "r2-cf")
    cf = json.loads((run / "metrics.json").read_text())
    assert (cf["objective"], cf["gamma"], cf["explanations_critique"]) == ("cf", 0.0, False)
    assert cf["train_factual_examples"] == cf["train_counterfactual_examples"] == rows
    assert "train_predict_examples" not in cf and 0 <= cf["test_generation_valid"] <= 1
    generated = pd.read_json(paths.text2text_explanations(run), lines=True)
    assert "So the answer is" not in " ".join(generated["explanation"])  # the explanation part of each generation

    # a re-run asks the teacher LLM nothing: every answer paid for is in the response cache
    code, _, err = text2text(capsys)
    assert code == 0, err
    assert server.fields == {"explanation": rows, "rationale": rows}
    assert json.loads((run / "metrics.json").read_text())["teacher_requests_sent"] == 0


def test_a_missing_api_key_is_one_line_naming_the_variable(t2t_repo, monkeypatch, capsys):
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = text2text(capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: counterfactuals.llm.mode is 'live' but $OPENAI_API_KEY is not set; export")
    assert err.count("\n") == 1


def test_a_missing_teacher_training_set_or_consent_is_one_line_naming_the_fix(t2t_repo, capsys):
    edit(t2t_repo, "explanations", enabled=False)
    code, _, err = text2text(capsys)
    assert code == 2 and err.count("\n") == 1
    assert "explanations.enabled is false; set explanations.enabled: true" in err

    code, _, err = text2text(capsys, "--k", "16")
    assert code == 2 and err.count("\n") == 1
    assert "k16/train.jsonl is missing; run `dvc repro subset@rt_sentences` first" in err

    shutil.rmtree(paths.teacher_dir("rt_sentences"))
    code, _, err = text2text(capsys)
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: no teacher for rt_sentences") and "run `dvc repro teacher@rt_sentences` first" in err
    assert not paths.text2text_dir("rt_sentences", 8, 0, "clean", "r2-mt+cf-critique").exists()
