"""Fixtures of the LLM tests: the local OpenAI-compatible server and the API key the client reads."""

from __future__ import annotations

import pytest

from tests.llm.server import FakeOpenAI

KEY = "sk-test-SECRET-0123456789"


@pytest.fixture
def server():
    with FakeOpenAI() as s:
        yield s


@pytest.fixture(autouse=True)
def api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
