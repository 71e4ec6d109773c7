# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Explore (not a pipeline stage)
# Browse what `dvc repro` made: the prepared data, one few-shot set and its counterfactuals, and the
# results of every run. Change the parameters and re-run; nothing here writes files. Cells whose
# inputs have not been computed yet say which `dvc repro` target makes them.

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 8
seed = 0
smoke = False  # no effect; kept so every notebook takes the same switch

# %%
import pandas as pd

from cod import explore
from cod.data.corpus import load_meta, load_split
from cod.report import stage

explore.show("Prepared data", lambda: pd.DataFrame(load_meta(dataset)["class_counts"]))
explore.show("Training examples", lambda: load_split(dataset, "train").sample(5, random_state=seed)[["text", "label"]])
explore.show(f"Clean few-shot set (k={k}, seed={seed})", lambda: explore.few_shot(dataset, k, seed))

# %%
explore.show("Counterfactuals ([old→new], [-deleted])", lambda: explore.counterfactual_edits(dataset, k, seed))

# %%
explore.show(
    "Test accuracy over seeds (mean, sample std, n)",
    lambda: explore.accuracy_over_seeds(stage.load_aggregated()["runs"], dataset),
)
explore.show("Runs that are missing or failed", lambda: stage.load_aggregated()["problems"])

# %%
explore.show(
    "Validation accuracy per evaluation (KD + CoD)", lambda: explore.validation_curve(dataset, k, seed, "kd", "cod")
)
