"""The counterfactuals stage: CFEs for the CoD originals, teacher-checked, written as the CoD training set."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from cod import paths, tracking
from cod.config import CounterfactualsConfig
from cod.counterfactuals import generators
from cod.counterfactuals.editor import EditResult
from cod.counterfactuals.generators import Generator
from cod.counterfactuals.metrics import BigramLM, cosine, word_levenshtein
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts, is_pair
from cod.data import registry
from cod.data.corpus import load_meta, load_split
from cod.data.registry import DatasetInfo
from cod.data.subsets import load_manifest, load_subset


def assess(originals: pd.DataFrame, results: list[EditResult], scorer: Scorer, lm: BigramLM) -> pd.DataFrame:
    """One record per original: the teacher's verdict on the CFE (validity) and its quality measures.

    ``original`` and ``cfe`` are the edited text: the text, or for a sentence pair its second text (the
    hypothesis), whose fixed first text is recorded as ``premise``. The teacher scores (and ``closeness``
    compares) whole pairs; word edits and fluency measure the edited text."""
    cfes, texts, firsts = [r.text for r in results], edited_texts(originals), fixed_texts(originals)
    if firsts is None:
        p_orig, p_cfe = scorer.probs(texts), scorer.probs(cfes)
        e_orig, e_cfe = scorer.embed(texts), scorer.embed(cfes)
    else:
        p_orig, p_cfe = scorer.probs(firsts, texts), scorer.probs(firsts, cfes)
        e_orig, e_cfe = scorer.embed(firsts, texts), scorer.embed(firsts, cfes)
    rows = []
    for j, (row, text, r) in enumerate(zip(originals.itertuples(index=False), texts, results, strict=True)):
        src, tgt = int(p_orig[j].argmax()), r.target
        changed = r.text != text
        dist = word_levenshtein(text.split(), r.text.split())
        rows.append(
            {
                "idx": int(row.idx),
                **({} if firsts is None else {"premise": firsts[j]}),
                "original": text,
                "cfe": r.text,
                "gold": int(row.label),
                "teacher_original": src,
                "teacher_cfe": int(p_cfe[j].argmax()),
                "target": tgt,
                "valid": changed and int(p_cfe[j].argmax()) != src,
                "p_target_original": float(p_orig[j][tgt]),
                "p_target_cfe": float(p_cfe[j][tgt]),
                "delta_p": float(p_cfe[j][tgt] - p_orig[j][tgt]),
                "word_edits": dist,
                "word_edits_norm": dist / max(1, len(text.split())),
                "closeness": cosine(e_orig[j], e_cfe[j]),
                "fluency_delta": lm.logprob_per_word(r.text) - lm.logprob_per_word(text),
                "edits": [asdict(e) for e in r.edits],
                "calls": r.forward_passes,
            }
        )
    return pd.DataFrame(rows)


def training_rows(originals: pd.DataFrame, records: pd.DataFrame, keep: str) -> pd.DataFrame:
    """Originals plus their CFEs (pair_id = the original's idx); only teacher-verified flips unless keep=all.

    For a sentence-pair dataset every row carries ``text_pair``: a CFE row is its original's first text,
    unchanged, with the edited second text."""
    base = originals.assign(is_cfe=False, pair_id=originals["idx"])
    kept = records if keep == "all" else records[records["valid"]]
    if keep == "all":
        labels = 1 - kept["gold"]  # the paper code's hard flipped label
    else:
        labels = kept["teacher_cfe"]
    cfes = pd.DataFrame({"idx": kept["idx"], "label": labels.astype(int), "is_cfe": True, "pair_id": kept["idx"]})
    if is_pair(originals):
        cfes["text"] = kept["idx"].map(originals.set_index("idx")["text"])  # the original premise, as is
        cfes["text_pair"] = kept["cfe"]
    else:
        cfes["text"] = kept["cfe"]
    cols = ["idx", "text", *(["text_pair"] if is_pair(originals) else []), "label", "is_cfe", "pair_id"]
    return pd.concat([base[cols], cfes[cols]], ignore_index=True)


def summarise(records: pd.DataFrame, kept_rows: int, generator: Generator) -> dict[str, Any]:
    """Set-level quality: flip rate, ΔP, minimality, closeness, fluency proxy, cost per valid CFE."""
    valid = records[records["valid"]]
    n, nv = len(records), len(valid)

    def mean(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].mean()) if len(frame) else None

    return {
        "backend": generator.name,
        "originals": n,
        "valid_cfes": nv,
        "originals_without_valid_cfe": n - nv,
        "flip_rate": nv / n if n else 0.0,
        "training_rows": kept_rows,
        "delta_p_mean": mean("delta_p", records),
        "word_edits_median": float(valid["word_edits"].median()) if nv else None,
        "word_edits_mean": mean("word_edits"),
        "word_edits_norm_mean": mean("word_edits_norm"),
        "closeness_mean": mean("closeness"),
        "fluency_delta_mean": mean("fluency_delta"),
        "calls_per_valid_cfe": float(records["calls"].sum() / nv) if nv else None,
        "calls_are": generator.calls_are,
    }


def generate(
    originals: pd.DataFrame,
    scorer: Scorer,
    lm: BigramLM,
    dataset: DatasetInfo,
    generator: Generator,
    label_names: list[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """CFEs for ``originals`` by ``generator``, checked by the teacher: (records, the generator's extras)."""
    made = generator.generate(originals, scorer, dataset, label_names)
    return assess(originals, made.results, scorer, lm), made.extra


def write_cod_set(
    dataset: str,
    k: int,
    seed: int,
    originals: pd.DataFrame,
    records: pd.DataFrame,
    cfg: CounterfactualsConfig,
    generator: Generator,
    extra: dict[str, Any],
    label_names: list[str],
) -> dict[str, Any]:
    """Write one CoD training set (train.jsonl), its per-CFE records and quality metrics; returns the metrics."""
    rows = training_rows(originals, records, cfg.keep)
    summary = summarise(records, len(rows), generator) | extra
    summary |= generator.set_metrics(extra, summary["valid_cfes"])
    summary |= {
        "dataset": dataset,
        "k": k,
        "seed": seed,
        "keep": cfg.keep,
        "label_names": label_names,
        "originals_sha": load_manifest(dataset, k, seed)["source"]["sha256"],
    }
    out = paths.subset_dir(dataset, k, seed, "cod")
    out.mkdir(parents=True, exist_ok=True)
    rows.to_json(out / "train.jsonl", orient="records", lines=True)
    metrics = paths.cfe_metrics(dataset, k, seed)
    metrics.parent.mkdir(parents=True, exist_ok=True)
    records.to_json(paths.cfe_records(dataset, k, seed), orient="records", lines=True)
    metrics.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def make_cod_sets(
    dataset: str, ks: list[int], seeds: list[int], cfg: CounterfactualsConfig, *, smoke: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CoD training sets of every (seed, k): CFEs are made once per seed for the largest k's originals
    (the originals of a smaller k are a prefix of them) and each k's set takes its prefix.

    Returns (records of every seed's largest set with a ``seed`` column, one metrics row per (seed, k)).
    Every seed's CFEs are made before the first file is written, so a stage that fails (an unreachable LLM
    endpoint, a replay miss) leaves no output for DVC to cache; LLM answers already received stay in the cache.
    """
    from cod.models.teacher import load_teacher
    from cod.training.device import device

    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length, device=device())  # the process's device, a GPU if any
    lm = BigramLM(edited_texts(load_split(dataset, "train")))  # fluency is measured on the edited texts
    label_names = load_meta(dataset)["label_names"]
    info, generator = registry.describe(dataset), generators.build(cfg)
    made = []  # every seed is generated before any file is written: a failure (e.g. EndpointError) writes nothing
    timings: dict[int, dict[str, float]] = {}
    for seed in tqdm(seeds, desc="seeds", leave=False):
        largest = load_subset(dataset, max(ks), seed, "cod_originals")
        if smoke:
            largest = largest.head(cfg.smoke_originals)
        started = time.perf_counter()
        records, extra = generate(largest, scorer, lm, info, generator, label_names)
        seconds = time.perf_counter() - started
        timings[seed] = {
            "originals": len(largest),
            "seconds": seconds,
            "seconds_per_cfe": seconds / max(1, len(largest)),
        }
        made.append((seed, records, extra, prefixes(dataset, ks, seed, records, cfg, smoke)))
    summaries = [
        write_cod_set(dataset, k, seed, originals, part, cfg, generator, extra, label_names)
        for seed, _, extra, parts in made
        for k, originals, part in parts
    ]
    for seed, seconds in timings.items():  # measurements, kept out of the stage's outputs
        tracking.write_timings(paths.cfe_seed_dir(dataset, seed), seconds)
    all_records = [records.assign(seed=seed) for seed, records, _, _ in made]
    return pd.concat(all_records, ignore_index=True), pd.DataFrame(summaries)


def prefixes(
    dataset: str, ks: list[int], seed: int, records: pd.DataFrame, cfg: CounterfactualsConfig, smoke: bool
) -> list[tuple[int, pd.DataFrame, pd.DataFrame]]:
    """(k, originals, records) of every k of one seed: each k's records are the prefix of the largest k's."""
    out = []
    for k in sorted(ks):
        originals = load_subset(dataset, k, seed, "cod_originals")
        if smoke:
            originals = originals.head(cfg.smoke_originals)
        if not originals["idx"].tolist() == records["idx"].head(len(originals)).tolist():
            raise RuntimeError(f"the CoD originals of k={k}, seed {seed} are not a prefix of k={max(ks)}'s")
        out.append((k, originals, records.head(len(originals)).reset_index(drop=True)))
    return out


def highlight(record: dict[str, Any]) -> str:
    """Original → CFE with edited words marked: [old→new], [-deleted], [+inserted]."""
    marks = []
    words = record["original"].split()
    changed = {e["slot"]: e for e in record["edits"]}
    for i, w in enumerate(words):
        e = changed.get(i)
        marks.append(w if e is None else (f"[-{w}]" if not e["new"] else f"[{w}→{e['new']}]"))
    return " ".join(marks)


def show_examples(records: pd.DataFrame, n: int = 5) -> list[str]:
    """A few valid CFEs with their edits highlighted, for the stage notebook."""
    valid = records[records["valid"]].head(n)
    return [
        f"{r['premise'] + ' ‖ ' if 'premise' in r else ''}{highlight(r)}   (ΔP={r['delta_p']:+.2f})"
        for r in valid.to_dict(orient="records")
    ]
