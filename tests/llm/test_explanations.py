"""Teacher explanations (R2) against the local OpenAI-compatible server with the real openai client."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
import yaml

from cod import config
from cod.chat.cache import ResponseCache
from cod.chat.client import EndpointError, ReplayMiss
from cod.errors import CodError, ConfigError, DataError
from cod.explanations import client, prompts, store
from cod.explanations.job import run, run_wrong_answers
from cod.explanations.select import explanations_for
from cod.explanations.teacher import explain_rows
from cod.explanations.wrong_answers import rationales_for
from tests.conftest import REPO
from tests.llm.conftest import KEY
from tests.llm.server import FakeOpenAI

PARAMS = config.load_params(REPO / "params.yaml")
SENTIMENT = ["negative", "positive"]
NLI = ["entailment", "neutral", "contradiction"]


def sections(server: FakeOpenAI, **explanations) -> tuple[config.ExplanationsConfig, config.CounterfactualsConfig]:
    """Section ``explanations`` (enabled, plus ``explanations``) and the chat sections pointed at ``server``."""
    cf = PARAMS.counterfactuals
    llm = cf.llm.model_copy(update={"base_url": server.url, "max_retries": 0, "timeout": 2.0, "concurrency": 2})
    cfg = config.ExplanationsConfig.model_validate(
        {**PARAMS.explanations.model_dump(), "enabled": True, **explanations}
    )
    return cfg, cf.model_copy(update={"llm": llm})


def singles(*texts: str) -> pd.DataFrame:
    """Originals labelled positive, and one CFE (negative) sharing the first original's idx."""
    n = len(texts)
    return pd.DataFrame(
        {
            "idx": [*range(10, 10 + n), 10],
            "text": [*texts, "a bad film"],
            "label": [1] * n + [0],
            "is_cfe": [False] * n + [True],
        }
    )


def pairs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "idx": [3, 3, 4],
            "text": ["A dog runs on the beach.", "A dog runs on the beach.", "Two men cook dinner."],
            "text_pair": ["An animal is outside.", "A cat sleeps indoors.", "People prepare food."],
            "label": [0, 2, 0],
            "is_cfe": [False, True, False],
        }
    )


def test_explanation_critique_and_revision_of_single_texts(server, tmp_path):
    cfg, chats = sections(server)
    made = run(singles("a good film", "a good plot"), SENTIMENT, "sentiment", cfg, chats, tmp_path / "out", tmp_path)
    f = made.frame
    assert f["idx"].tolist() == [10, 11, 10] and f["is_cfe"].tolist() == [False, False, True]
    assert f["explanation"].tolist() == [
        "explanation of a good film",
        "explanation of a good plot",
        "explanation of a bad film",
    ]
    assert (
        f["critique"].tolist()[0] == "critique of a good film" and f["revised"].tolist()[2] == "revised of a bad film"
    )
    assert (
        f["ok"].all() and f[["explanation_ok", "critique_ok", "revised_ok"]].all().all() and f["failure"].isna().all()
    )
    assert server.fields == {"explanation": 3, "critique": 3, "revised": 3}
    # the label asked about is the row's own (the CFE's is negative), and each step continues the conversation
    firsts = [p for p in server.prompts if '{"explanation"' in p]
    assert any("Text: a bad film\nLabel: negative" in p for p in firsts)
    assert any("Text: a good film\nLabel: positive" in p for p in firsts)
    assert sum("Critique your explanation" in p for p in server.prompts) == 3
    s = made.summary
    assert (s["rows"], s["ok_rows"], s["failed_rows"], s["asked"], s["requests_sent"], s["cache_hits"]) == (
        3, 3, 0, 9, 9, 0,
    )  # fmt: skip
    assert s["failures"] == {"explanation": 0, "critique": 0, "revised": 0}
    assert s["ledger"]["requests"] == 9 and s["ledger"]["prompt_tokens"] == 900
    assert s["ledger"]["cost_usd"] == pytest.approx(9 * (0.1 * 0.0025 + 0.02 * 0.01))
    assert (s["backend"], s["model"]) == ("llm", PARAMS.counterfactuals.llm.model)
    written = store.read(tmp_path / "out")
    assert written["explanation"].tolist() == f["explanation"].tolist() and written["ok"].all()
    for path in tmp_path.rglob("*.json*"):
        assert KEY not in path.read_text()

    # a rerun is answered from the cache: no new request, nothing new in the ledger
    before = sum(server.requests.values())
    again = run(singles("a good film", "a good plot"), SENTIMENT, "sentiment", cfg, chats, None, tmp_path)
    assert sum(server.requests.values()) == before
    assert (again.summary["requests_sent"], again.summary["cache_hits"], again.summary["ledger"]["requests"]) == (
        0,
        9,
        0,
    )
    assert again.frame.equals(f)


