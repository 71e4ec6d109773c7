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
# # 40 · Counterfactuals
# For the CoD originals of one dataset — k/2 real examples per (seed, k) of the grid — generate one
# counterfactual each, check it with the teacher, and write each CoD training set (originals +
# teacher-verified CFEs) to `data/subsets/cod/<dataset>/seed<s>/k<k>/` with per-CFE records, and its
# set-level quality to `results/counterfactuals/<dataset>/seed<s>/k<k>/metrics.json`. The originals of a
# smaller k are a prefix of a larger k's for the same seed, so each seed's CFEs are made once, for its
# largest k, and every smaller set takes its prefix.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
import pandas as pd
from IPython.display import display

import cod.config
from cod.counterfactuals import generate

params = cod.config.load_params()
cfg = cod.config.load("counterfactuals", dataset=dataset)
records, summary = generate.make_cod_sets(dataset, params.grid.k, params.grid.seeds, cfg, smoke=smoke)

# %% [markdown]
# Set-level quality per (seed, k): flip rate = share of originals whose CFE the teacher classifies
# differently; `originals_without_valid_cfe` is how many CFEs the CoD budget is short.

# %%
columns = [
    "seed",
    "k",
    "originals",
    "valid_cfes",
    "originals_without_valid_cfe",
    "flip_rate",
    "delta_p_mean",
    "word_edits_median",
]
display(summary[columns].round(3))
display(pd.Series(summary[["originals", "valid_cfes"]].sum(), name="total"))

# %% [markdown]
# Examples — `[old→new]` replaced, `[-word]` deleted (insertions show as `[word→not word]`):

# %%
for line in generate.show_examples(records):
    print(line)
