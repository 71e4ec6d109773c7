"""The counterfactuals stage: CFEs for the CoD originals, teacher-checked, written as the CoD training set."""

from __future__ import annotations

import json
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from cod import paths, tracking
from cod.config import CounterfactualsConfig
from cod.counterfactuals import generators
from cod.counterfactuals.acceptance import accepts
from cod.counterfactuals.editor import EditResult, Fluency
from cod.counterfactuals.generators import Generated, Generator
from cod.counterfactuals.kept import Keeps, Label, hard_labels, kept_cfes
from cod.counterfactuals.metrics import cosine, word_levenshtein
from cod.counterfactuals.operators import is_agreement_edit, is_semantic_edit
from cod.counterfactuals.provenance import MAKER, provenance
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

    Valid = the text changed and the teacher accepts it (``acceptance.accepts``: it predicts the CFE's target class
    with p(target) >= ``min_confidence``); flipped = the text changed and the teacher's class changed, to any class.
    ``original`` and ``cfe`` are the edited text: the text, or for a sentence pair its second
    text (the hypothesis), whose fixed first text is recorded as ``premise``. The teacher scores (and
    ``closeness`` compares) whole pairs; word edits and the LM's perplexity ratio measure the edited text (the LM: the
    part of it the teacher reads, all of a short text)."""
    cfes, texts, firsts = [r.text for r in results], edited_texts(originals), fixed_texts(originals)
    if firsts is None:
        p_orig, p_cfe = scorer.probs(texts), scorer.probs(cfes)
        e_orig, e_cfe = scorer.embed(texts), scorer.embed(cfes)
    else:
        p_orig, p_cfe = scorer.probs(firsts, texts), scorer.probs(firsts, cfes)
        e_orig, e_cfe = scorer.embed(firsts, texts), scorer.embed(firsts, cfes)
    # the LM reads what the teacher reads: a long review's leading words (a short text whole)
    read = [None] * len(texts) if firsts is None else firsts
    lp_orig = fluency.logprobs([scorer.read_part(t, f) for t, f in zip(texts, read, strict=True)])
    lp_cfe = fluency.logprobs([scorer.read_part(t, f) for t, f in zip(cfes, read, strict=True)])
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
                "valid": changed and accepts(p_cfe[j], src, tgt, min_confidence),
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


def training_rows(
    originals: pd.DataFrame, records: pd.DataFrame, keeps: Keeps, label: Label, fixed: bool = False
) -> pd.DataFrame:
    """Originals plus the CFEs a set ``keeps`` (pair_id = the original's idx), labelled as ``label`` says
    (cod.counterfactuals.kept): valid + teacher = teacher-accepted CFEs with the teacher's prediction; all + flip =
    every CFE, labelled 1 − y (the paper code); changed + teacher = every edited text with the teacher's prediction
    (the random control). ``fixed``: a kind whose label is not the teacher's; every row gets ``fixed_label`` (true on
    its CFE rows), which the distiller keeps whatever distill.cfe_label says. For a sentence-pair dataset every row
    carries ``text_pair``: a CFE row is its original's first text, unchanged, with the edited second text."""
    base = originals.assign(is_cfe=False, pair_id=originals["idx"])
    kept = kept_cfes(records, keeps)
    cfes = pd.DataFrame({"idx": kept["idx"], "label": hard_labels(kept, label), "is_cfe": True, "pair_id": kept["idx"]})
    if is_pair(originals):
        cfes["text"] = kept["idx"].map(originals.set_index("idx")["text"])  # the original premise, as is
        cfes["text_pair"] = kept["cfe"]
    else:
        cfes["text"] = kept["cfe"]
    cols = ["idx", "text", *(["text_pair"] if is_pair(originals) else []), "label", "is_cfe", "pair_id"]
    if fixed:
        base, cfes, cols = base.assign(fixed_label=False), cfes.assign(fixed_label=True), [*cols, "fixed_label"]
    return pd.concat([base[cols], cfes[cols]], ignore_index=True)


