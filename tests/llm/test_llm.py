"""The LLM backend against a real local HTTP server with the real openai client."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from cod import config
from cod.chat.answers import answer_status
from cod.chat.cache import ResponseCache, ledger_summary, summarise_ledger
from cod.chat.client import LLM, EndpointError, LLMSettings, ReplayMiss, request_key
from cod.chat.local import LocalLM
from cod.counterfactuals import prompts
from cod.counterfactuals.answers import counterfactual_judge, parse_counterfactual
from cod.counterfactuals.generators.llm import LLMGenerator
from cod.counterfactuals.generators.local import LocalGenerator
from cod.errors import CodError, ConfigError
from tests.conftest import REPO
from tests.llm.conftest import KEY
from tests.llm.server import FakeOpenAI
from tests.reliability_cases import cases, ids

THIS = "tests/llm/test_llm.py"

# the request settings of the project's params.yaml (section counterfactuals.llm)
BASE = LLMSettings.from_config(config.load_params(REPO / "params.yaml").counterfactuals.llm)


def settings(server: FakeOpenAI, **kw) -> LLMSettings:
    return replace(BASE, **{"base_url": server.url, "max_retries": 2, "timeout": 1.0, "concurrency": 3, **kw})


def conv(text: str) -> list[dict[str, str]]:
    return prompts.build("sentiment", text, "positive", "negative")


def test_parse_survives_prose_and_rejects_junk():
    assert parse_counterfactual('Sure: {"counterfactual": "a bad film"} ok?') == "a bad film"
    assert parse_counterfactual('{"x": 1} then {"counterfactual": "\\"quoted\\""}') == "quoted"  # quotes stripped
    assert parse_counterfactual("no json here") is None and parse_counterfactual(None) is None
    assert parse_counterfactual('{"counterfactual": "  "}') is None


def test_an_unusable_answer_says_why():
    def status(text, refusal=None):
        return answer_status(text, refusal, "counterfactual", "a good film")

    assert status('Sure: {"counterfactual": "a bad film"} ok?') == "ok"
    assert status(None, "I can't help with that.") == "refusal" and status("Sorry, I cannot do that.") == "refusal"
    assert status("") == status("  \n") == "empty"
    assert status("I changed one word.") == "prose" and status('{"counterfactual": "a bad') == "no_json"
    assert status('{"text": "a bad film"}') == status('{"counterfactual": " "}') == "wrong_key"
    assert status('{"counterfactual": "a good film"}') == "unchanged"
    assert status('I\'m sorry, here it is anyway: {"counterfactual": "a bad film"}') == "ok"  # usable wins


def test_answers_retries_failures_ledger_and_cache(server, tmp_path):
    texts = ["a good film", "PROSE a good plot", "REFUSE good", "EMPTY good", "RATE a bad film"]
    llm = LLM(settings(server), ResponseCache(tmp_path))
    out = {
        r["messages"][-1]["content"].split("Text: ")[-1].split("\n")[0]: r
        for r in llm.complete_many(conv(t) for t in texts)
    }
    assert parse_counterfactual(out["a good film"]["text"]) == "a bad film"
    assert parse_counterfactual(out["PROSE a good plot"]["text"]) == "PROSE a bad plot"
    assert out["REFUSE good"]["status"] == "refusal" and out["EMPTY good"]["status"] == "empty"
    assert out["RATE a bad film"]["status"] == "ok" and server.requests["RATE a bad film"] == 2  # 429 retried
    ledger = ledger_summary(llm.cache)
    assert ledger["requests"] == 5 and ledger["errors"] == 0 and ledger["refusals"] == 1 and ledger["empty"] == 1
    assert ledger["prompt_tokens"] == 500 and ledger["cost_usd"] == pytest.approx(5 * (0.1 * 0.0025 + 0.02 * 0.01))
    assert all(a == f"Bearer {KEY}" for a in server.auth)

    before = sum(server.requests.values())
    again = LLM(settings(server), ResponseCache(tmp_path))
    again.complete_many(conv(t) for t in texts)
    assert sum(server.requests.values()) == before and again.requests_sent == 0  # all five from the cache
    for f in tmp_path.iterdir():
        assert KEY not in f.read_text()


def free_url() -> str:
    """The URL of a local port nobody listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@pytest.mark.parametrize("case", cases(f"{THIS}::test_endpoint_faults_stop_with_one_message"), ids=ids)
