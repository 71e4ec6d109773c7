"""Chat answers for the LLM generators and the explanations: request settings and cache key, the OpenAI-compatible
client, endpoint faults, and the cache-first sender with bounded concurrency and a no-network replay mode."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

from cod import kind_registry
from cod.chat.answers import Judge, plain_status
from cod.chat.cache import ResponseCache
from cod.errors import CodError, ConfigError

if TYPE_CHECKING:
    from pathlib import Path

    from cod.config import ChatConfig

OPENAI_URL = "https://api.openai.com/v1"
# HTTP statuses that are faults of the endpoint, not of one request (with any status >= 500): bad or missing key
# (401, 403), wrong path or unknown model (404), timeouts and conflicts (408, 409), rate limit or exhausted quota (429).
ENDPOINT_STATUSES = frozenset({401, 403, 404, 408, 409, 429})


class ReplayMiss(CodError):
    """Replay mode met a request whose response is not in the cache."""


class EndpointError(CodError):
    """Requests failed for reasons of the endpoint (transport, auth, 5xx after retries): the stage must not succeed."""

    exit_code = 1


@dataclass(frozen=True)
class LLMSettings:
    """Everything that determines a response (except the key, which comes from the environment).

    Built from a chat backend's section (``counterfactuals.llm`` or ``counterfactuals.local``) by ``from_config``;
    its values and defaults live there. The endpoint fields keep neutral defaults for a local model."""

    model: str
    temperature: float
    max_tokens: int
    mode: str  # live | replay
    backend: str = "llm"  # a chat backend of kind_registry.CHAT_BACKENDS
    gguf_file: str | None = None  # local backend only: which quantisation of ``model`` answers
    # endpoint only (section counterfactuals.llm)
    base_url: str | None = None  # None = api.openai.com (the LLM backend resolves $OPENAI_BASE_URL as the client does)
    api_key_env: str = ""
    timeout: float | None = None
    max_retries: int = 0
    concurrency: int = 1
    price_input_per_1k: float = 0.0
    price_output_per_1k: float = 0.0

    @classmethod
    def from_config(cls, section: ChatConfig) -> LLMSettings:
        """The request settings of a chat backend's section (the fields the two share; the others keep defaults)."""
        shared = type(section).model_fields
        return cls(**{f.name: getattr(section, f.name) for f in fields(cls) if f.name in shared})


