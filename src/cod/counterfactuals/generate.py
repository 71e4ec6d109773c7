"""The counterfactuals stage: CFEs for the CoD originals, teacher-checked, written as the CoD training set."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from cod import paths, tracking
from cod.config import CounterfactualsConfig
from cod.counterfactuals import generators
from cod.counterfactuals.editor import EditResult, Fluency
from cod.counterfactuals.generators import Generated, Generator
from cod.counterfactuals.metrics import cosine, word_levenshtein
from cod.counterfactuals.operators import is_agreement_edit, is_semantic_edit
from cod.counterfactuals.scorer import Scorer
from cod.counterfactuals.texts import edited_texts, fixed_texts, highlight, is_pair
from cod.data import registry
from cod.data.corpus import load_meta
from cod.data.registry import DatasetInfo
from cod.data.subsets import load_manifest, load_subset


def assess(
    originals: pd.DataFrame,
    results: list[EditResult],
    scorer: Scorer,
    fluency: Fluency,
    min_confidence: float = 0.0,
) -> pd.DataFrame:
    """One record per original: the teacher's verdict on the CFE (validity) and its quality measures.

    Valid = the text changed, the teacher's class changed and its confidence in the new class is at least
    ``min_confidence``. ``original`` and ``cfe`` are the edited text: the text, or for a sentence pair its second
    text (the hypothesis), whose fixed first text is recorded as ``premise``. The teacher scores (and
    ``closeness`` compares) whole pairs; word edits and the LM's perplexity ratio measure the edited text."""
    cfes, texts, firsts = [r.text for r in results], edited_texts(originals), fixed_texts(originals)
    if firsts is None:
        p_orig, p_cfe = scorer.probs(texts), scorer.probs(cfes)
        e_orig, e_cfe = scorer.embed(texts), scorer.embed(cfes)
    else:
        p_orig, p_cfe = scorer.probs(firsts, texts), scorer.probs(firsts, cfes)
        e_orig, e_cfe = scorer.embed(firsts, texts), scorer.embed(firsts, cfes)
    lp_orig, lp_cfe = fluency.logprobs(texts), fluency.logprobs(cfes)
    rows = []
    for j, (row, text, r) in enumerate(zip(originals.itertuples(index=False), texts, results, strict=True)):
        src, tgt, new = int(p_orig[j].argmax()), r.target, int(p_cfe[j].argmax())
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
                "teacher_cfe": new,
                "target": tgt,
                "flipped": changed and new != src,
                "valid": changed and new != src and float(p_cfe[j][new]) >= min_confidence,
                "p_target_original": float(p_orig[j][tgt]),
                "p_target_cfe": float(p_cfe[j][tgt]),
                "p_new_class": float(p_cfe[j][new]),
                "delta_p": float(p_cfe[j][tgt] - p_orig[j][tgt]),
                "word_edits": dist,
                "word_edits_norm": dist / max(1, len(text.split())),
                "lexicon_edits": sum(is_semantic_edit(e.old, e.new) for e in r.edits),
                "content_edits": sum(not is_agreement_edit(e.old, e.new) for e in r.edits),  # "a" -> "an": no edit
                "closeness": cosine(e_orig[j], e_cfe[j]),
                "lm_logprob_original": float(lp_orig[j]),
                "lm_logprob_cfe": float(lp_cfe[j]),
                "ppl_ratio": float(math.exp(lp_orig[j] - lp_cfe[j])),  # perplexity of the CFE / of the original
                "edits": [asdict(e) for e in r.edits],
                "calls": r.forward_passes,
            }
        )
    return pd.DataFrame(rows)


def training_rows(originals: pd.DataFrame, records: pd.DataFrame, keep: str) -> pd.DataFrame:
    """Originals plus their CFEs (pair_id = the original's idx).

    ``keep``: valid = teacher-accepted CFEs, labelled with the teacher's prediction; all = every CFE, labelled 1 − y
    (the paper code); changed = every edited text, labelled with the teacher's prediction (the random control).
    For a sentence-pair dataset every row carries ``text_pair``: a CFE row is its original's first text,
    unchanged, with the edited second text."""
    base = originals.assign(is_cfe=False, pair_id=originals["idx"])
    if keep == "all":
        kept = records
        labels = 1 - kept["gold"]  # the paper code's hard flipped label
    else:
        kept = records[records["valid"]] if keep == "valid" else records[records["cfe"] != records["original"]]
        labels = kept["teacher_cfe"]
    cfes = pd.DataFrame({"idx": kept["idx"], "label": labels.astype(int), "is_cfe": True, "pair_id": kept["idx"]})
    if is_pair(originals):
        cfes["text"] = kept["idx"].map(originals.set_index("idx")["text"])  # the original premise, as is
        cfes["text_pair"] = kept["cfe"]
    else:
        cfes["text"] = kept["cfe"]
    cols = ["idx", "text", *(["text_pair"] if is_pair(originals) else []), "label", "is_cfe", "pair_id"]
    return pd.concat([base[cols], cfes[cols]], ignore_index=True)