def test_endpoint_faults_stop_with_one_message(server, tmp_path, case):
    setup = case["setup"]
    url = free_url() if setup.get("endpoint") == "refused" else setup.get("endpoint", server.url)
    retries = setup.get("max_retries", 0)
    server.fail_status, server.fail_after = setup.get("status"), 2  # two answers arrive, then the fault
    marker = setup.get("marker", "E503" if setup.get("status") else "")
    texts = ["a good film", "a bad plot", *(f"{marker} good {i}" for i in range(4))]
    llm = LLM(
        settings(server, base_url=url, max_retries=retries, timeout=setup.get("timeout", 2.0), concurrency=1),
        ResponseCache(tmp_path),
    )
    start = time.perf_counter()
    with pytest.raises(EndpointError) as info:
        llm.complete_many(conv(t) for t in texts)
    seconds = time.perf_counter() - start
    msg = str(info.value)
    reachable = url == server.url
    received = 2 if reachable else 0
    assert isinstance(info.value, CodError) and info.value.exit_code == 1
    assert "\n" not in msg and KEY not in msg
    for piece in case["expect"]:
        assert piece.format(url=url) in msg, (piece, msg)
    assert f"1 of {received + 1} requests to {url} failed after {retries} retries" in msg
    assert f"{len(texts) - received - 1} more were not sent" in msg  # sending stopped at the first failure
    assert f"{received} answers received before the failure are kept in {tmp_path / 'responses.jsonl'}" in msg
    kept = ResponseCache(tmp_path)
    assert len(kept) == received and ledger_summary(kept)["errors"] == 1
    if reachable:
        assert server.requests[texts[2]] == setup.get("tries", 1)  # the client's retries, then the stop
        assert not any(server.requests[t] for t in texts[3:])
    assert seconds < 8 + 2 * setup.get("timeout", 0), seconds


@pytest.mark.parametrize("case", cases(f"{THIS}::test_request_faults_are_counted_not_fatal"), ids=ids)
def test_request_faults_are_counted_not_fatal(server, tmp_path, case):
    setup = case["setup"]
    texts = [f"{setup['marker']} good", "a good film"]
    judges = [counterfactual_judge(t) for t in texts]  # as the LLM generator asks: ok, or why it is unusable
    llm = LLM(settings(server, max_retries=0), ResponseCache(tmp_path))
    bad, good = llm.complete_many([conv(t) for t in texts], judges)
    assert bad["status"] == setup["status"] and parse_counterfactual(bad["text"]) in (None, texts[0])  # no edit
    assert parse_counterfactual(good["text"]) == "a bad film" and good["status"] == "ok"
    assert [r["status"] for r in ResponseCache(tmp_path).ledger.records()] == [r["status"] for r in llm.booked]
    assert sorted(r["status"] for r in llm.booked) == sorted([setup["status"], "ok"])
    ledger = summarise_ledger(llm.booked)
    assert ledger["requests"] == 2 and ledger["ok"] == 1 and ledger[setup.get("count", setup["status"])] == 1
    again = LLM(settings(server, max_retries=0), ResponseCache(tmp_path))
    again.complete_many([conv(t) for t in texts], judges)
    assert again.requests_sent == (0 if setup["cached"] else 1)
    assert summarise_ledger(again.booked)["requests"] == again.requests_sent  # this client's requests only


