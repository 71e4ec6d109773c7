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
# # 55 · Reference levels
# What the students' accuracies are to be read against, on the same prepared validation and test
# splits they are scored on:
# - **chance**: always the training split's majority class;
# - **lexicon**: VADER's label-free compound score, > 0 → `positive`, < 0 → `negative`, a score of
#   exactly 0 counted ½ correct (a fair coin's expected accuracy); only for single-text datasets labelled
#   negative/positive, otherwise recorded as not applicable with the reason;
# - **linear probe**: the frozen student encoder (`distill.student` cut to `distill.student_layers`, no
#   training), mean-pooled and L2-normalised, under a logistic regression with sklearn's default C = 1.0
#   (no tuning) fitted on exactly the clean k-shot rows of each (k, seed) of the grid.
#
# The teacher's own accuracy is its stage's (`models/teachers/<dataset>/metrics.json`). Files land in
# `results/references/<dataset>/` (`levels.json`, `probe.csv`; accuracies as fractions); seconds in
# `results/timings/`.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
from IPython.display import display

from cod.references.stage import levels_table, run_references

refs = run_references(dataset, smoke=smoke)

# %%
display(levels_table(refs.levels).round(2))
lexicon = refs.levels["lexicon"]
print(f"lexicon: {lexicon['rule']}" if lexicon["applicable"] else f"lexicon not applicable: {lexicon['reason']}")

# %%
display(refs.probe.round(4))