LAST_RESORT = frozenset({"broad_swap", "broad_antonym"})  # the semantic editor's last-resort operators


def summarise(records: pd.DataFrame, kept_rows: int, generator: Generator) -> dict[str, Any]:
    """Set-level quality: flip rate, teacher confidence, minimality, perplexity ratio, share of edits on polarity
    words or negations, closeness, cost per valid CFE, and how many flips fell below min_confidence."""
    valid = records[records["valid"]]
    n, nv = len(records), len(valid)

    def mean(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].mean()) if len(frame) else None

    def median(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].median()) if len(frame) else None

    edits = int(valid["content_edits"].sum()) if nv else 0
    flipped = int(records["flipped"].sum()) if "flipped" in records else nv
    return {
        "kind": generator.name,
        "originals": n,
        "valid_cfes": nv,
        "originals_without_valid_cfe": n - nv,
        "flipped_below_min_confidence": flipped - nv,
        "flip_rate": nv / n if n else 0.0,  # kept: flipped with p(new class) >= min_confidence
        "any_flip_rate": flipped / n if n else 0.0,  # the teacher's class changed, at any confidence
        "training_rows": kept_rows,
        "delta_p_mean": mean("delta_p", records),
        "p_target_median": median("p_new_class"),
        "word_edits_median": median("word_edits"),
        "word_edits_mean": mean("word_edits"),
        "word_edits_norm_mean": mean("word_edits_norm"),
        "ppl_ratio_median": median("ppl_ratio"),
        "lexicon_edit_share": float(valid["lexicon_edits"].sum() / edits) if edits else None,
        # the semantic editor's last resort (any salient adjective/adverb/noun to a polarity word): read these first
        "last_resort_share": float(valid["edits"].map(lambda es: any(e["op"] in LAST_RESORT for e in es)).mean())
        if nv
        else None,
        "closeness_mean": mean("closeness"),
        "calls_per_valid_cfe": float(records["calls"].sum() / nv) if nv else None,
        "calls_are": generator.calls_are,
    }


def generate(
    originals: pd.DataFrame,
    scorer: Scorer,
    fluency: Fluency,
    dataset: DatasetInfo,
    generator: Generator,
    label_names: list[str],
    reference: list[EditResult] | None = None,
    min_confidence: float = 0.0,
) -> tuple[Generated, pd.DataFrame]:
    """CFEs for ``originals`` by ``generator``, checked by the teacher: (what it made, one record per original)."""
    made = generator.generate(originals, scorer, dataset, label_names, reference)
    return made, assess(originals, made.results, scorer, fluency, min_confidence)


def write_cod_set(
    dataset: str,
    k: int,
    seed: int,
    mode: str,
    originals: pd.DataFrame,
    records: pd.DataFrame,
    cfg: CounterfactualsConfig,
    generator: Generator,
    extra: dict[str, Any],
    label_names: list[str],
) -> dict[str, Any]:
    """Write one CoD training set (train.jsonl), its per-CFE records and quality metrics; returns the metrics."""
    keep = "changed" if generator.keeps == "changed" else cfg.keep
    rows = training_rows(originals, records, keep)
    summary = summarise(records, len(rows), generator) | extra
    summary |= generator.set_metrics(extra, summary["valid_cfes"])
    summary |= {
        "dataset": dataset,
        "k": k,
        "seed": seed,
        "mode": mode,
        "keep": keep,
        "min_confidence": cfg.min_confidence,
        "label_names": label_names,
        "originals_sha": load_manifest(dataset, k, seed)["source"]["sha256"],
    }
    out = paths.subset_dir(dataset, k, seed, mode)
    out.mkdir(parents=True, exist_ok=True)
    rows.to_json(out / "train.jsonl", orient="records", lines=True)
    metrics = paths.cfe_metrics(dataset, k, seed, mode)
    metrics.parent.mkdir(parents=True, exist_ok=True)
    records.to_json(paths.cfe_records(dataset, k, seed, mode), orient="records", lines=True)
    metrics.write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def cod_modes(modes: list[str]) -> list[str]:
    """The CoD data modes of ``grid.data_modes`` (``cod`` and ``cod-<kind>``), in their order."""
    return [m for m in modes if m.startswith("cod")]