def test_replay_never_calls_and_fails_clearly_on_a_miss(server, tmp_path):
    LLM(settings(server), ResponseCache(tmp_path)).complete_many([conv("a good film")])
    sent = sum(server.requests.values())
    replay = LLM(settings(server, mode="replay"), ResponseCache(tmp_path))
    assert parse_counterfactual(replay.complete_many([conv("a good film")])[0]["text"]) == "a bad film"
    assert sum(server.requests.values()) == sent and replay.requests_sent == 0
    with pytest.raises(ReplayMiss, match="1 of 1 requests are not in the cache"):
        replay.complete_many([conv("another good film")])
    other = LLM(settings(server, mode="replay", base_url="http://127.0.0.1:9/v1"), ResponseCache(tmp_path))
    with pytest.raises(ReplayMiss):  # another endpoint's answers are not this one's
        other.complete_many([conv("a good film")])


def test_two_endpoints_with_one_model_name_do_not_share_answers(server, tmp_path):
    [case] = cases(f"{THIS}::test_two_endpoints_with_one_model_name_do_not_share_answers")
    with FakeOpenAI() as other:
        first = LLM(settings(server), ResponseCache(tmp_path))
        first.complete_many([conv("a good film")])
        second = LLM(settings(other), ResponseCache(tmp_path))
        second.complete_many([conv("a good film")])
        assert second.requests_sent == 1 and other.requests["a good film"] == 1, case["id"]
    records = [json.loads(line) for line in (tmp_path / "responses.jsonl").read_text().splitlines()]
    assert len({r["key"] for r in records}) == 2
    assert {r["endpoint"] for r in records} == {server.url, other.url}
    for f in tmp_path.iterdir():
        assert KEY not in f.read_text()


@pytest.mark.parametrize("case", cases(f"{THIS}::test_cache_key_separates_what_changes_an_answer"), ids=ids)
def test_cache_key_separates_what_changes_an_answer(case, tmp_path, monkeypatch):
    setup = case["setup"]
    base = replace(BASE, model="org/model", base_url=None)
    make = LocalLM if setup.get("backend") == "local" else LLM
    if make is LocalLM:
        base = replace(base, gguf_file="model-Q4_K_M.gguf")
    before = request_key(make(base, ResponseCache(tmp_path)).settings, conv("a good film"))
    for name, value in setup.get("env", {}).items():
        monkeypatch.setenv(name, value)
    after = request_key(
        make(replace(base, **setup.get("change", {})), ResponseCache(tmp_path)).settings, conv("a good film")
    )
    assert before != after