def test_sentence_pairs_are_shown_as_premise_and_hypothesis(server, tmp_path):
    cfg, chats = sections(server)
    made = run(pairs(), NLI, "generic", cfg, chats, None, tmp_path)
    f = made.frame
    assert f["ok"].all() and f["revised"].tolist() == [
        "revised of An animal is outside.",
        "revised of A cat sleeps indoors.",
        "revised of People prepare food.",
    ]
    first = next(p for p in server.prompts if "Hypothesis: A cat sleeps indoors." in p)
    assert "Premise: A dog runs on the beach.\nHypothesis: A cat sleeps indoors.\nLabel: contradiction" in first
    assert "premise and hypothesis pair" in first
    conv = prompts.explain("generic", "P.", "H.", "neutral")
    assert "natural language inference" in conv[0]["content"] and "Text:" not in conv[1]["content"]
    assert explanations_for(f, cfg) == {
        (3, False): "revised of An animal is outside.",
        (3, True): "revised of A cat sleeps indoors.",
        (4, False): "revised of People prepare food.",
    }


def test_replay_works_from_a_full_cache_and_names_a_miss(server, tmp_path):
    cfg, chats = sections(server)
    run(singles("a good film"), SENTIMENT, "sentiment", cfg, chats, None, tmp_path)
    sent = sum(server.requests.values())
    replay = chats.model_copy(update={"llm": chats.llm.model_copy(update={"mode": "replay"})})
    made = run(singles("a good film"), SENTIMENT, "sentiment", cfg, replay, tmp_path / "out", tmp_path)
    assert made.frame["ok"].all() and made.summary["requests_sent"] == 0 and sum(server.requests.values()) == sent
    assert (tmp_path / "out" / "explanations.jsonl").is_file()
    with pytest.raises(ReplayMiss) as info:
        run(singles("a good film", "a new good plot"), SENTIMENT, "sentiment", cfg, replay, tmp_path / "miss", tmp_path)
    msg = str(info.value)
    assert (
        "explanations (explanation step; nothing was written)" in msg and "1 of 3 requests are not in the cache" in msg
    )
    assert "counterfactuals.llm.mode: live" in msg
    assert not (tmp_path / "miss").exists() and sum(server.requests.values()) == sent


def test_malformed_refused_and_empty_answers_are_failures_of_their_rows(server, tmp_path):
    cfg, chats = sections(server)
    rows = ["a good film", "PROSE a good plot", "JUNK good", "REFUSE good", "EMPTY good", "BADCRIT good", "BADREV good"]
    made = run(singles(*rows), SENTIMENT, "sentiment", cfg, chats, tmp_path / "out", tmp_path)
    by = dict(zip(rows, made.frame.iloc[: len(rows)].to_dict("records"), strict=True))
    assert len(made.frame) == len(rows) + 1  # no row dropped
    assert by["a good film"]["ok"] and by["PROSE a good plot"]["ok"]
    assert by["PROSE a good plot"]["explanation"] == "explanation of PROSE a good plot"  # JSON found inside prose
    assert by["JUNK good"]["failure"] == 'explanation: malformed: no JSON object with a non-blank "explanation" string'
    assert by["REFUSE good"]["failure"] == "explanation: refused: I can't help with that."
    assert by["EMPTY good"]["failure"] == "explanation: empty answer"
    for text in ("JUNK good", "REFUSE good", "EMPTY good"):
        assert not by[text]["ok"] and not by[text]["explanation_ok"] and pd.isna(by[text]["critique"])
        assert server.requests[text] == 1  # no critique of a missing explanation
    crit = by["BADCRIT good"]
    assert crit["explanation_ok"] and not crit["critique_ok"] and not crit["revised_ok"] and not crit["ok"]
    assert crit["failure"].startswith("critique: malformed") and server.requests["BADCRIT good"] == 2
    rev = by["BADREV good"]
    assert rev["critique_ok"] and not rev["revised_ok"] and rev["failure"].startswith("revised: malformed")
    s = made.summary
    assert s["failures"] == {"explanation": 3, "critique": 1, "revised": 1}
    assert s["reasons"] == {"malformed": 3, "refused": 1, "empty answer": 1}
    assert (s["rows"], s["ok_rows"], s["failed_rows"]) == (8, 3, 5)
    assert s["requests_sent"] == 3 * 3 + 3 * 1 + 2 + 3 and s["ledger"]["requests"] == s["requests_sent"]
    assert (s["ledger"]["refusals"], s["ledger"]["empty"], s["ledger"]["errors"]) == (1, 1, 0)
    chosen = explanations_for(made.frame, cfg)
    assert chosen[(15, False)] == "explanation of BADCRIT good"  # no revision: the first explanation
    assert chosen[(16, False)] == "explanation of BADREV good"
    assert chosen[(10, False)] == "revised of a good film" and chosen[(10, True)] == "revised of a bad film"
    assert (12, False) not in chosen and len(chosen) == 5  # JUNK, REFUSE, EMPTY have none
    first = explanations_for(made.frame, "first")
    assert first[(10, False)] == "explanation of a good film" and len(first) == 5
    assert store.read(tmp_path / "out")["failure"].notna().sum() == 5


