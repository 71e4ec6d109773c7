"""A local OpenAI-compatible chat-completions server for tests (127.0.0.1 only, scripted behaviours)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def flip(text: str) -> str:
    return text.replace("good", "bad") if "good" in text else text.replace("bad", "good")


def asked_field(user: str) -> str:
    """The JSON field a request asks for (``counterfactual`` for the CFE prompts, explanation steps otherwise)."""
    found = re.search(r'exactly of the form \{"(\w+)"', user)
    return found.group(1) if found else "counterfactual"


def subject(messages: list[dict]) -> str:
    """The row a conversation is about: the last Text: or Hypothesis: line of its first user turn."""
    first = next(m["content"] for m in messages if m["role"] == "user")
    return re.findall(r"^(?:Text|Hypothesis): (.*)$", first, re.M)[-1]


def asked_label(messages: list[dict]) -> str:
    """The label a conversation's first user turn asks about: its last Label: line."""
    first = next(m["content"] for m in messages if m["role"] == "user")
    return re.findall(r"^Label: (.*)$", first, re.M)[-1]


def explanation(field: str, text: str) -> tuple[str | None, str | None]:
    """(content, refusal) of an explanation step: JSON ``{field: "<field> of <text>"}``, or a scripted fault.

    Markers in the row: JUNK (prose without JSON), REFUSE, EMPTY, PROSE (JSON inside prose) at every step;
    BADCRIT (no JSON) at the critique step only; BADREV (a blank field) at the revision step only. A wrong-answer
    rationale's ``text`` ends in " as <the wrong label>"."""
    content = json.dumps({field: f"{field} of {text}"})
    if "JUNK" in text or ("BADCRIT" in text and field == "critique"):
        return "I thought about it and the label is right.", None
    if "BADREV" in text and field == "revised":
        return json.dumps({field: "   "}), None
    if "REFUSE" in text:
        return None, "I can't help with that."
    if "EMPTY" in text:
        return "", None
    if "PROSE" in text:
        return f"Here you go:\n{content}\nAnything else?", None
    return content, None


def counterfactual(text: str, markers: set[str]) -> tuple[str | None, str | None]:
    """(content, refusal) of a counterfactual request about ``text``: JSON ``{"counterfactual": <good↔bad>}``, or the
    fault its markers ask for: PROSE (JSON inside prose), JUNK (prose without JSON), REFUSE (the refusal field),
    SORRY (a refusal in words), EMPTY, WRONGKEY (another JSON key), SAME (the text unchanged), BROKEN (a JSON object
    cut short)."""
    content, refusal = json.dumps({"counterfactual": flip(text)}), None
    if "PROSE" in markers:
        content = f"Sure! Here is a minimal edit:\n{content}\nHope this helps."
    if "JUNK" in markers:
        content = "I changed a word for you, hope it helps."
    if "SORRY" in markers:
        content = "I'm sorry, but I can't help with rewriting this review."
    if "WRONGKEY" in markers:
        content = json.dumps({"edited_text": flip(text)})
    if "SAME" in markers:
        content = json.dumps({"counterfactual": text})
    if "BROKEN" in markers:
        content = '{"counterfactual": "' + flip(text)
    if "REFUSE" in markers:
        content, refusal = None, "I can't help with that."
    if "EMPTY" in markers:
        content = ""
    return content, refusal


# one answer in seven usable: what ``FakeOpenAI.garbage`` answers counterfactual requests with, in turn
GARBAGE = ["REFUSE", "JUNK", "EMPTY", "WRONGKEY", "SAME", "SORRY", "GOOD"]


class FakeOpenAI:
    """Behaviour is chosen by a marker in the text to edit: PROSE, JUNK, SORRY, WRONGKEY, SAME, BROKEN, REFUSE,
    EMPTY, RATE, E500, E400, HANG, SLOW; with ``garbage`` set, counterfactual requests are answered by the markers of
    ``GARBAGE`` in turn (one answer in seven usable), whatever the text;
    setting ``fail_status`` (e.g. 401, 503) answers every request after the first ``fail_after`` with that error.
    A request for an explanation, critique, revision or wrong-answer rationale (its JSON field is not
    ``counterfactual``) is about the row of its first user turn and is answered by ``explanation``; ``fields``
    counts the requests per field."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.auth: list[str] = []
        self.prompts: list[str] = []  # the last user message of every request
        self.fields: Counter[str] = Counter()
        self.fail_status: int | None = None
        self.fail_after = 0
        self.garbage = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet
                pass

            def _send(self, code: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.auth.append(self.headers.get("Authorization", ""))
                user = body["messages"][-1]["content"]
                field = asked_field(user)
                text = subject(body["messages"])  # a feedback round's is still its original's (a pair: hypothesis)
                outer.fields[field] += 1
                outer.requests[text] += 1
                outer.prompts.append(user)
                n = outer.requests[text]
                if outer.fail_status is not None and len(outer.prompts) > outer.fail_after:
                    return self._send(outer.fail_status, {"error": {"message": "scripted failure", "type": "fault"}})
                if "HANG" in text:
                    time.sleep(2)
                if "SLOW" in text:
                    time.sleep(0.15)
                if "E500" in text:
                    return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                if "E400" in text:
                    return self._send(400, {"error": {"message": "prompt rejected", "type": "invalid_request_error"}})
                if "RATE" in text and n == 1:
                    return self._send(
                        429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"retry-after-ms": "10"}
                    )
                if field == "rationale":
                    content, refusal = explanation(field, f"{text} as {asked_label(body['messages'])}")
                elif field != "counterfactual":
                    content, refusal = explanation(field, text)
                elif outer.garbage:
                    content, refusal = counterfactual(text, {GARBAGE[(outer.fields[field] - 1) % len(GARBAGE)]})
                else:
                    content, refusal = counterfactual(text, set(re.findall(r"[A-Z]{4,}", text)))
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content, "refusal": refusal},
                            }
                        ],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120},
                    },
                )

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