def test_cache_key_covers_model_prompt_and_sampling_but_not_the_transport(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    s = replace(BASE, base_url=None)
    key = request_key(s, conv("a good film"))
    for change in ({"model": "gpt-4o-mini"}, {"temperature": 0.7}, {"max_tokens": 64}, {"base_url": "http://h/v1"}):
        assert request_key(replace(s, **change), conv("a good film")) != key, change
    assert request_key(s, conv("a bad film")) != key
    for change in ({"timeout": 1.0}, {"max_retries": 0}, {"concurrency": 9}, {"mode": "replay"}, {"api_key_env": "X"}):
        assert request_key(replace(s, **change), conv("a good film")) == key, change
    explicit = LLM(replace(s, base_url="https://api.openai.com/v1/"), ResponseCache(tmp_path)).settings
    assert request_key(explicit, conv("a good film")) == request_key(
        LLM(s, ResponseCache(tmp_path)).settings, conv("a good film")
    )
    local = LocalLM(s, ResponseCache(tmp_path), gguf_file="m.gguf").settings
    assert request_key(local, conv("a good film")) != key and local.base_url is None


def test_cache_keys_of_earlier_releases_stay_valid(tmp_path, monkeypatch):
    """The keys of users' caches: a change of ``request_key`` (or of the settings it reads) would re-pay them all."""
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    cache = ResponseCache(tmp_path)
    local = replace(BASE, model="Qwen/Qwen2.5-1.5B-Instruct")
    cfg = config.load_params(REPO / "params.yaml").counterfactuals.model_copy(update={"backend": "local"})
    keys = {
        "api": request_key(LLM(BASE, cache).settings, conv("a good film")),
        "url": request_key(
            LLM(replace(BASE, base_url="http://127.0.0.1:8000/v1"), cache).settings, conv("a good film")
        ),
        "local": request_key(LocalLM(local, cache, gguf_file="m.gguf").settings, conv("a good film")),
        # each chat generator as params.yaml configures it (its own section, counterfactuals.llm / .local)
        "llm_generator": request_key(LLMGenerator(cfg).chat(cache).settings, conv("a good film")),
        "local_generator": request_key(LocalGenerator(cfg).chat(cache).settings, conv("a good film")),
    }
    assert keys == {
        "api": "a63a932b60826711014e6d320013aed52966f0cc7d2d14eb22c273d9b20e1a32",
        "url": "444b6bea3e7998316ddab8559c3962a26de9282bfe8b45074e412339c03c343a",
        "local": "42cac8390833f349beb6cd4241606dd1912d9f97f10bf7752d4b3f490b5c1b39",
        "llm_generator": "a63a932b60826711014e6d320013aed52966f0cc7d2d14eb22c273d9b20e1a32",
        "local_generator": "1e718c87da098bad01c60d8ad31b45795b79d49243db747e556782e89b6c6eae",
    }


def test_the_local_generator_reads_only_its_own_section(tmp_path):
    cf = config.load_params(REPO / "params.yaml").counterfactuals.model_copy(update={"backend": "local"})
    mine = LocalGenerator(cf).chat(ResponseCache(tmp_path)).settings
    other = cf.llm.model_copy(update={"model": "x", "temperature": 0.7, "max_tokens": 64, "mode": "replay"})
    assert LocalGenerator(cf.model_copy(update={"llm": other})).chat(ResponseCache(tmp_path)).settings == mine
    assert (mine.concurrency, mine.base_url, mine.price_input_per_1k) == (1, None, 0.0)  # no endpoint, no price
    replay = cf.model_copy(update={"local": cf.local.model_copy(update={"mode": "replay"})})
    with pytest.raises(ReplayMiss, match=r"counterfactuals\.local\.mode: live"):
        LocalGenerator(replay).chat(ResponseCache(tmp_path)).complete_many([conv("a good film")])


def test_missing_key_is_one_clear_message(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigError, match=r"\$OPENAI_API_KEY is not set"):
        LLM(settings(server), ResponseCache(tmp_path)).complete_many([conv("a good film")])


CHILD = """
import sys
from dataclasses import replace
from pathlib import Path
from cod import config
from cod.counterfactuals import prompts
from cod.chat.cache import ResponseCache
from cod.chat.client import LLM, LLMSettings
url, folder, params = sys.argv[1], sys.argv[2], Path(sys.argv[3])
base = LLMSettings.from_config(config.load_params(params).counterfactuals.llm)
llm = LLM(replace(base, base_url=url, concurrency=1, max_retries=0), ResponseCache(Path(folder)))
llm.complete_many(prompts.build("sentiment", f"SLOW good {i}", "positive", "negative") for i in range(20))
"""


def test_sigkill_mid_run_loses_nothing_and_pays_nothing_twice(server, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, server.url, str(tmp_path), str(REPO / "params.yaml")], env=dict(os.environ)
    )
    log = tmp_path / "responses.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not log.is_file() or len(log.read_text().splitlines()) < 5):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = {json.loads(line)["key"] for line in log.read_text().splitlines()}
    assert 5 <= len(saved) < 20
    sent_before = sum(server.requests.values())
    llm = LLM(replace(BASE, base_url=server.url, concurrency=2, max_retries=0), ResponseCache(tmp_path))
    out = llm.complete_many(prompts.build("sentiment", f"SLOW good {i}", "positive", "negative") for i in range(20))
    assert len(out) == 20 and all(r["status"] == "ok" for r in out)
    assert llm.requests_sent == 20 - len(saved)  # only the missing ones
    assert sent_before <= len(saved) + 1  # at most the one request in flight at the kill was lost
    assert max(server.requests.values()) <= 2 and sum(v == 2 for v in server.requests.values()) <= 1
    assert len({json.loads(x)["key"] for x in log.read_text().splitlines()}) == 20


