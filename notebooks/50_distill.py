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
# Trains the student (`distill.student`) on one few-shot training set — `clean` (k real examples) or
# `cod` (k/2 real examples and their counterfactuals) — with KD, LWD or TED. Reports the paper's
# number (best validation accuracy over epochs) and the honest one (test accuracy of the epoch that
# was best on validation), plus the student↔teacher agreement, into `results/runs/...` (dvclive).

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 8
seed = 0
method = "kd"
mode = "clean"
smoke = False

# %%
import pandas as pd
from IPython.display import display

from cod.training.record import run_cell

result = run_cell(dataset, k, seed, method, mode, smoke=smoke)

# %%
display(pd.DataFrame(result.fit.history).set_index("epoch").round(4))
display(result.summary)