@pytest.mark.parametrize("status", [401, 503])
def test_an_endpoint_fault_fails_the_job_and_writes_nothing(server, tmp_path, status):
    cfg, chats = sections(server)
    server.fail_status, server.fail_after = status, 2
    with pytest.raises(EndpointError) as info:
        run(
            singles("a good film", "a good plot", "a good song"),
            SENTIMENT,
            "sentiment",
            cfg,
            chats,
            tmp_path / "out",
            tmp_path,
        )
    msg = str(info.value)
    assert isinstance(info.value, CodError) and info.value.exit_code == 1
    assert msg.startswith("explanations (explanation step; nothing was written): counterfactuals.llm: ")
    assert f"{status}" in msg and server.url in msg and "\n" not in msg and KEY not in msg
    assert not (tmp_path / "out").exists()
    assert len(ResponseCache(tmp_path)) == 2  # the answers received before the fault are kept


def test_without_critique_only_explanations_are_asked(server, tmp_path):
    cfg, chats = sections(server, critique=False, use="first")
    made = run(singles("a good film"), SENTIMENT, "sentiment", cfg, chats, None, tmp_path)
    assert server.fields == {"explanation": 2} and made.frame["ok"].all()
    assert made.frame["critique"].isna().all() and made.summary["failures"] == {"explanation": 0}
    assert explanations_for(made.frame, cfg) == {
        (10, False): "explanation of a good film",
        (10, True): "explanation of a bad film",
    }


def test_settings_and_refusals_name_the_key_and_the_fix(server, tmp_path):
    cfg, chats = sections(server, max_tokens=400)
    s = client.settings(cfg, chats)
    assert (s.max_tokens, s.model, s.base_url) == (400, chats.llm.model, server.url)
    off, _ = sections(server, enabled=False)
    with pytest.raises(ConfigError, match=r"explanations\.enabled is false; set explanations\.enabled: true"):
        run(singles("a good film"), SENTIMENT, "sentiment", off, chats, None, tmp_path)
    raw = yaml.safe_load((REPO / "params.yaml").read_text())
    bad = copy.deepcopy(raw)
    bad["explanations"].update(critique=False, use="revised")
    with pytest.raises(ConfigError, match=r"explanations: use: revised needs critique: true.*explanations\.use: first"):
        config.load_params(REPO / "params.yaml", raw=bad)
    bad = copy.deepcopy(raw)
    bad["explanations"]["use"] = "best"
    with pytest.raises(ConfigError, match=r"explanations\.use.*'revised'.*'first'"):
        config.load_params(REPO / "params.yaml", raw=bad)
    with pytest.raises(DataError, match=r"lacks columns \['label'\]"):
        explain_rows(
            pd.DataFrame({"idx": [1], "text": ["x"]}), SENTIMENT, "sentiment", client.chat(cfg, chats, tmp_path)
        )
    with pytest.raises(DataError, match=r"labels \[5\] have no name"):
        explain_rows(
            pd.DataFrame({"idx": [1], "text": ["x"], "label": [5]}),
            SENTIMENT,
            "sentiment",
            client.chat(cfg, chats, tmp_path),
        )
    assert sum(server.requests.values()) == 0  # every refusal came before a request


def test_explanations_feed_the_text_to_text_students_explain_task(server, tmp_path):
    from cod.text2text.examples import examples

    frame = singles("a good film", "a good plot")
    cfg, chats = sections(server)
    made = run(frame, SENTIMENT, "sentiment", cfg, chats, tmp_path / "out", tmp_path)
    chosen = explanations_for(made.frame, cfg)
    rows = examples(frame, SENTIMENT, "r2", explanations=chosen)
    explain = rows[rows["task"] == "explain"]
    assert explain["source"].tolist() == [f"[explain] {t}" for t in frame["text"]]
    assert explain["target"].tolist() == [
        chosen[(int(i), bool(c))] for i, c in zip(frame["idx"], frame["is_cfe"], strict=True)
    ]
    assert set(explain["target"]) == set(made.frame["revised"])  # the revisions (use: revised), one per row