def selection(generator: Generator, keep: str) -> tuple[Keeps, Label]:
    """(which CFEs a set of ``generator``'s kind keeps, how they are labelled): the kind's own, except that
    counterfactuals.keep: all turns a kind keeping valid CFEs into the paper code's (every CFE, labelled 1 − y)."""
    if generator.keeps == "valid" and keep == "all":
        return "all", "flip"
    return generator.keeps, generator.label


def same_label_share(rows: pd.DataFrame) -> float | None:
    """Among a set's CFE rows (training rows), the share whose hard label equals its original's gold label (None
    without CFE rows). The file's label is the one the student trains on under the distill.cfe_label that
    counterfactuals.keep pairs with (teacher-labelled: the teacher's prediction) and always for a fixed label."""
    cfes = rows[rows["is_cfe"]]
    if not len(cfes):
        return None
    gold = rows[~rows["is_cfe"]].set_index("pair_id")["label"]
    return float((cfes["label"].to_numpy() == cfes["pair_id"].map(gold).to_numpy()).mean())


LAST_RESORT = frozenset({"broad_swap", "broad_antonym"})  # the semantic editor's last-resort operators


def summarise(records: pd.DataFrame, rows: pd.DataFrame, generator: Generator) -> dict[str, Any]:
    """Set-level quality: flip rate, teacher confidence, minimality, perplexity ratio, share of edits on polarity
    words or negations, closeness, cost per valid CFE, how many flips fell below min_confidence, how the CFE
    budget was filled, and how many CFE rows the set trains on and how many of them carry their original's label.
    ``records``: every row tried for the set (``in_set`` marks the set's originals, ``role`` the replaced ones;
    without them every record is an original of the set); ``rows``: its training rows (``training_rows``). Rates
    are over the rows tried."""
    valid = records[records["valid"]]  # an accepted CFE's original is always in the set
    n, nv = len(records), len(valid)
    in_set = int(records["in_set"].sum()) if "in_set" in records else n
    replaced = int((records["role"] == "replaced").sum()) if "role" in records else 0

    def mean(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].mean()) if len(frame) else None

    def median(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].median()) if len(frame) else None

    edits = int(valid["content_edits"].sum()) if nv else 0
    flipped = int(records["flipped"].sum()) if "flipped" in records else nv
    return {
        "kind": generator.name,
        "originals": in_set,  # the set's originals: its CFE budget
        "valid_cfes": nv,
        "originals_without_valid_cfe": in_set - nv,  # how many CFEs the set is short of its budget
        "originals_tried": n,  # the set's originals plus the reserves tried to replace rejected ones
        "replaced_originals": replaced,
        "flipped_below_min_confidence": flipped - nv,
        "flip_rate": nv / n if n else 0.0,  # kept: flipped with p(new class) >= min_confidence
        "any_flip_rate": flipped / n if n else 0.0,  # the teacher's class changed, at any confidence
        "training_rows": len(rows),
        "cfe_rows": int(rows["is_cfe"].sum()),  # the CFE rows the set trains on (its budget: ``originals``)
        "same_label_share": same_label_share(rows),  # of those, labelled as their original (copy 1, lexicon 0)
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
    """CFEs for ``originals`` by ``generator``, checked by the teacher: (what it made, one record per original,
    naming the generator that made it: ``generator``)."""
    made = generator.generate(originals, scorer, dataset, label_names, reference)
    records = assess(originals, made.results, scorer, fluency, min_confidence)
    return made, records.assign(**{MAKER: made.makers or [generator.maker] * len(made.results)})


def write_cod_set(
    dataset: str,
    k: int,
    seed: int,
    mode: str,
    plan: Plan,
    records: pd.DataFrame,
    cfg: CounterfactualsConfig,
    generator: Generator,
    extra: dict[str, Any],
    label_names: list[str],
) -> dict[str, Any]:
    """Write one CoD training set (train.jsonl: the plan's originals and their kept CFEs), the records of every row
    tried for it and its quality metrics; returns the metrics."""
    keeps, label = selection(generator, cfg.keep)
    rows = training_rows(plan.originals, records[records["in_set"]], keeps, label, generator.fixed_label())
    summary = summarise(records, rows, generator) | extra
    summary |= provenance(kept_cfes(records[records["in_set"]], keeps), generator.maker)
    summary |= generator.set_metrics(records, extra)
    summary |= {
        "dataset": dataset,
        "k": k,
        "seed": seed,
        "mode": mode,
        "keep": keeps,  # which CFEs the set keeps: valid, changed or all (cod.counterfactuals.kept)
        "labelled_by": label,  # their hard labels: teacher, gold or flip (1 − gold; keep: all or the lexicon control)
        "min_confidence": cfg.min_confidence,
        "fill_budget": cfg.fill_budget,
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


def reference_kinds(kinds: dict[str, str]) -> dict[str, str | None]:
    """Each kind to generate (for modes → kinds) → the kind whose final originals it edits, or None if it picks and
    fills its own: a kind's declared ``reference`` (the random, copy and lexicon controls: semantic); otherwise, for
    an ablation mode's kind beside a ``cod`` arm that picks its own, the cod arm's kind, so that every arm of the
    ablation edits the same originals (the cod arm's, after budget filling)."""
    anchor = kinds.get("cod")
    if anchor is not None and generators.GENERATORS[anchor].reference is not None:
        anchor = None  # a cod arm that is itself a control (e.g. editor.kind: random) anchors nothing
    refs: dict[str, str | None] = {}
    for kind in dict.fromkeys(kinds.values()):
        declared = generators.GENERATORS[kind].reference
        if declared:
            refs.setdefault(declared, None if declared == anchor or anchor is None else anchor)
        refs[kind] = declared or (anchor if anchor is not None and kind != anchor else None)
    return refs


def generation_order(refs: dict[str, str | None]) -> list[str]:
    """The kinds of ``reference_kinds`` in the order they are made: every kind after the one it references."""
    order: list[str] = []

    def visit(kind: str) -> None:
        if kind not in order:
            if refs.get(kind):
                visit(refs[kind])  # type: ignore[arg-type]
            order.append(kind)

    for kind in refs:
        visit(kind)
    return order


Check = Callable[[pd.DataFrame], list[bool]]  # rows → whether each row's CFE the teacher accepts (made lazily)


@dataclass
class Plan:
    """The originals of one CoD set after filling its CFE budget, and every row tried for it."""

    originals: pd.DataFrame  # the set's k/2 originals, in the draw's positions
    tried: list[int]  # idx of every row whose CFE was made for this set, in the order tried
    replaced: dict[int, int] = field(default_factory=dict)  # idx of a rejected original → idx of its replacement


def fill_budget(originals: pd.DataFrame, reserves: pd.DataFrame, accepted: Check) -> Plan:
    """Fill a CoD set's CFE budget from the labelled rows it already has: every original whose CFE the teacher
    rejects is replaced by the next row of the same label among ``reserves`` (the rest of the clean k-shot set),
    in draw order, until one's CFE is accepted or the label's reserves run out. Replacements are tried in rounds,
    one candidate per open original per round, so a generator sees them in batches."""
    final = [row for _, row in originals.iterrows()]
    plan = Plan(originals.reset_index(drop=True), [int(i) for i in originals["idx"]])
    queue = {label: [row for _, row in group.iterrows()] for label, group in reserves.groupby("label", sort=False)}
    open_ = [pos for pos, good in enumerate(accepted(plan.originals)) if not good]
    while picks := [(pos, queue[final[pos]["label"]].pop(0)) for pos in open_ if queue.get(final[pos]["label"])]:
        rows = pd.DataFrame([row for _, row in picks]).reset_index(drop=True)
        plan.tried += [int(i) for i in rows["idx"]]
        open_ = []
        for (pos, row), good in zip(picks, accepted(rows), strict=True):
            if good:
                plan.replaced[int(final[pos]["idx"])] = int(row["idx"])
                final[pos] = row
            else:
                open_.append(pos)
    plan.originals = pd.DataFrame(final).reset_index(drop=True).astype(originals.dtypes.to_dict())
    return plan


def set_records(plan: Plan, made: dict[int, dict[str, Any]]) -> pd.DataFrame:
    """One record per row tried for a set (from ``made``, records by idx), with its ``role``: original (kept in
    the set), replaced (its CFE rejected; a reserve took its place), replacement (a reserve in the set; ``replaces``
    names the original) or rejected reserve; ``in_set`` marks the rows the set trains on."""
    final = set(plan.originals["idx"].astype(int))
    firsts = set(plan.tried[: len(plan.originals)])
    by_replacement = {new: old for old, new in plan.replaced.items()}
    rows = []
    for idx in plan.tried:
        if idx in firsts:
            role = "original" if idx in final else "replaced"
        else:
            role = "replacement" if idx in final else "rejected reserve"
        rows.append({**made[idx], "role": role, "in_set": idx in final, "replaces": by_replacement.get(idx)})
    return pd.DataFrame(rows)


class Made:
    """One kind's CFEs of one seed by original idx: each row generated once, when first asked for, with the
    generator's extras merged over its calls (counts summed: ``merged``)."""

    def __init__(self, run: Callable[[pd.DataFrame, list[EditResult] | None], tuple[Generated, pd.DataFrame]]):
        self.run = run
        self.results: dict[int, EditResult] = {}
        self.records: dict[int, dict[str, Any]] = {}
        self.extra: dict[str, Any] = {}
        self.seconds = 0.0

    def ensure(self, rows: pd.DataFrame, reference: Made | None = None) -> list[bool]:
        """Make the CFEs of ``rows`` not made yet; returns whether the teacher accepts each row's CFE."""
        todo = rows[~rows["idx"].astype(int).isin(self.records)].drop_duplicates("idx").reset_index(drop=True)
        if len(todo):
            started = time.perf_counter()
            ref = [reference.results[int(i)] for i in todo["idx"]] if reference is not None else None
            done, records = self.run(todo, ref)
            self.seconds += time.perf_counter() - started
            for idx, result, record in zip(todo["idx"], done.results, records.to_dict("records"), strict=True):
                self.results[int(idx)], self.records[int(idx)] = result, record
            self.extra = merged(self.extra, done.extra)
        return [bool(self.records[int(i)]["valid"]) for i in rows["idx"]]


def merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Extras over two batches of one seed: numbers summed (those of a nested dict key by key; floats to 6 decimals,
    the ledger's cost), anything else the newer value."""
    out = dict(old)
    for key, value in new.items():
        before = out.get(key)
        if isinstance(value, dict) and isinstance(before, dict):
            out[key] = merged(before, value)
        elif isinstance(value, int | float) and not isinstance(value, bool) and isinstance(before, int | float):
            out[key] = round(before + value, 6) if isinstance(before + value, float) else before + value
        else:
            out[key] = value
    return out


def draws(
    dataset: str, ks: list[int], seed: int, cfg: CounterfactualsConfig, smoke: bool
) -> dict[int, tuple[pd.DataFrame, pd.DataFrame]]:
    """(CoD originals, reserves) of every k of one seed: the originals are the first k/2 rows of the clean k-shot
    set, the reserves its other rows (``smoke``: as many of each as counterfactuals.smoke_originals)."""
    out = {}
    for k in sorted(ks):
        clean, originals = load_subset(dataset, k, seed), load_subset(dataset, k, seed, "cod_originals")
        if not clean["idx"].head(len(originals)).tolist() == originals["idx"].tolist():
            raise RuntimeError(f"the CoD originals of k={k}, seed {seed} are not the first rows of its clean set")
        reserves = clean.iloc[len(originals) :]
        if smoke:
            originals, reserves = originals.head(cfg.smoke_originals), reserves.head(cfg.smoke_originals)
        out[k] = (originals.reset_index(drop=True), reserves.reset_index(drop=True))
    return out


def plan_sets(
    made: Made,
    sets: dict[int, tuple[pd.DataFrame, pd.DataFrame]],
    fill: bool,
    reference: tuple[Made, dict[int, Plan]] | None = None,
) -> dict[int, Plan]:
    """The plan of every k's set of one seed and kind, generating as needed: a kind with a reference (the random
    control) takes the reference kind's final originals; otherwise the largest k's originals (which hold every
    smaller k's) are made in one batch, then each set's budget is filled when ``fill``."""
    if reference is not None:
        ref_made, ref_plans = reference
        union = pd.concat([ref_plans[k].originals for k in sorted(sets, reverse=True)]).drop_duplicates("idx")
        made.ensure(union, ref_made)  # one batch: the control's word pool is its originals' vocabulary
        return {k: Plan(p.originals, [int(i) for i in p.originals["idx"]]) for k, p in ref_plans.items()}
    made.ensure(sets[max(sets)][0])
    plans = {}
    for k, (originals, reserves) in sets.items():
        if fill:
            plans[k] = fill_budget(originals, reserves, made.ensure)
        else:
            made.ensure(originals)
            plans[k] = Plan(originals, [int(i) for i in originals["idx"]])
    return plans


def make_cod_sets(
    dataset: str,
    ks: list[int],
    seeds: list[int],
    cfg: CounterfactualsConfig,
    modes: list[str] | None = None,
    *,
    smoke: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The CoD training sets of every (seed, k) and CoD data mode (``cod``, ``cod-<kind>``). Each seed's CFEs are
    made once per kind and row: first for the largest k's originals (a smaller k's are their first rows), then,
    with counterfactuals.fill_budget, for the reserves that replace originals whose CFE the teacher rejected.

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
    refs = reference_kinds(kinds)
    gens = {kind: generators.GENERATORS[kind](cfg, fluency) for kind in generation_order(refs)}
    for gen in gens.values():  # before the first CFE is made: a kind that cannot edit this dataset says so now
        gen.check(info, label_names)
    sets = []  # every seed is generated before any file is written: a failure (e.g. EndpointError) writes nothing
    timings: dict[int, dict[str, Any]] = {}
    extras: dict[str, dict[str, Any]] = {}  # each kind's extras over every seed (counts summed)
    for seed in tqdm(seeds, desc="seeds", leave=False):
        draw = draws(dataset, ks, seed, cfg, smoke)
        made: dict[str, Made] = {}
        plans: dict[str, dict[int, Plan]] = {}
        for kind, gen in gens.items():
            made[kind] = Made(
                lambda rows, ref, gen=gen: generate(
                    rows, scorer, fluency, info, gen, label_names, ref, cfg.min_confidence
                )
            )
            ref = (made[refs[kind]], plans[refs[kind]]) if refs[kind] else None
            fill = cfg.fill_budget and cfg.keep == "valid" and gen.keeps == "valid"
            plans[kind] = plan_sets(made[kind], draw, fill, ref)
        for kind, m in made.items():
            extras[kind] = merged(extras.get(kind, {}), m.extra)
        timings[seed] = {"originals": len(draw[max(ks)][0])} | {
            kind: {"seconds": m.seconds, "rows": len(m.records), "seconds_per_cfe": m.seconds / max(1, len(m.records))}
            for kind, m in made.items()
        }
        sets += [(mode, seed, k, plans[kind][k], made[kind]) for mode, kind in kinds.items() for k in sorted(ks)]
    summaries, largest = [], []
    for mode, seed, k, plan, m in sets:
        records = set_records(plan, m.records)
        summaries.append(
            write_cod_set(dataset, k, seed, mode, plan, records, cfg, gens[kinds[mode]], m.extra, label_names)
        )
        if k == max(ks):
            largest.append(records.assign(seed=seed, mode=mode))
    for seed, seconds in timings.items():  # measurements, kept out of the stage's outputs
        tracking.write_timings(paths.cfe_seed_dir(dataset, seed), seconds)
    for kind, gen in gens.items():  # e.g. most of an LLM's answers unusable: one line per kind, over every seed
        if message := gen.warning(extras.get(kind, {}), len(seeds)):
            warnings.warn(message, stacklevel=2)
    return pd.concat(largest, ignore_index=True), pd.DataFrame(summaries)


def show_examples(records: pd.DataFrame, n: int = 5) -> list[str]:
    """A few valid CFEs with their edits highlighted, for the stage notebook."""
    valid = records[records["valid"]].head(n)
    return [
        f"{r['premise'] + ' ‖ ' if 'premise' in r else ''}{highlight(r)}   (ΔP={r['delta_p']:+.2f})"
        for r in valid.to_dict(orient="records")
    ]
