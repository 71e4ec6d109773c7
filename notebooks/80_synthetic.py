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
# # 80 · Synthetic experiment (two moons)
# The paper's toy experiment: an MLP teacher [2→64→64→2] trained on the full data; students [2→16→2]
# trained with CE + KD on k = 20 real points (KD) or on k/2 real points and their closest
# counterfactuals (CoD), found by normalised gradient steps on the teacher's logit margin until the
# class flips. Reports test accuracy, agreement with the teacher and boundary agreement over seeds,
# per student and as CoD − KD paired by seed (same k-shot draw and student init) with a 95 % t-interval.

# %% tags=["parameters"]
smoke = False

# %%
from IPython.display import Image, display

from cod import config, paths
from cod.report import figures
from cod.synthetic import stage

result, summary, paired, metrics = stage.run_synthetic(config.load("synthetic"), smoke=smoke)
figures.decision_boundaries(result.example, paths.synthetic_dir())
display(summary.round(2))
display(metrics)

# %% [markdown]
# CoD − KD paired by seed (points): mean, sample std, n and the Student-t 95 % interval per metric.

# %%
display(paired.round(2))

# %%
display(Image(filename=str(paths.synthetic_dir() / "moons_boundaries.png")))
