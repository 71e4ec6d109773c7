"""The LLM response cache and cost ledger: append-only, fsynced JSONL files that survive a crash."""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from cod.chat.answers import UNUSABLE


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


def ledger_summary(cache: ResponseCache, since: int = 0) -> dict[str, Any]:
    """Requests paid, failures, tokens and cost recorded in the ledger (from its ``since``-th record on)."""
    return summarise_ledger(cache.ledger.records()[since:])


def summarise_ledger(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Requests paid, how many of each status (ok, errors, and why an answer was unusable), tokens and cost of the
    ledger records ``rows`` (a client's own: ``CachedChat.booked``)."""
    count = Counter(r["status"] for r in rows)
    return {
        "requests": len(rows),
        "ok": count["ok"],
        "errors": count["error"],
        "refusals": count["refusal"],
        **{status: count[status] for status in UNUSABLE if status != "refusal"},
        "prompt_tokens": sum(r.get("prompt_tokens", 0) for r in rows),
        "completion_tokens": sum(r.get("completion_tokens", 0) for r in rows),
        "cost_usd": round(sum(r.get("cost_usd", 0.0) for r in rows), 6),
    }
