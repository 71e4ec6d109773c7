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
# # 30 · Few-shot subset
# Draws the k-example clean training set for one (dataset, k, seed) and the real examples that CoD
# pairs with counterfactuals (k·(1 − `subset.cfe_fraction`) of them, a subset of the clean set).
# Draws are nested: for one seed the set for a smaller k is a prefix of the set for a larger k.

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 8
seed = 0
smoke = False

# %%
from IPython.display import display

import cod.config
from cod.data import subsets

cfg = cod.config.load("subset", dataset=dataset, k=k, seed=seed)
subset = subsets.make(dataset, k, seed, cfg.cfe_fraction)

# %%
print("clean per class:", subset.manifest["clean"]["class_counts"])
print("CoD originals per class:", subset.manifest["cod_originals"]["class_counts"])
if not smoke:
    display(subset.clean.head(8))
