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
# # 20 · Teacher
# Fine-tunes the teacher (`teacher.model`) on the prepared training split with early stopping on
# validation accuracy (balanced accuracy when the loss is class-weighted, `teacher.class_weights`) for at
# least `teacher.min_steps` updates, then records validation and test accuracy, MCC and balanced accuracy
# of the best epoch and saves the model and its validation/test logits to `models/teachers/<dataset>/`.
# A teacher no better than chance on validation (balanced accuracy below 1/C + `teacher.chance_margin`)
# stops the stage with its numbers and the fixes, and nothing is saved (unless `teacher.allow_degenerate`).

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
from IPython.display import display

import cod.config
from cod.training import teacher_stage

cfg = cod.config.load("teacher", dataset=dataset)
result = teacher_stage.run(dataset, cfg, smoke=smoke)

# %%
display(result.metrics)
