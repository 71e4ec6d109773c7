"""The counterfactuals stage: CFEs for the CoD originals, teacher-checked, written as the CoD training set."""

from __future__ import annotations

import difflib
import json
import time
from dataclasses import asdict, replace
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from cod import paths, tracking
from cod.config import CounterfactualsConfig
from cod.counterfactuals.chat import LLMSettings
from cod.counterfactuals.editor import Edit, Editor, EditorConfig, EditResult
from cod.counterfactuals.metrics import BigramLM, cosine, word_levenshtein
from cod.counterfactuals.scorer import Scorer
from cod.data import load_meta, load_split, registry
from cod.data.subsets import load_manifest, load_subset
from cod.errors import ConfigError


def task_of(dataset: str) -> str:
    """The edit-operator family for a dataset (sentiment lexicon edits, grammatical edits, or generic)."""
    info = registry.BUILTIN.get(dataset)
    return info.task if info is not None else "generic"


def is_pair(originals: pd.DataFrame) -> bool:
    """A sentence-pair dataset (``text`` + ``text_pair``): its CFEs edit the second text, the first stays."""
    return "text_pair" in originals.columns


def edited_texts(originals: pd.DataFrame) -> list[str]:
    """The texts a CFE edits: ``text``, or ``text_pair`` (the hypothesis) for a sentence-pair dataset."""
    return originals["text_pair" if is_pair(originals) else "text"].tolist()


def fixed_texts(originals: pd.DataFrame) -> list[str] | None:
    """The first texts of a sentence-pair dataset (kept as they are in the CFEs); None for single texts."""
    return originals["text"].tolist() if is_pair(originals) else None


def edit_all(originals: pd.DataFrame, scorer: Scorer, dataset: str, cfg: CounterfactualsConfig) -> list[EditResult]:
    """Run the offline editor over every original text (for a pair, over its second text, scored as a pair)."""
    editor = Editor(scorer, task_of(dataset), EditorConfig(**cfg.editor.model_dump()))  # type: ignore[arg-type]
    texts, firsts = edited_texts(originals), fixed_texts(originals)
    return [
        editor.edit(text, None if firsts is None else firsts[i])
        for i, text in enumerate(tqdm(texts, desc="counterfactuals", leave=False))
    ]


def diff_edits(a: list[str], b: list[str]) -> list[Edit]:
    """Slot edits turning word list ``a`` into ``b`` (for LLM outputs, which come without an edit log)."""
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        new = " ".join(b[j1:j2])
        if tag == "insert":
            slot = min(i1, len(a) - 1)
            old = a[slot] if a else ""
            edits.append(Edit(slot, "insert", old, f"{new} {old}".strip() if i1 < len(a) else f"{old} {new}".strip()))
            continue
        edits.append(Edit(i1, tag, a[i1], new))
        edits.extend(Edit(i, tag, a[i], "") for i in range(i1 + 1, i2))
    return edits


def llm_settings(cfg: CounterfactualsConfig) -> LLMSettings:
    """The request settings of the configured backend: the endpoint's for ``llm``, model and GGUF file for ``local``."""
    settings = LLMSettings.from_config(cfg.llm)
    if cfg.backend == "local":
        return replace(
            settings,
            backend="local",
            model=cfg.local.model,
            base_url=None,
            gguf_file=cfg.local.gguf_file,
            concurrency=1,
        )
    return settings


