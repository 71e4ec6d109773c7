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
# # Explore (not a pipeline stage)
# A place to start an analysis of what `dvc repro` made: the runs, the paired CoD gains and the counterfactuals are
# loaded as pandas DataFrames, plotted with seaborn, and every cell is code to change. Nothing here writes files.
# Where an output has not been made yet, its cell says in one line which `dvc repro` target makes it.
# Open it in JupyterLab (jupytext), or run it: `cod run notebooks/explore.py -p k 16`, `python notebooks/explore.py`.

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 8
seed = 0
smoke = False  # no effect; kept so every notebook takes the same switch

# %%
import pandas as pd
import seaborn as sns
from IPython.display import HTML, display

from cod import config, explore
from cod.data.corpus import load_meta

# %matplotlib inline
# (the magic above: back to inline plots in Jupyter after the report's figure code chose its file-only backend)
grid = config.load("grid")
sns.set_theme(style="whitegrid", context="notebook")

# %% [markdown]
# ## Runs
# One row per finished run (`results/aggregate/runs.csv`): the grid's keys, `test_accuracy` (at the epoch best on
# validation) and `best_val_accuracy` in %, agreement with the teacher, the CFE budget kept and the run's folder.

# %%
meta = explore.available(load_meta, dataset)
if meta is not None:
    display(pd.DataFrame(meta["class_counts"]))
runs = explore.available(explore.runs, dataset)
if runs is not None:
    display(runs.head())
    display(
        runs.pivot_table(
            index=["method", "mode"], columns="k", values="test_accuracy", aggfunc=["mean", "std", "count"]
        ).round(1)
    )

# %%
if runs is not None:
    g = sns.catplot(data=runs, x="k", y="test_accuracy", hue="mode", col="method", kind="point", height=3.5)
    g.set_axis_labels("k (labelled budget)", "test accuracy (%)")

# %% [markdown]
# ## Paired gains
# CoD − clean test accuracy per seed (the same k-shot originals on both sides): each grey point is one seed, the red
# diamond their mean with a 95 % bootstrap interval (the report's tables use the t-interval).

# %%
gains = explore.paired_gains(runs) if runs is not None else None
if gains is not None and gains.empty:
    print("no seed has both a clean and a CoD run yet (run the distill stages of both data modes)")
elif gains is not None:
    display(gains.groupby(["method", "k"])["gain"].describe().round(2))
    order = sorted(gains["k"].unique())
    g = sns.catplot(data=gains, x="k", y="gain", col="method", kind="strip", order=order, color="0.4", height=3.5)
    g.map_dataframe(sns.pointplot, x="k", y="gain", order=order, linestyle="none", markers="D", color="#C44E52", seed=0)
    g.refline(y=0.0, color="black", lw=0.8)
    g.set_axis_labels("k (labelled budget)", "CoD − clean (accuracy points)")

# %% [markdown]
# ## Validation curves
# Validation accuracy at each evaluation of the runs of this k and seed; the run's number is the test accuracy at
# the epoch where its curve peaks.

# %%
curves = explore.available(explore.validation_curves, dataset, k, seed, grid.methods, grid.data_modes)
if curves is not None:
    g = sns.relplot(data=curves, x="epoch", y="val_accuracy", hue="mode", col="method", kind="line", marker="o")
    g.set_axis_labels("epoch", "validation accuracy (%)")
    g.figure.suptitle(f"{dataset}, k={k}, seed {seed}", y=1.03)

# %% [markdown]
# ## Counterfactuals
# Every CFE of this CoD set with the teacher's label before and after the edit; below, the valid ones with their
# edited words highlighted (bold red: inserted or replacing, grey struck: removed).

# %%
cfes = explore.available(explore.cfes, dataset, k, seed)
if cfes is not None:
    display(cfes[["valid", "delta_p", "word_edits"]].describe().round(2))
    ax = sns.histplot(data=cfes, x="delta_p", hue="valid", bins=20)
    ax.set(xlabel="ΔP of the target class", title="How far each edit moved the teacher")

# %%
if cfes is not None:
    display(HTML(explore.highlighted(cfes[cfes["valid"]].head(10)).to_html(escape=False)))
