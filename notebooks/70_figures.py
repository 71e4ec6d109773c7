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
# # 70 · Figures
# Draws the report's figures from the aggregate tables into `reports/figures/` (PNG + PDF): accuracy vs k
# (baseline vs +CoD, with ± 1 sample-std bands), CoD gain vs k, counterfactual quality, example
# counterfactuals with their edits highlighted, and the teacher's accuracy. ‡ marks a CoD point whose runs had
# fewer CFEs than the budget asked for; in the gain figure an open marker is a cell excluded from the verdict.

# %% tags=["parameters"]
smoke = False  # no effect: drawing is cheap; kept so every stage notebook takes the same switch

# %%
from IPython.display import Image, display

from cod import config
from cod.report import figures, stage

files = figures.run_figures(stage.load_aggregated(), config.load("report"))

# %%
for file in files:
    if file.suffix == ".png":
        display(Image(filename=str(file)))
