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
# # 45 · Tune
# Fixes the student's learning rate before any result exists, by a declared rule: a clean KD student is
# trained for every lr of `tune.lrs` on each tune seed (draws the results never use) at each k, and the
# lr with the highest mean **validation** accuracy wins (ties: the smaller lr). No CoD run and no test
# number is computed, so neither can move the choice. With a numeric `distill.lr` the stage only
# records that fixed value. Writes `results/tune/<dataset>/choice.json` (read by the distill stages),
# `runs.csv` and `decision.md` (gathered into `reports/tables/tune.md` by the aggregate stage).

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False  # True: each tuning student trains `distill.smoke_epochs` epochs (a quick check, not a choice)

# %%
from IPython.display import Markdown, display

import cod.config
from cod import paths
from cod.training import tune

cod.config.load("tune", dataset=dataset)
decision = tune.run_tune(dataset, cod.config.load_params(), smoke=smoke)

# %%
display(Markdown(paths.tune_report(dataset).read_text()))
display(decision["runs"])
