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

from cod import config
from cod.report import stage

params = config.load_params()
agg = stage.run_aggregate(params)

# %% [markdown]
# Runs that are missing or failed (listed, never dropped; they count as missing in `n`):

# %%
display(agg["problems"] if len(agg["problems"]) else Markdown("All expected runs are present."))

# %% [markdown]
# Summary of the number the figures show (`report.value`), and the CoD gain paired by seed:

# %%
display(agg[f"summary_{params.report.value}"].round(2))
display(agg[f"gains_{params.report.value}"].round(2))

# %%
display(agg["teachers"], agg["cfes"].round(3))
