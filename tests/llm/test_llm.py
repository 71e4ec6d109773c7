"""The LLM backend against a real local HTTP server with the real openai client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from cod.counterfactuals import prompts
from cod.counterfactuals.llm import LLM, LLMSettings, ReplayMiss, ResponseCache, ledger_summary, parse_counterfactual
from cod.errors import ConfigError
from tests.llm.server import FakeOpenAI

KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def settings(server: FakeOpenAI, **kw) -> LLMSettings:
    return LLMSettings(**{"base_url": server.url, "max_retries": 2, "timeout": 1.0, "concurrency": 3, **kw})


def conv(text: str) -> list[dict[str, str]]:
    return prompts.build("sentiment", text, "positive", "negative")


def test_parse_survives_prose_and_rejects_junk():
    assert parse_counterfactual('Sure: {"counterfactual": "a bad film"} ok?') == "a bad film"
    assert parse_counterfactual('{"x": 1} then {"counterfactual": "\\"quoted\\""}') == "quoted"  # quotes stripped
    assert parse_counterfactual("no json here") is None and parse_counterfactual(None) is None
    assert parse_counterfactual('{"counterfactual": "  "}') is None


def test_answers_retries_failures_ledger_and_cache(server, tmp_path):
    texts = ["a good film", "PROSE a good plot", "REFUSE good", "EMPTY good", "RATE a bad film", "E500 good"]
    llm = LLM(settings(server), ResponseCache(tmp_path))
    out = {
        r["messages"][-1]["content"].split("Text: ")[-1].split("\n")[0]: r
        for r in llm.complete_many(conv(t) for t in texts)
    }
    assert parse_counterfactual(out["a good film"]["text"]) == "a bad film"
    assert parse_counterfactual(out["PROSE a good plot"]["text"]) == "PROSE a bad plot"
    assert out["REFUSE good"]["status"] == "refusal" and out["EMPTY good"]["status"] == "empty"
    assert out["RATE a bad film"]["status"] == "ok" and server.requests["RATE a bad film"] == 2  # 429 retried
    assert out["E500 good"]["status"] == "error" and server.requests["E500 good"] == 3  # 1 + 2 retries
    ledger = ledger_summary(llm.cache)
    assert ledger["requests"] == 6 and ledger["errors"] == 1 and ledger["refusals"] == 1 and ledger["empty"] == 1
    assert ledger["prompt_tokens"] == 500 and ledger["cost_usd"] == pytest.approx(5 * (0.1 * 0.0025 + 0.02 * 0.01))
    assert all(a == f"Bearer {KEY}" for a in server.auth)

    before = sum(server.requests.values())
    again = LLM(settings(server), ResponseCache(tmp_path))
    again.complete_many(conv(t) for t in texts[:5])
    assert sum(server.requests.values()) == before and again.requests_sent == 0  # all five from the cache
    for f in tmp_path.iterdir():
        assert KEY not in f.read_text()


def test_timeout_is_a_recorded_failure(server, tmp_path):
    llm = LLM(settings(server, timeout=0.3, max_retries=0), ResponseCache(tmp_path))
    [rec] = llm.complete_many([conv("HANG good")])
    assert rec["status"] == "error" and "Timeout" in rec["error"]


def test_replay_never_calls_and_fails_clearly_on_a_miss(server, tmp_path):
    LLM(settings(server), ResponseCache(tmp_path)).complete_many([conv("a good film")])
    replay = LLM(settings(server, mode="replay", base_url="http://127.0.0.1:9/v1"), ResponseCache(tmp_path))
    assert parse_counterfactual(replay.complete_many([conv("a good film")])[0]["text"]) == "a bad film"
    with pytest.raises(ReplayMiss, match="1 of 1 requests are not in the cache"):
        replay.complete_many([conv("another good film")])


def test_missing_key_is_one_clear_message(server, tmp_path, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(ConfigError, match=r"\$OPENAI_API_KEY is not set"):
        LLM(settings(server), ResponseCache(tmp_path)).complete_many([conv("a good film")])


CHILD = """
import sys
from cod.counterfactuals import prompts
from cod.counterfactuals.llm import LLM, LLMSettings, ResponseCache
url, folder = sys.argv[1], sys.argv[2]
llm = LLM(LLMSettings(base_url=url, concurrency=1, max_retries=0), ResponseCache(__import__("pathlib").Path(folder)))
llm.complete_many(prompts.build("sentiment", f"SLOW good {i}", "positive", "negative") for i in range(20))
"""


def test_sigkill_mid_run_loses_nothing_and_pays_nothing_twice(server, tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", CHILD, server.url, str(tmp_path)], env=dict(os.environ))
    log = tmp_path / "responses.jsonl"
    deadline = time.time() + 60
    while time.time() < deadline and (not log.is_file() or len(log.read_text().splitlines()) < 5):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    saved = {json.loads(line)["key"] for line in log.read_text().splitlines()}
    assert 5 <= len(saved) < 20
    sent_before = sum(server.requests.values())
    llm = LLM(LLMSettings(base_url=server.url, concurrency=2, max_retries=0), ResponseCache(tmp_path))
    out = llm.complete_many(prompts.build("sentiment", f"SLOW good {i}", "positive", "negative") for i in range(20))
    assert len(out) == 20 and all(r["status"] == "ok" for r in out)
    assert llm.requests_sent == 20 - len(saved)  # only the missing ones
    assert sent_before <= len(saved) + 1  # at most the one request in flight at the kill was lost
    assert max(server.requests.values()) <= 2 and sum(v == 2 for v in server.requests.values()) <= 1
    assert len({json.loads(x)["key"] for x in log.read_text().splitlines()}) == 20


def test_batch_api_lines_skip_cached_and_output_fills_the_cache(server, tmp_path):
    from cod.counterfactuals.llm import batch_lines, ingest_batch_output

    llm = LLM(settings(server), ResponseCache(tmp_path))
    llm.complete_many([conv("a good film")])
    lines = batch_lines(llm, [conv("a good film"), conv("a bad plot"), conv("a bad plot")])
    assert len(lines) == 1 and lines[0]["body"]["messages"] == conv("a bad plot")
    output = (
        json.dumps(
            {
                "custom_id": lines[0]["custom_id"],
                "response": {
                    "status_code": 200,
                    "body": {
                        "choices": [{"message": {"role": "assistant", "content": '{"counterfactual": "a good plot"}'}}],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 10},
                    },
                },
            }
        )
        + "\n"
    )
    output += json.dumps({"custom_id": "unknown", "error": {"message": "expired"}}) + "\n"
    assert ingest_batch_output(llm, output, lines) == 1
    replay = LLM(settings(server, mode="replay"), ResponseCache(tmp_path))
    [rec] = replay.complete_many([conv("a bad plot")])
    assert parse_counterfactual(rec["text"]) == "a good plot" and replay.requests_sent == 0
    assert ledger_summary(replay.cache)["errors"] == 1
