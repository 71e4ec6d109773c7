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
# For the CoD originals of one (dataset, k, seed) — k/2 real examples — generate one counterfactual
# each, check it with the teacher, and write the CoD training set (originals + teacher-verified CFEs)
# to `data/subsets/cod/<dataset>/k<k>/seed<seed>/` with per-CFE records and set-level quality metrics.

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 8
seed = 0
smoke = False

# %%
from IPython.display import display

import cod.config
from cod.counterfactuals import generate

cfg = cod.config.load("counterfactuals", dataset=dataset, k=k, seed=seed)
records, summary = generate.make_cod_set(dataset, k, seed, cfg, smoke=smoke)

# %% [markdown]
# Set-level quality (flip rate = share of originals whose CFE the teacher classifies differently):

# %%
display(summary)

# %% [markdown]
# Examples — `[old→new]` replaced, `[-word]` deleted (insertions show as `[word→not word]`):

# %%
for line in generate.show_examples(records):
    print(line)
