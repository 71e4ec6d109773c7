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
# # 40 · Counterfactuals
# For the CoD originals of one dataset — k/2 real examples per (seed, k) of the grid — generate one
# counterfactual each, check it with the teacher, and write each CoD training set (originals +
# teacher-accepted CFEs) to `data/subsets/cod/<dataset>/seed<s>/k<k>/` with per-CFE records, and its
# set-level quality to `results/counterfactuals/<dataset>/seed<s>/k<k>/metrics.json`. Every other CoD data
# mode of the grid (`cod-<kind>`: the counterfactual-kinds ablation) gets its own sets in a `cod-<kind>/`
# folder beside them. The originals of a smaller k are the first rows of a larger k's for the same seed, so
# each seed's CFEs are made once per kind and row. With `counterfactuals.fill_budget`, an original whose CFE
# the teacher rejects gives its place to the next row of its class from the rest of the clean k-shot set
# (already labelled), so the CoD arm trains on its full CFE budget; the records mark every row tried.
# The aggregate stage shows 30 random pairs per kind in `reports/cfe_samples/<dataset>.md`.

# %% tags=["parameters"]
dataset = "rt_sentences"
smoke = False

# %%
from IPython.display import display

import cod.config
from cod.counterfactuals import generate

params = cod.config.load_params()
cfg = cod.config.load("counterfactuals", dataset=dataset)
records, summary = generate.make_cod_sets(
    dataset, params.grid.k, params.grid.seeds, cfg, params.grid.data_modes, smoke=smoke
)

# %% [markdown]
# Set-level quality per (mode, seed, k): flip rate = share of the rows tried (originals and reserves) whose
# CFE the teacher accepts (its class changed with p >= counterfactuals.min_confidence); `replaced_originals` how
# many originals reserves replaced; `originals_without_valid_cfe` is how many teacher-accepted CFEs the CoD
# budget is short; `flipped_below_min_confidence` how many of those flipped less confidently; `cfe_rows` the CFE
# rows the set trains on and `same_label_share` how many of them carry their original's label; perplexity
# ratio = the language model's perplexity of the CFE over the original's; lexicon share = edits on polarity
# words or negations.

# %%
columns = [
    "mode",
    "kind",
    "seed",
    "k",
    "originals",
    "valid_cfes",
    "originals_tried",
    "replaced_originals",
    "originals_without_valid_cfe",
    "flipped_below_min_confidence",
    "cfe_rows",
    "same_label_share",
    "flip_rate",
    "p_target_median",
    "word_edits_median",
    "ppl_ratio_median",
    "lexicon_edit_share",
]
display(summary[columns].round(3))
display(summary.groupby("mode")[["originals", "valid_cfes", "originals_tried", "replaced_originals"]].sum())

# %% [markdown]
# Examples — `[old→new]` replaced, `[-word]` deleted (insertions show as `[word→not word]`):

# %%
for line in generate.show_examples(records):
    print(line)
