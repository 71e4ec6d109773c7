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
# validation accuracy, then records validation and test accuracy of the best epoch and saves the
# model and its validation/test logits to `models/teachers/<dataset>/`.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
from IPython.display import display

import cod.config
from cod import paths, tracking
from cod.data.corpus import load_meta, load_split
from cod.training import teacher

cfg = cod.config.load("teacher", dataset=dataset)
meta = load_meta(dataset)
splits = {s: load_split(dataset, s) for s in ("train", "validation", "test")}
live = tracking.open_run(paths.teacher_dir(dataset) / "live", cfg.model_dump())
result = teacher.train_teacher(
    splits, meta["label_names"], cfg, smoke=smoke, on_epoch=lambda _, row: tracking.log_epoch(live, row)
)
teacher.save_teacher(result, dataset)
tracking.finish(live, result.metrics)

# %%
display(result.metrics)
