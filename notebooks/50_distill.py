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
# # 50 · Distil
# Trains every student of one method and seed: the grid's k × data modes — `clean` (k real examples)
# or `cod` (k/2 real examples and their counterfactuals) — and, for KD on the first
# `tune.sensitivity_seeds` seeds, the same cells at the tuning grid's other learning rates. The
# teacher and the evaluation data are loaded once; every student gets its own `results/runs/...`
# record (dvclive): the paper's number (best validation accuracy over epochs), the honest one (test
# accuracy of the epoch that was best on validation), the student↔teacher agreement and its timings.

# %% tags=["parameters"]
dataset = "rt_sentences"
seed = 0
method = "kd"
smoke = False

# %%
from IPython.display import display

from cod.training.record import run_seed

runs = run_seed(dataset, seed, method, smoke=smoke)

# %%
columns = [
    "k",
    "mode",
    "lr",
    "best_val_accuracy",
    "test_accuracy",
    "best_epoch",
    "train_rows",
    "train_cfe_rows",
]
display(runs[columns].round(4))
