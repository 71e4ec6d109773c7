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
# # 30 · Few-shot subsets
# Draws, for every seed and k of the grid, the k-example clean training set of one dataset and the
# real examples that CoD pairs with counterfactuals (k·(1 − `subset.cfe_fraction`) of them, a subset of
# the clean set). Draws are nested: for one seed the set for a smaller k is a prefix of the set for a
# larger k. Files land in `data/subsets/clean/<dataset>/seed<s>/k<k>/`; each seed's folder is what the
# downstream stages of that seed depend on, so adding a seed re-runs nothing that already exists.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
import pandas as pd
from IPython.display import display

import cod.config
from cod.data import subsets

params = cod.config.load_params()
cod.config.load("subset", dataset=dataset)
drawn = subsets.make_all(dataset, params.grid.k, params.grid.seeds, params.subset.cfe_fraction)

# %%
display(
    pd.DataFrame(
        [
            {
                "seed": s.manifest["seed"],
                "k": s.manifest["k"],
                "clean per class": s.manifest["clean"]["class_counts"],
                "CoD originals per class": s.manifest["cod_originals"]["class_counts"],
            }
            for s in drawn
        ]
    )
)
if not smoke:
    display(drawn[0].clean.head(8))