def generation_order(kinds: dict[str, str]) -> list[str]:
    """The kinds to generate for modes → kinds, references first (the random control needs semantic's results,
    made even when no mode trains on them)."""
    needed = list(dict.fromkeys(kinds.values()))
    refs = [generators.GENERATORS[k].reference for k in needed if generators.GENERATORS[k].reference]
    return list(dict.fromkeys([*[r for r in refs if r], *needed]))


def make_cod_sets(
    dataset: str,
    ks: list[int],
    seeds: list[int],
    cfg: CounterfactualsConfig,
    modes: list[str] | None = None,
    *,
    smoke: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CoD training sets of every (seed, k) and CoD data mode (``cod``, ``cod-<kind>``): CFEs are made once per
    seed and kind for the largest k's originals (a smaller k's originals are a prefix of them) and each k's set
    takes its prefix.

    Returns (records of every seed's largest sets with ``seed`` and ``mode`` columns, one metrics row per
    (mode, seed, k)). Every CFE is made before the first file is written, so a stage that fails (an unreachable
    LLM endpoint, a replay miss) leaves no output for DVC to cache; LLM answers already received stay in the cache.
    """
    from cod.counterfactuals.fluency import FluencyLM
    from cod.models.teacher import load_teacher
    from cod.training.device import device

    modes = cod_modes(modes or ["cod"])
    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length, device=device())  # the process's device, a GPU if any
    fluency = FluencyLM.from_spec(cfg.fluency_lm)
    fluency.model.to(device())
    label_names = load_meta(dataset)["label_names"]
    info = registry.describe(dataset)
    kinds = {mode: generators.build(cfg, mode).name for mode in modes}
    gens = {kind: generators.GENERATORS[kind](cfg, fluency) for kind in generation_order(kinds)}
    made = []  # every seed is generated before any file is written: a failure (e.g. EndpointError) writes nothing
    timings: dict[int, dict[str, Any]] = {}
    for seed in tqdm(seeds, desc="seeds", leave=False):
        largest = load_subset(dataset, max(ks), seed, "cod_originals")
        if smoke:
            largest = largest.head(cfg.smoke_originals)
        results: dict[str, Any] = {}
        timings[seed] = {"originals": len(largest)}
        for kind, generator in gens.items():
            started = time.perf_counter()
            ref = results[generator.reference][0].results if generator.reference else None
            results[kind] = generate(largest, scorer, fluency, info, generator, label_names, ref, cfg.min_confidence)
            seconds = time.perf_counter() - started
            timings[seed][kind] = {"seconds": seconds, "seconds_per_cfe": seconds / max(1, len(largest))}
        for mode, kind in kinds.items():
            done, records = results[kind]
            made.append((mode, seed, records, done.extra, prefixes(dataset, ks, seed, records, cfg, smoke)))
    summaries = [
        write_cod_set(dataset, k, seed, mode, originals, part, cfg, gens[kinds[mode]], extra, label_names)
        for mode, seed, _, extra, parts in made
        for k, originals, part in parts
    ]
    for seed, seconds in timings.items():  # measurements, kept out of the stage's outputs
        tracking.write_timings(paths.cfe_seed_dir(dataset, seed), seconds)
    all_records = pd.concat(
        [records.assign(seed=seed, mode=mode) for mode, seed, records, _, _ in made], ignore_index=True
    )
    return all_records, pd.DataFrame(summaries)


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


def show_examples(records: pd.DataFrame, n: int = 5) -> list[str]:
    """A few valid CFEs with their edits highlighted, for the stage notebook."""
    valid = records[records["valid"]].head(n)
    return [
        f"{r['premise'] + ' ‖ ' if 'premise' in r else ''}{highlight(r)}   (ΔP={r['delta_p']:+.2f})"
        for r in valid.to_dict(orient="records")
    ]