def endpoint(base_url: str | None) -> str:
    """The URL requests go to, resolved as the openai client does: base_url, else $OPENAI_BASE_URL, else OpenAI."""
    return (base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")


def shown(url: str) -> str:
    """An endpoint URL fit for messages and files: any ``user:password@`` and query string removed."""
    return re.sub(r"//[^/@]*@", "//", url).split("?")[0]


def request_key(settings: LLMSettings, messages: list[dict[str, str]]) -> str:
    """Content hash of everything that changes an answer: the cache key of a request.

    That is the backend, the endpoint (base_url; None = api.openai.com) or the local model's GGUF file, the
    model, the messages and the sampling parameters. The API key, timeout, retries, concurrency and mode do
    not change an answer and are left out (the key is never hashed nor written).
    """
    remote = kind_registry.CHAT_BACKENDS[settings.backend].endpoint
    payload = {
        "backend": settings.backend,
        "endpoint": (settings.base_url or OPENAI_URL).rstrip("/") if remote else None,
        "gguf_file": None if remote else settings.gguf_file,
        "model": settings.model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def endpoint_failure(exc: Exception) -> bool:
    """True for a fault of the endpoint rather than of one request, once the client's retries are spent.

    That is no connection, DNS failure or timeout (``APIConnectionError``, ``APITimeoutError``), any status
    >= 500, and the statuses of ``ENDPOINT_STATUSES``. Other 4xx (400, 413, 422: this prompt was rejected)
    stay a failed request, counted like a refusal.
    """
    import openai

    if isinstance(exc, openai.APIConnectionError):  # APITimeoutError is a subclass
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status >= 500 or status in ENDPOINT_STATUSES)


def endpoint_message(
    settings: LLMSettings, failed: list[dict[str, Any]], sent: int, not_sent: int, received: int, cache: Path
) -> str:
    """One line naming the endpoint, how many requests failed and why, what is kept and what to check."""
    reasons = sorted({" ".join(str(r["error"]).split())[:160] for r in failed})
    why = "; ".join(reasons[:2]) + (f"; +{len(reasons) - 2} other errors" if len(reasons) > 2 else "")
    return (
        f"counterfactuals.llm: {len(failed)} of {sent} requests to {shown(endpoint(settings.base_url))} failed "
        f"after {settings.max_retries} retries ({why}); {not_sent} more were not sent. {received} answers received "
        f"before the failure are kept in {cache} and are not asked again. Check that the endpoint is up, "
        f"counterfactuals.llm.base_url and ${settings.api_key_env}, then re-run"
    )


class CachedChat:
    """Chat answers behind the response cache: cached ones from disk, the rest computed by ``_call``."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache) -> None:
        self.settings, self.cache = settings, cache
        self.requests_sent = 0
        self.booked: list[dict[str, Any]] = []  # this client's ledger records: the requests it paid for
        self._judges: dict[str, Judge] = {}  # request key → how its answer's status is judged (while sending)

    def _call(self, key: str, messages: list[dict[str, str]]) -> dict[str, Any]:
        raise NotImplementedError

    def _source(self) -> dict[str, str | None]:
        """Where answers come from, stored beside each answer (never the API key): the endpoint."""
        return {"endpoint": shown(endpoint(self.settings.base_url))}

    def complete_many(
        self, conversations: Iterable[list[dict[str, str]]], judges: Sequence[Judge] | None = None
    ) -> list[dict[str, Any]]:
        """Answers for every conversation: cached ones from disk, the rest sent with bounded concurrency.

        ``judges``: one per conversation, the status a fresh answer is cached and booked with (``ok`` or why it is
        unusable, cod.chat.answers); without, ``refusal``, ``empty`` or ``ok``. Raises ``EndpointError``
        if any request failed for reasons of the endpoint (see ``endpoint_failure``); the answers received before
        that are already in the cache.
        """
        convs = list(conversations)
        keys = [request_key(self.settings, m) for m in convs]
        self._judges = dict(zip(keys, judges, strict=True)) if judges is not None else {}
        todo = {k: m for k, m in zip(keys, convs, strict=True) if self.cache.get(k) is None}
        if todo and self.settings.mode == "replay":
            missing = sum(k in todo for k in keys)
            raise ReplayMiss(
                f"replay mode: {missing} of {len(convs)} requests are not in the cache ({self.cache.log.path}); "
                f"run with counterfactuals.{self.settings.backend}.mode: live once, or `dvc pull` the cache"
            )
        fresh = self._send(todo)
        return [fresh.get(k) or self.cache.get(k) for k in keys]  # type: ignore[misc]

    def _send(self, todo: dict[str, list[dict[str, str]]]) -> dict[str, dict[str, Any]]:
        """Send ``todo`` (key -> messages); after the first endpoint failure send nothing more, let the requests
        in flight finish (their answers are cached), then raise ``EndpointError``."""
        stop = threading.Event()

        def attempt(key: str, messages: list[dict[str, str]]) -> dict[str, Any] | None:
            if stop.is_set():
                return None  # not sent
            try:
                record = self._call(key, messages)
            except BaseException:
                stop.set()
                raise
            if record.get("endpoint_failure"):
                stop.set()
            return record

        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            futures = {key: pool.submit(attempt, key, messages) for key, messages in todo.items()}
        out = {key: record for key, fut in futures.items() if (record := fut.result()) is not None}
        failed = [r for r in out.values() if r.get("endpoint_failure")]
        if failed:
            received = sum(r.get("status") != "error" for r in out.values())
            not_sent = len(todo) - len(out)
            raise EndpointError(
                endpoint_message(self.settings, failed, len(out), not_sent, received, self.cache.log.path)
            )
        return out

    def _record(self, key: str, messages: list, text: str | None, refusal: str | None, tokens: tuple[int, int]):
        """Cache a received answer and book it in the ledger, with its status by the request's judge."""
        s = self.settings
        status = self._judges.get(key, plain_status)(text, refusal)
        record = {
            "key": key,
            "model": s.model,
            **self._source(),
            "messages": messages,
            "status": status,
            "text": text,
            "refusal": refusal,
            "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1],
        }
        self.cache.put(record)
        cost = tokens[0] / 1000 * s.price_input_per_1k + tokens[1] / 1000 * s.price_output_per_1k
        self._book(
            {"key": key, "status": status, "prompt_tokens": tokens[0], "completion_tokens": tokens[1], "cost_usd": cost}
        )
        return record

    def _book(self, row: dict[str, Any]) -> None:
        """Append a request's ledger record to ledger.jsonl and to this client's own (``booked``)."""
        self.cache.ledger.append(row)
        self.booked.append(row)


class LLM(CachedChat):
    """A chat-completions client for any OpenAI-compatible endpoint, behind the response cache."""

    def __init__(self, settings: LLMSettings, cache: ResponseCache) -> None:
        settings = replace(settings, backend="llm", gguf_file=None, base_url=endpoint(settings.base_url))
        super().__init__(settings, cache)
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
            record["endpoint_failure"] = endpoint_failure(exc)
            self._book({"key": key, "status": "error", "error": record["error"]})
            return record  # errors are not cached as answers: a rerun tries again
        choice = resp.choices[0]
        usage = resp.usage
        tokens = (getattr(usage, "prompt_tokens", 0) or 0, getattr(usage, "completion_tokens", 0) or 0)
        return self._record(key, messages, choice.message.content, getattr(choice.message, "refusal", None), tokens)
