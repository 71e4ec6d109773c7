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
# Browse what `dvc repro` made: the prepared data, one few-shot set and its counterfactuals, and the
# results of every run. Change the parameters and re-run; nothing here writes files. Cells whose
# inputs have not been computed yet say which `dvc repro` target makes them.

# %% tags=["parameters"]
dataset = "rt_sentences"
k = 16
seed = 0
smoke = False  # no effect; kept so every notebook takes the same switch

# %%
import pandas as pd
from IPython.display import Markdown, display

from cod import paths
from cod.counterfactuals.generate import highlight
from cod.data import load_meta, load_split
from cod.errors import CodError
from cod.report import stage


def show(title: str, make) -> None:
    """Display ``make()`` under a heading, or the message saying which stage to run first."""
    display(Markdown(f"### {title}"))
    try:
        display(make())
    except (CodError, FileNotFoundError) as exc:
        display(Markdown(f"*not available yet:* {exc}"))


# %%
show("Prepared data", lambda: pd.DataFrame(load_meta(dataset)["class_counts"]))
show("Training examples", lambda: load_split(dataset, "train").sample(5, random_state=seed)[["text", "label"]])

# %%
def few_shot() -> pd.DataFrame:
    file = paths.subset_file(dataset, k, seed, "train.jsonl")
    if not file.is_file():
        raise FileNotFoundError(f"{file} (run `dvc repro subset@{dataset}-{k}-{seed}`)")
    return pd.read_json(file, lines=True)


show(f"Clean few-shot set (k={k}, seed={seed})", few_shot)

# %%
def counterfactuals() -> pd.DataFrame:
    file = paths.subset_file(dataset, k, seed, "cfes.jsonl", mode="cod")
    if not file.is_file():
        raise FileNotFoundError(f"{file} (run `dvc repro counterfactuals@{dataset}-{k}-{seed}`)")
    records = pd.read_json(file, lines=True)
    return pd.DataFrame(
        {"edit": [highlight(r) for r in records.to_dict(orient="records")], "valid": records["valid"],
         "delta_p": records["delta_p"].round(2), "word_edits": records["word_edits"]}
    )


show("Counterfactuals ([old→new], [-deleted])", counterfactuals)

# %%
def results() -> pd.DataFrame:
    agg = stage.load_aggregated()
    runs = agg["runs"]
    return runs[runs["dataset"] == dataset].pivot_table(
        index=["method", "mode"], columns="k", values="test_accuracy", aggfunc=["mean", "std", "count"]
    ).round(1)


show("Test accuracy over seeds (mean, sample std, n)", results)
show("Runs that are missing or failed", lambda: stage.load_aggregated()["problems"])

# %%
def curve(method: str = "kd", mode: str = "cod") -> pd.DataFrame:
    file = paths.run_dir(dataset, k, seed, method, mode) / "plots" / "metrics" / "val" / "accuracy.tsv"
    if not file.is_file():
        raise FileNotFoundError(f"{file} (run `dvc repro distill@{dataset}-{k}-{seed}-{method}-{mode}`)")
    return pd.read_csv(file, sep="\t").set_index("step").T


show("Validation accuracy per evaluation (KD + CoD)", curve)