def llm_all(
    originals: pd.DataFrame, scorer: Scorer, dataset: str, cfg: CounterfactualsConfig, label_names: list[str]
) -> tuple[list[EditResult], dict[str, Any]]:
    """CFEs from an OpenAI-compatible LLM, checked by the teacher, with feedback rounds and optional
    critique-revision; originals still without a valid CFE fall back to the offline editor if asked.

    An unreachable or failing endpoint raises ``EndpointError`` (the fallback covers originals the LLM could
    not flip, not an endpoint that does not answer)."""
    from cod.counterfactuals import prompts
    from cod.counterfactuals.answers import parse_counterfactual
    from cod.counterfactuals.cache import ResponseCache, ledger_summary
    from cod.counterfactuals.chat import LLM
    from cod.counterfactuals.local_chat import LocalLM

    if is_pair(originals):  # the prompts carry one text; refuse rather than rewrite a premise scored alone
        raise ConfigError(
            f"counterfactuals.backend: {cfg.backend!r} does not support the sentence-pair dataset {dataset!r} "
            "(its prompts carry one text); use backend: editor, which edits the second text of each pair"
        )
    c = cfg.llm
    settings = llm_settings(cfg)
    cache = ResponseCache(paths.root() / c.cache_dir)
    llm: LLM | LocalLM = LocalLM(settings, cache) if cfg.backend == "local" else LLM(settings, cache)
    texts = originals["text"].tolist()
    p0 = scorer.probs(texts)
    source = p0.argmax(-1)
    current, target = prompts.current_and_target(p0, originals["label"].to_numpy(), c.label_source)
    task = "yelp" if dataset == "yelp" else task_of(dataset)
    convs = [
        prompts.build(task, t, label_names[int(cu)], label_names[int(tg)], c.prompt_variant)
        for t, cu, tg in zip(texts, current, target, strict=True)
    ]
    best: list[str | None] = [None] * len(texts)
    calls = [0] * len(texts)
    pending = list(range(len(texts)))
    for _ in range(1 + c.feedback_rounds):
        if not pending:
            break
        answers = llm.complete_many(convs[i] for i in pending)
        cands = [parse_counterfactual(a.get("text")) for a in answers]
        probs = scorer.probs([x or "" for x in cands])
        still = []
        for i, a, cand, p in zip(pending, answers, cands, probs, strict=True):
            calls[i] += 1
            if cand and cand != texts[i] and int(p.argmax()) != int(source[i]):
                best[i] = cand
                continue
            still.append(i)
            verdict = label_names[int(p.argmax())] if cand else "unchanged (no usable answer)"
            convs[i] = prompts.feedback(convs[i], a.get("text") or "", verdict, float(p[target[i]]))
        pending = still
    if c.critique_revision:
        idx = [i for i in range(len(texts)) if best[i] is not None]
        pv = scorer.probs([best[i] for i in idx])  # type: ignore[misc]
        crit = [
            prompts.critique(
                convs[i],
                json.dumps({"counterfactual": best[i]}),
                label_names[int(p.argmax())],
                float(p[target[i]]),
                word_levenshtein(texts[i].split(), best[i].split()),
            )  # type: ignore[union-attr]
            for i, p in zip(idx, pv, strict=True)
        ]
        revised = [parse_counterfactual(a.get("text")) for a in llm.complete_many(crit)]
        pr = scorer.probs([r or "" for r in revised])
        for i, r, p in zip(idx, revised, pr, strict=True):
            calls[i] += 1
            if (
                r
                and int(p.argmax()) != int(source[i])
                and word_levenshtein(texts[i].split(), r.split()) <= word_levenshtein(texts[i].split(), best[i].split())
            ):  # type: ignore[union-attr]
                best[i] = r
    pf = scorer.probs([b or t for b, t in zip(best, texts, strict=True)])
    results = [
        EditResult(
            t,
            b or t,
            int(source[i]),
            int(target[i]),
            b is not None,
            float(p0[i][target[i]]),
            float(pf[i][target[i]]),
            diff_edits(t.split(), (b or t).split()),
            forward_passes=calls[i],
        )
        for i, (t, b) in enumerate(zip(texts, best, strict=True))
    ]
    fell_back = 0
    if c.fallback == "editor":
        editor = Editor(scorer, task_of(dataset), EditorConfig(**cfg.editor.model_dump()))  # type: ignore[arg-type]
        for i, r in enumerate(results):
            if not r.flipped:
                fb = editor.edit(texts[i])
                if fb.flipped:
                    fb.forward_passes = calls[i]  # LLM calls spent before falling back
                    results[i], fell_back = fb, fell_back + 1
    return results, {
        "llm_calls": sum(calls),
        "llm_requests_sent": llm.requests_sent,
        "fell_back_to_editor": fell_back,
        "ledger": ledger_summary(llm.cache),
    }


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


def summarise(records: pd.DataFrame, kept_rows: int, backend: str) -> dict[str, Any]:
    """Set-level quality: flip rate, ΔP, minimality, closeness, fluency proxy, cost per valid CFE."""
    valid = records[records["valid"]]
    n, nv = len(records), len(valid)

    def mean(col: str, frame: pd.DataFrame = valid) -> float | None:
        return float(frame[col].mean()) if len(frame) else None

    return {
        "backend": backend,
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
        "calls_are": "teacher forward passes" if backend == "editor" else "LLM requests",
    }


def generate(
    originals: pd.DataFrame,
    scorer: Scorer,
    lm: BigramLM,
    dataset: str,
    cfg: CounterfactualsConfig,
    label_names: list[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """CFEs for ``originals`` by the configured backend, checked by the teacher: (records, backend extras)."""
    extra: dict[str, Any] = {}
    if cfg.backend in ("llm", "local"):
        results, extra = llm_all(originals, scorer, dataset, cfg, label_names)
    else:
        results = edit_all(originals, scorer, dataset, cfg)
    return assess(originals, results, scorer, lm), extra


def write_cod_set(
    dataset: str,
    k: int,
    seed: int,
    originals: pd.DataFrame,
    records: pd.DataFrame,
    cfg: CounterfactualsConfig,
    extra: dict[str, Any],
    label_names: list[str],
) -> dict[str, Any]:
    """Write one CoD training set (train.jsonl), its per-CFE records and quality metrics; returns the metrics."""
    rows = training_rows(originals, records, cfg.keep)
    summary = summarise(records, len(rows), cfg.backend) | extra
    if cfg.backend in ("llm", "local"):
        summary["llm_calls_per_valid_cfe"] = extra["llm_calls"] / max(1, summary["valid_cfes"])
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
    from cod.training.device import device
    from cod.training.teacher import load_teacher

    teacher, tokenizer, _ = load_teacher(dataset)
    scorer = Scorer(teacher, tokenizer, cfg.max_length, device=device())  # the process's device, a GPU if any
    lm = BigramLM(edited_texts(load_split(dataset, "train")))  # fluency is measured on the edited texts
    label_names = load_meta(dataset)["label_names"]
    made = []  # every seed is generated before any file is written: a failure (e.g. EndpointError) writes nothing
    timings: dict[int, dict[str, float]] = {}
    for seed in tqdm(seeds, desc="seeds", leave=False):
        largest = load_subset(dataset, max(ks), seed, "cod_originals")
        if smoke:
            largest = largest.head(cfg.smoke_originals)
        started = time.perf_counter()
        records, extra = generate(largest, scorer, lm, dataset, cfg, label_names)
        seconds = time.perf_counter() - started
        timings[seed] = {
            "originals": len(largest),
            "seconds": seconds,
            "seconds_per_cfe": seconds / max(1, len(largest)),
        }
        made.append((seed, records, extra, prefixes(dataset, ks, seed, records, cfg, smoke)))
    summaries = [
        write_cod_set(dataset, k, seed, originals, part, cfg, extra, label_names)
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