# --- wrong-answer rationales (R2's counterfactual objective) ------------------------------------------------


def test_every_wrong_label_of_every_row_gets_a_rationale_argued_as_if_right(server, tmp_path):
    cfg, chats = sections(server)
    made = run_wrong_answers(pairs(), NLI, "generic", cfg, chats, tmp_path / "out", tmp_path)
    f = made.frame
    assert f[["idx", "is_cfe", "label", "wrong"]].values.tolist() == [
        [3, False, 0, 1], [3, False, 0, 2], [3, True, 2, 0], [3, True, 2, 1], [4, False, 0, 1], [4, False, 0, 2],
    ]  # fmt: skip
    assert f["rationale"].tolist()[:2] == [
        "rationale of An animal is outside. as neutral",
        "rationale of An animal is outside. as contradiction",
    ]
    assert f["ok"].all() and f["failure"].isna().all() and server.fields == {"rationale": 6}
    asked = next(p for p in server.prompts if "Hypothesis: A cat sleeps indoors.\nLabel: entailment" in p)
    assert "is wrong for this premise and hypothesis pair. Suppose it were right" in asked
    assert asked.endswith('{"rationale": "<one or two sentences>"}.')
    s = made.summary
    assert (s["rows"], s["wrong_answers"], s["ok"], s["failed"], s["reasons"]) == (3, 6, 6, 0, {})
    assert (s["asked"], s["requests_sent"], s["cache_hits"], s["ledger"]["requests"]) == (6, 6, 0, 6)
    written = pd.read_json(tmp_path / "out" / "wrong_answers.jsonl", lines=True)
    assert written["rationale"].tolist() == f["rationale"].tolist()
    assert (tmp_path / "out" / "wrong_answers_summary.json").is_file()
    assert rationales_for(f)[(3, True)] == {
        0: "rationale of A cat sleeps indoors. as entailment",
        1: "rationale of A cat sleeps indoors. as neutral",
    }

    # a re-run is answered from the cache: nothing paid for is asked again
    again = run_wrong_answers(pairs(), NLI, "generic", cfg, chats, None, tmp_path)
    assert server.fields == {"rationale": 6} and again.frame.equals(f)
    assert (again.summary["requests_sent"], again.summary["cache_hits"], again.summary["ledger"]["requests"]) == (
        0,
        6,
        0,
    )


def test_unusable_rationales_are_kept_and_counted_by_reason(server, tmp_path):
    cfg, chats = sections(server)
    rows = ["a good film", "JUNK good", "REFUSE good", "EMPTY good", "PROSE good"]
    made = run_wrong_answers(singles(*rows), SENTIMENT, "sentiment", cfg, chats, None, tmp_path)
    f = made.frame
    assert len(f) == len(rows) + 1  # one wrong label per row of a binary task, none dropped
    assert f["ok"].tolist() == [True, False, False, False, True, True]
    assert f["failure"].tolist()[1:4] == [
        'malformed: no JSON object with a non-blank "rationale" string',
        "refused: I can't help with that.",
        "empty answer",
    ]
    assert made.summary["reasons"] == {"malformed": 1, "refused": 1, "empty answer": 1}
    assert (made.summary["ok"], made.summary["failed"]) == (3, 3)
    assert f["rationale"].tolist()[-1] == "rationale of a bad film as positive"  # the CFE's wrong label
    chosen = rationales_for(f)
    assert set(chosen) == {(10, False), (14, False), (10, True)} and chosen[(10, False)] == {
        0: "rationale of a good film as negative"
    }


def test_a_crash_loses_no_answer_paid_for(server, tmp_path):
    cfg, chats = sections(server)
    frame = singles("a good film", "a good plot", "a good song")
    server.fail_status, server.fail_after = 503, 2
    with pytest.raises(EndpointError, match=r"explanations \(rationale step; nothing was written\)"):
        run_wrong_answers(frame, SENTIMENT, "sentiment", cfg, chats, tmp_path / "out", tmp_path)
    assert not (tmp_path / "out").exists() and len(ResponseCache(tmp_path)) == 2
    server.fail_status = None
    made = run_wrong_answers(frame, SENTIMENT, "sentiment", cfg, chats, tmp_path / "out", tmp_path)
    assert made.frame["ok"].all() and (made.summary["requests_sent"], made.summary["cache_hits"]) == (2, 2)
    with pytest.raises(ConfigError, match=r"explanations\.enabled is false"):
        run_wrong_answers(frame, SENTIMENT, "sentiment", sections(server, enabled=False)[0], chats, None, tmp_path)
