"""What the teacher's rationales pick: polarity words, the hypothesis of a pair, the word a counterfactual changed."""

from __future__ import annotations

import itertools
import json
from math import comb

import numpy as np
import pandas as pd

from cod import paths
from cod.config import GridConfig as Grid
from cod.counterfactuals import lexicon as lex
from cod.method_registry import added_to
from cod.report.aggregate import is_cod_mode

QUALITY_COLUMNS = [
    "dataset",
    "method",
    "mode",
    "k",
    "runs",
    "rows",
    "words_per_rationale",
    "lexicon_share",
    "hypothesis_share",
    "cfe_originals",
    "changed_word_in_rationale",
    "changed_word_in_random_k",
]


def chance_of_hit(n_words: int, k: int, n_changed: int) -> float:
    """P(k words drawn at random from ``n_words`` include at least one of ``n_changed`` given words)."""
    if n_words <= 0 or n_changed <= 0:
        return 0.0
    k = min(k, n_words)
    return 1.0 - comb(n_words - n_changed, k) / comb(n_words, k)


def changed_slots(dataset: str, k: int, seed: int, mode: str) -> dict[int, set[int]]:
    """Per original (its idx) with a kept CFE, the word positions the CFE rewrote (in the edited text field)."""
    file = paths.cfe_records(dataset, k, seed, mode)
    if not file.is_file():
        return {}
    out: dict[int, set[int]] = {}
    for line in file.read_text().splitlines():
        record = json.loads(line)
        if record.get("valid") and record.get("edits"):
            out[int(record["idx"])] = {int(e["slot"]) for e in record["edits"] if e.get("old")}
    return out


def rationale_quality(grid: Grid, pairs: dict[str, str] | None = None) -> pd.DataFrame:
    """Per dataset × rationale method × data mode × k, over the runs' rationales.jsonl: words per rationale, share of
    them that are polarity-lexicon words (VADER), share from the hypothesis (sentence pairs), and, for the originals of
    CoD sets, how often the word their CFE changed is in the rationale vs in as many random words (exact chance)."""
    methods = [m for m in grid.methods if m in (pairs if pairs is not None else added_to())]
    rows = []
    for dataset, method, mode, k in itertools.product(grid.datasets, methods, grid.data_modes, grid.k):
        words: list[dict] = []
        hits, chance, runs, n_rows = [], [], 0, 0
        for seed in grid.seeds:
            file = paths.run_rationales(paths.run_dir(dataset, k, seed, method, mode))
            if not file.is_file():
                continue
            runs += 1
            frame = pd.read_json(file, lines=True)
            n_rows += len(frame)
            words += [w for r in frame["rationale"] for w in r]
            changed = changed_slots(dataset, k, seed, mode) if is_cod_mode(mode) else {}
            texts, is_pair = set_words(dataset, k, seed, mode)
            edited = "text_pair" if is_pair else "text"  # the editor rewrites a pair's second text only
            for r in frame[~frame["is_cfe"]].itertuples(index=False):
                if int(r.idx) not in changed or int(r.idx) not in texts:
                    continue
                slots = changed[int(r.idx)]
                hits.append(any(w["field"] == edited and w.get("index") in slots for w in r.rationale))
                chance.append(chance_of_hit(texts[int(r.idx)], len(r.rationale), len(slots)))
        if not runs:
            continue
        fields = [w["field"] for w in words]
        rows.append(
            {
                "dataset": dataset,
                "method": method,
                "mode": mode,
                "k": k,
                "runs": runs,
                "rows": n_rows,
                "words_per_rationale": len(words) / max(1, n_rows),
                "lexicon_share": float(np.mean([lex.key(w["word"]) in lex.valences() for w in words]))
                if words
                else np.nan,
                "hypothesis_share": float(np.mean([f == "text_pair" for f in fields]))
                if "text_pair" in fields
                else np.nan,
                "cfe_originals": len(hits),
                "changed_word_in_rationale": float(np.mean(hits)) if hits else np.nan,
                "changed_word_in_random_k": float(np.mean(chance)) if chance else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)


def set_words(dataset: str, k: int, seed: int, mode: str) -> tuple[dict[int, int], bool]:
    """Words per original of one training set (both texts of a pair), by idx — the pool random words come from —
    and whether the set is of sentence pairs."""
    file = paths.train_set(dataset, k, seed, mode)
    if not file.is_file():
        return {}, False
    frame = pd.read_json(file, lines=True)
    if "is_cfe" in frame:
        frame = frame[~frame["is_cfe"].astype(bool)]
    is_pair = "text_pair" in frame
    counts = frame["text"].str.split().str.len()
    if is_pair:
        counts = counts + frame["text_pair"].fillna("").str.split().str.len()
    return dict(zip(frame["idx"].astype(int), counts.astype(int), strict=True)), is_pair


def marked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the character ``spans`` of rationale words wrapped in **bold** (Markdown)."""
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text[last:start], f"**{text[start:end]}**"]
        last = end
    return "".join(out + [text[last:]]).replace("|", "\\|")


def examples(grid: Grid, n: int, seed: int = 0, pairs: dict[str, str] | None = None) -> pd.DataFrame:
    """Up to ``n`` rows per dataset from the rationale runs of the first grid seed with rationales (clean data first,
    largest k), each text with its rationale words marked (the first text of a pair, then ' ‖ ', the second)."""
    methods = [m for m in grid.methods if m in (pairs if pairs is not None else added_to())]
    rows = []
    for dataset, method in itertools.product(grid.datasets, methods):
        for mode, k, s in itertools.product(grid.data_modes, sorted(grid.k, reverse=True), grid.seeds):
            file = paths.run_rationales(paths.run_dir(dataset, k, s, method, mode))
            train = paths.train_set(dataset, k, s, mode)
            if not (file.is_file() and train.is_file()):
                continue
            rationales = pd.read_json(file, lines=True)
            texts = pd.read_json(train, lines=True)
            is_cfe = texts["is_cfe"].astype(bool) if "is_cfe" in texts else pd.Series(False, index=texts.index)
            picked = rationales.sample(n=min(n, len(rationales)), random_state=seed).sort_index()
            for r in picked.itertuples(index=False):
                row = texts[(texts["idx"] == r.idx) & (is_cfe == bool(r.is_cfe))].iloc[0]
                shown = []
                for field in ("text", "text_pair"):
                    if field in row and isinstance(row[field], str):
                        spans = [(w["start"], w["end"]) for w in r.rationale if w["field"] == field]
                        shown.append(marked(row[field], spans))
                rows.append(
                    {
                        "dataset": dataset,
                        "method": method,
                        "data": mode,
                        "k": k,
                        "seed": s,
                        "row": "CFE" if r.is_cfe else "original",
                        "text (rationale in bold)": " ‖ ".join(shown),
                    }
                )
            break  # one set per dataset and method
    return pd.DataFrame(rows)