def test_current_and_target_on_a_hand_made_probability_matrix():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.5, 0.5], [0.3, 0.7]])
    gold = np.array([0, 1, 0, 1])
    current, target = prompts.current_and_target(probs, gold, "gold")
    assert current.tolist() == [0, 1, 0, 1] and target.tolist() == [1, 0, 1, 0]  # 1 - gold, even where the teacher errs
    current, target = prompts.current_and_target(probs, gold, "teacher")
    assert current.tolist() == [0, 0, 0, 1] and target.tolist() == [1, 1, 1, 0]  # the tie's target is the other class
    three = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]])
    current, target = prompts.current_and_target(three, np.array([1, 2, 0]), "gold")
    assert current.tolist() == [1, 2, 0] and target.tolist() == [2, 0, 2]  # the teacher's most probable non-gold class
    current, target = prompts.current_and_target(three, np.array([1, 2, 0]), "teacher")
    assert current.tolist() == [1, 0, 2] and target.tolist() == [2, 2, 0]
    with pytest.raises(ValueError, match="label_source"):
        prompts.current_and_target(three, np.array([1, 2, 0]), "silver")


class TableScorer:
    """A stand-in teacher: fixed class probabilities per text, a tie for any other text."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def probs(self, texts: list[str]) -> np.ndarray:
        return np.array([self.table.get(t, [0.5, 0.5]) for t in texts], dtype=float)


@pytest.mark.parametrize("case", cases(f"{THIS}::test_prompts_never_ask_to_change_a_label_into_itself"), ids=ids)
def test_prompts_never_ask_to_change_a_label_into_itself(case, repo, server):
    from cod.counterfactuals.generators.llm import LLMGenerator
    from cod.data.registry import describe

    source = case["setup"]["label_source"]
    llm = config.load_params().counterfactuals.llm.model_copy(
        update={
            "base_url": server.url,
            "label_source": source,
            "max_retries": 0,
            "fallback": "none",
            "feedback_rounds": 0,
        }
    )
    cfg = config.load_params().counterfactuals.model_copy(update={"backend": "llm", "llm": llm})
    # teacher right / teacher wrong (gold positive, predicted negative) / an exact tie
    table = {"a good film": [0.1, 0.9], "a good plot": [0.8, 0.2], "a good song": [0.5, 0.5]}
    originals = pd.DataFrame({"idx": [0, 1, 2], "text": list(table), "label": [1, 1, 1]})
    made = LLMGenerator(cfg).generate(originals, TableScorer(table), describe("rt_sentences"), ["negative", "positive"])
    results = made.results
    asked = [re.findall(r"Current label: (\w+)\nTarget label: (\w+)", p)[-1] for p in server.prompts]
    assert len(asked) == 3 and all(cur != tgt for cur, tgt in asked), asked
    first = {p.split("Text: ")[-1].split("\n")[0]: pair for p, pair in zip(server.prompts, asked, strict=True)}
    if source == "gold":
        assert {cur for cur, _ in asked} == {"positive"} and first["a good plot"] == ("positive", "negative")
        assert results[1].target == 0 and not results[1].flipped  # the teacher already said negative: not a flip
    else:
        assert first["a good plot"] == ("negative", "positive") and first["a good song"] == ("negative", "positive")


class FlipEditor:
    """A stand-in offline editor: every text it is handed comes back flipped ("a dull film", teacher-accepted)."""

    def edit(self, text: str, first: str | None = None):
        from cod.counterfactuals.editor import Edit, EditResult

        return EditResult(text, "a dull film", 1, 0, True, 0.1, 0.9, [Edit(1, "antonym", "good", "dull")])


def llm_counterfactuals(server: FakeOpenAI, **llm_updates):
    """Section ``counterfactuals`` of the project's params.yaml on the LLM backend, answered by ``server``."""
    llm = config.load_params().counterfactuals.llm.model_copy(
        update={"base_url": server.url, "max_retries": 0, "feedback_rounds": 0, **llm_updates}
    )
    return config.load_params().counterfactuals.model_copy(update={"backend": "llm", "llm": llm})


