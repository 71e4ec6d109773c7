"""OpenAI-compatible LLM calls with a crash-safe response cache, a cost ledger and a no-network replay mode."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cod.errors import CodError, ConfigError


class ReplayMiss(CodError):
    """Replay mode met a request whose response is not in the cache."""


@dataclass(frozen=True)
class LLMSettings:
    """Everything that determines a response (except the key, which comes from the environment)."""

    model: str = "gpt-4o-2024-11-20"
    base_url: str | None = None
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.0
    max_tokens: int = 256
    timeout: float = 60.0
    max_retries: int = 5
    concurrency: int = 4
    mode: str = "live"  # live | replay
    price_input_per_1k: float = 0.0025
    price_output_per_1k: float = 0.01


def request_key(settings: LLMSettings, messages: list[dict[str, str]]) -> str:
    """Content hash of (model, messages, sampling parameters): the cache key of a request."""
    payload = {
        "model": settings.model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


class JsonlLog:
    """An append-only JSONL file: every record is flushed and fsynced before append() returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def records(self) -> list[dict[str, Any]]:
        """All complete records (a line cut short by a crash is ignored)."""
        if not self.path.is_file():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out


class ResponseCache:
    """Responses by request key, persisted in ``responses.jsonl`` (track the folder with DVC to share it)."""

    def __init__(self, folder: Path) -> None:
        self.log = JsonlLog(folder / "responses.jsonl")
        self.ledger = JsonlLog(folder / "ledger.jsonl")
        self._data = {r["key"]: r for r in self.log.records()}

    def get(self, key: str) -> dict[str, Any] | None:
        return self._data.get(key)

    def put(self, record: dict[str, Any]) -> None:
        self.log.append(record)
        self._data[record["key"]] = record

    def __len__(self) -> int:
        return len(self._data)


def parse_counterfactual(text: str | None) -> str | None:
    """The ``counterfactual`` field of the first JSON object in ``text`` (prose around it is ignored)."""
    if not text:
        return None
    for match in re.finditer(r"\{", text):
        depth = 0
        for end in range(match.start(), len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                try:
                    obj = json.loads(text[match.start() : end + 1])
                except json.JSONDecodeError:
                    break
                value = obj.get("counterfactual") if isinstance(obj, dict) else None
                if isinstance(value, str) and value.strip():
                    return value.strip().strip('"').strip()
                break
    return None


class LLM:
    """A chat-completions client for any OpenAI-compatible endpoint, behind the response cache."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache) -> None:
        self.settings, self.cache = settings, cache
        self.requests_sent = 0
        self._client = None

    def client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            key = os.environ.get(self.settings.api_key_env)
            if not key:
                raise ConfigError(
                    f"counterfactuals.llm.mode is 'live' but ${self.settings.api_key_env} is not set; export the "
                    "API key in the environment (never in params.yaml), or use mode: replay with a filled cache"
                )
            self._client = OpenAI(
                api_key=key,
                base_url=self.settings.base_url,
                timeout=self.settings.timeout,
                max_retries=self.settings.max_retries,
            )
        return self._client

    def _call(self, key: str, messages: list[dict[str, str]]) -> dict[str, Any]:
        import openai

        s = self.settings
        record: dict[str, Any] = {"key": key, "model": s.model, "messages": messages}
        try:
            self.requests_sent += 1
            resp = self.client().chat.completions.create(
                model=s.model, messages=messages, temperature=s.temperature, max_tokens=s.max_tokens
            )
        except (openai.APIStatusError, openai.APIConnectionError, openai.APITimeoutError) as exc:
            status = getattr(exc, "status_code", None) or type(exc).__name__
            record |= {"status": "error", "error": f"{status}: {str(exc)[:300]}", "text": None}
            self.cache.ledger.append({"key": key, "status": "error", "error": record["error"]})
            return record  # errors are not cached as answers: a rerun tries again
        choice = resp.choices[0]
        text = choice.message.content
        refusal = getattr(choice.message, "refusal", None)
        usage = resp.usage
        tokens_in = getattr(usage, "prompt_tokens", 0) or 0
        tokens_out = getattr(usage, "completion_tokens", 0) or 0
        status = "refusal" if refusal else ("empty" if not text else "ok")
        record |= {
            "status": status,
            "text": text,
            "refusal": refusal,
            "prompt_tokens": tokens_in,
            "completion_tokens": tokens_out,
        }
        self.cache.put(record)
        cost = tokens_in / 1000 * s.price_input_per_1k + tokens_out / 1000 * s.price_output_per_1k
        self.cache.ledger.append(
            {
                "key": key,
                "status": status,
                "prompt_tokens": tokens_in,
                "completion_tokens": tokens_out,
                "cost_usd": cost,
            }
        )
        return record

    def complete_many(self, conversations: Iterable[list[dict[str, str]]]) -> list[dict[str, Any]]:
        """Answers for every conversation: cached ones from disk, the rest sent with bounded concurrency."""
        convs = list(conversations)
        keys = [request_key(self.settings, m) for m in convs]
        out: list[dict[str, Any] | None] = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(out) if r is None]
        if missing and self.settings.mode == "replay":
            raise ReplayMiss(
                f"replay mode: {len(missing)} of {len(convs)} requests are not in the cache "
                f"({self.cache.log.path}); run with counterfactuals.llm.mode: live once, or `dvc pull` the cache"
            )
        unique = {keys[i]: i for i in missing}
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            futures = {pool.submit(self._call, key, convs[i]): key for key, i in unique.items()}
            for fut in as_completed(futures):
                record = fut.result()
                for i in missing:
                    if keys[i] == futures[fut]:
                        out[i] = record
        return [r for r in out if r is not None]


def ledger_summary(cache: ResponseCache) -> dict[str, Any]:
    """Requests paid, failures, tokens and cost recorded in the ledger."""
    rows = cache.ledger.records()
    return {
        "requests": len(rows),
        "errors": sum(r["status"] == "error" for r in rows),
        "refusals": sum(r["status"] == "refusal" for r in rows),
        "empty": sum(r["status"] == "empty" for r in rows),
        "prompt_tokens": sum(r.get("prompt_tokens", 0) for r in rows),
        "completion_tokens": sum(r.get("completion_tokens", 0) for r in rows),
        "cost_usd": round(sum(r.get("cost_usd", 0.0) for r in rows), 6),
    }
