"""A model id that is neither local nor reachable on the hub fails with one line naming its params key and the fixes."""

from __future__ import annotations

import pytest
from huggingface_hub import constants

from cod.errors import ConfigError
from cod.models import hub
from cod.models.load import load_classifier, load_tokenizer
from tests.reliability_cases import cases, ids

LOADERS = {
    "teacher.model": lambda spec: load_classifier(spec, 2, field="teacher.model"),
    "distill.student": lambda spec: load_tokenizer(spec, "distill.student"),
}


@pytest.mark.parametrize(
    "case", cases("tests/models/test_hub.py::test_an_unknown_model_id_offline_is_one_line_naming_its_key"), ids=ids
)
def test_an_unknown_model_id_offline_is_one_line_naming_its_key(monkeypatch, case):
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # as HF_HUB_OFFLINE=1 does, and no request is sent
    with pytest.raises(ConfigError) as info:
        LOADERS[case["setup"]["field"]]("nosuch-org/nosuch-model")
    message = str(info.value)
    assert "\n" not in message and "couldn't connect" not in message
    for fragment in case["expect"]:
        assert fragment in message, (fragment, message)


def test_other_load_failures_pass_through_unchanged():
    with pytest.raises(ValueError, match="not a hub miss"), hub.named("x", "teacher.model", []):
        raise ValueError("not a hub miss")
    with pytest.raises(OSError, match="disk full"), hub.named("x", "teacher.model", []):
        raise OSError("disk full")