def test_every_result_names_its_maker_the_llm_or_the_fallback_editor(repo, server, monkeypatch):
    from cod.counterfactuals.generators.semantic import SemanticGenerator
    from cod.counterfactuals.provenance import provenance
    from cod.data.registry import describe

    monkeypatch.setattr(SemanticGenerator, "editor", lambda self, scorer, dataset: FlipEditor())
    table = {"a good film": [0.1, 0.9], "a bad film": [0.9, 0.1], "JUNK a good plot": [0.1, 0.9]}
    originals = pd.DataFrame({"idx": [0, 1], "text": ["a good film", "JUNK a good plot"], "label": [1, 1]})
    names = ["negative", "positive"]
    made = LLMGenerator(llm_counterfactuals(server)).generate(
        originals, TableScorer(table), describe("rt_sentences"), names
    )
    assert made.makers == [
        "llm",
        "editor:semantic",
    ]  # the LLM flipped the first; its prose left the second to the editor
    assert [r.text for r in made.results] == ["a bad film", "a dull film"] and made.extra["fell_back_to_editor"] == 1
    alone = LLMGenerator(llm_counterfactuals(server, fallback="none"))
    assert alone.generate(originals, TableScorer(table), describe("rt_sentences"), names).makers == ["llm", "llm"]
    kept = pd.DataFrame({"generator": made.makers})
    assert provenance(kept, "llm") == {
        "generator": "llm",
        "made_by": {"llm": 1, "editor:semantic": 1},
        "fallback_cfes": 1,
        "fallback_share": 0.5,
        "fallback_generator": "editor:semantic",
    }
    assert provenance(kept.iloc[:0], "llm")["fallback_share"] is None


def test_the_stage_warns_in_one_line_when_most_answers_were_unusable():
    from cod.counterfactuals.generate import merged

    cfg = config.load_params(REPO / "params.yaml").counterfactuals.model_copy(update={"backend": "llm"})
    gen = LLMGenerator(cfg)
    one = {"answers": {"ok": 1, "refusal": 2, "prose": 1}, "fell_back_to_editor": 2, "ledger": {"cost_usd": 0.1}}
    two = {"answers": {"ok": 3, "wrong_key": 1}, "fell_back_to_editor": 0, "ledger": {"cost_usd": 0.2}}
    both = merged(one, two)  # a seed's batches (and the stage's seeds): counts summed key by key
    assert both == {
        "answers": {"ok": 4, "refusal": 2, "prose": 1, "wrong_key": 1},
        "fell_back_to_editor": 2,
        "ledger": {"cost_usd": 0.3},
    }
    assert gen.warning(both, 2) is None  # 4 of 8 unusable: not most
    assert gen.warning(one, 1) == (
        "counterfactuals.llm: 3 of 4 answers over 1 seed(s) were unusable (refusal 2, empty 0, prose 1, no JSON 0, "
        "wrong key 0, unchanged 0, error 0); 2 originals got their CFE from the fallback editor instead. Check "
        "counterfactuals.llm.model and prompt_variant against the answers in data/llm_cache/responses.jsonl (each "
        "request's status: ledger.jsonl)"
    )
    alone = LLMGenerator(cfg.model_copy(update={"llm": cfg.llm.model_copy(update={"fallback": "none"})}))
    assert "fallback: none the originals they left have no CFE" in alone.warning(one, 1)
