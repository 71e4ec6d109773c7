"""data.max_eval_rows: the validation and test splits shrink per class, training never does."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from cod import config
from cod.data.corpus import Corpus, cap_eval_rows
from cod.errors import ConfigError


def frame(n_neg: int, n_pos: int) -> pd.DataFrame:
    return pd.DataFrame({"text": [f"row {i}" for i in range(n_neg + n_pos)], "label": [0] * n_neg + [1] * n_pos})


def corpus() -> Corpus:
    splits = {"train": frame(300, 300), "validation": frame(150, 50), "test": frame(40, 40)}
    return Corpus("toy", ["neg", "pos"], splits, {"kind": "in-memory"})


def test_evaluation_splits_are_sampled_per_class_and_training_is_untouched():
    capped = cap_eval_rows(corpus(), 100, seed=0)
    val = capped.splits["validation"]
    assert len(val) == 100 and val["label"].value_counts().to_dict() == {0: 75, 1: 25}  # the 3:1 share kept
    assert set(val["text"]) <= set(corpus().splits["validation"]["text"])
    assert capped.splits["train"].equals(corpus().splits["train"]) and len(capped.splits["test"]) == 80  # under cap
    assert capped.notes == ["data.max_eval_rows=100: evaluation splits sampled per class (validation 200 -> 100 rows)"]
    assert cap_eval_rows(corpus(), 100, seed=0).splits["validation"].equals(val)  # the seed fixes the sample
    assert not cap_eval_rows(corpus(), 100, seed=1).splits["validation"].equals(val)


def test_a_cap_too_small_to_evaluate_is_refused(tmp_path):
    params = config.load_params().model_dump()
    params["data"]["max_eval_rows"] = 5
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    with pytest.raises(ConfigError, match="max_eval_rows"):
        config.load_params(path)
