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
# # 60 · Aggregate
# Gathers every distillation run of the grid into one tidy table (one row per run, missing and failed
# runs included), summarises it per dataset × method × data mode × k (mean, sample std, n, t-interval)
# for both numbers of the engine — the paper's best validation accuracy and the test accuracy at that
# epoch — and writes the paper-layout tables, `reports/paper_comparison.md` and the headline metrics.

# %% tags=["parameters"]
smoke = False  # no effect: aggregation is cheap; kept so every stage notebook takes the same switch

# %%
from IPython.display import Markdown, display

from cod import config, paths
from cod.report import stage

params = config.load_params()
agg = stage.run_aggregate(params)

# %% [markdown]
# Problems, never dropped: runs that are missing or failed (they count as missing in `n`), CoD runs short of
# their CFE budget (`cfe_short`) and gain cells excluded from the verdict (`cfe_budget`), each with its reason:

# %%
display(agg["problems"] if len(agg["problems"]) else Markdown("All expected runs are present."))

# %% [markdown]
# Summary of the number the figures show (`report.value`), and the CoD gain paired by seed:

# %%
display(agg[f"summary_{params.report.value}"].round(2))
display(agg[f"gains_{params.report.value}"].round(2))

# %% [markdown]
# The verdict per dataset × k × method, on the paired gain in test accuracy at the best-val epoch (as written to
# `results/aggregate/verdict.csv`, `reports/tables/verdict.md` and `reports/metrics.json`). ‡ marks a CoD arm
# that trained on fewer CFEs than its budget asked for; a cell below `report.min_cfe_share` is excluded.

# %%
display(Markdown((paths.tables_dir() / "verdict.md").read_text()))

# %%
display(agg["teachers"], agg["cfes"].round(3))
