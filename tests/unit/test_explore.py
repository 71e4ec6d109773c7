"""The exploration views name the `dvc repro` target that makes what they are missing."""

from __future__ import annotations

import pytest

from cod import explore
from cod.errors import DataError


@pytest.mark.parametrize(
    ("view", "target"),
    [
        (lambda: explore.few_shot("rt_sentences", 8, 0), "subset@rt_sentences"),
        (lambda: explore.counterfactual_edits("rt_sentences", 8, 0), "counterfactuals@rt_sentences"),
        (lambda: explore.validation_curve("rt_sentences", 8, 0, "kd", "cod"), "distill@rt_sentences-kd-0"),
    ],
)
def test_missing_inputs_name_the_stage_to_run(repo, view, target):
    with pytest.raises(DataError, match=f"run `dvc repro {target}`"):
        view()
