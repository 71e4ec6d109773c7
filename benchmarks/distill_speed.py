"""Benchmark (on demand, not a test): our distillation loop vs. a naive one, same data and models.

Ours: fixed length-bucketed batches with dynamic padding and the teacher's outputs computed once.
Naive: random batches padded to max_length and a teacher forward at every step.
Both train the default LWD objective (student 3-layer MiniLM cut, teacher MiniLM-L6) for the same
number of epochs over the same rows. Each variant runs in its own process so that the peak resident
memory (ru_maxrss) belongs to it alone. Results go to reports/benchmarks/distill_speed.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time

import torch

from cod import config, paths
from cod.data.sources import load_corpus
from cod.models.load import load_classifier
from cod.training.batching import make_batches, model_inputs
from cod.training.distill import TEACHER_LOGITS, Distiller, cache_outputs, hidden_key
from cod.training.layers import layer_map, projections

ROWS, EPOCHS = 256, 3


def setup():
    params = config.load_params()
    cfg = params.distill
    frame = load_corpus("rt_sentences", params.data).splits["train"].head(ROWS).reset_index(drop=True)
    teacher, tok = load_classifier(params.teacher.model, 2)
    student, _ = load_classifier(cfg.student, 2, layers=cfg.student_layers)
    pairs = layer_map(
        student.config.num_hidden_layers,
        teacher.config.num_hidden_layers,
        cfg.student_interval,
        cfg.teacher_interval,
    )
    proj = projections(len(pairs), student.config.hidden_size, teacher.config.hidden_size)
    module = Distiller.from_config(student, [s for s, _ in pairs], proj, cfg)
    return cfg, frame, teacher.eval(), tok, module, [t for _, t in pairs]


def train(module, batches_per_epoch, optimizer, teacher=None, t_layers=()):
    for batches in batches_per_epoch:
        for batch in batches:
            if teacher is not None:
                with torch.no_grad():
                    out = teacher(**model_inputs(batch), output_hidden_states=True)
                batch = {
                    **batch,
                    TEACHER_LOGITS: out.logits,
                    **{hidden_key("teacher", j): out.hidden_states[t] for j, t in enumerate(t_layers)},
                }
            loss, _ = module(batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()


def run(variant: str) -> dict:
    torch.manual_seed(0)
    cfg, frame, teacher, tok, module, t_layers = setup()
    optimizer = torch.optim.AdamW([p for p in module.parameters() if p.requires_grad], lr=cfg.lr)
    labels = frame["label"].to_numpy()
    start = time.perf_counter()
    if variant == "ours":
        batches, _ = make_batches(tok, frame, max_length=cfg.max_length, batch_size=cfg.batch_size, labels=labels)
        cache_outputs(teacher, batches, t_layers, "teacher", torch.device("cpu"), TEACHER_LOGITS)
        order = [[batches[i] for i in torch.randperm(len(batches)).tolist()] for _ in range(EPOCHS)]
        train(module, order, optimizer)
    else:
        enc = tok(
            frame["text"].tolist(),
            truncation=True,
            max_length=cfg.max_length,
            padding="max_length",
            return_tensors="pt",
        )
        epochs = []
        for _ in range(EPOCHS):
            perm = torch.randperm(len(frame))
            epochs.append(
                [
                    {
                        **{k: v[perm[i : i + cfg.batch_size]] for k, v in enc.items()},
                        "labels": torch.as_tensor(labels)[perm[i : i + cfg.batch_size]],
                    }
                    for i in range(0, len(frame), cfg.batch_size)
                ]
            )
        train(module, epochs, optimizer, teacher, t_layers)
    seconds = time.perf_counter() - start
    return {
        "variant": variant,
        "seconds": seconds,
        "samples_per_s": ROWS * EPOCHS / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", choices=["ours", "naive"])
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run(args.variant)))
        return
    results = {}
    for variant in ("ours", "naive"):
        proc = subprocess.run(
            [sys.executable, __file__, "--variant", variant], capture_output=True, text=True, check=True
        )
        results[variant] = json.loads(proc.stdout.strip().splitlines()[-1])
    ratio = results["ours"]["samples_per_s"] / results["naive"]["samples_per_s"]
    cfg = config.load_params().distill
    rows = "\n".join(
        f"| {r['variant']} | {r['seconds']:.1f} | {r['samples_per_s']:.1f} | {r['peak_rss_mb']:.0f} |"
        for r in results.values()
    )
    report = f"""# Distillation loop benchmark

`python benchmarks/distill_speed.py`, {time.strftime("%Y-%m-%d")}, {platform.machine()} with
{torch.get_num_threads()} torch threads, torch {torch.__version__}. One run per variant.
LWD objective, teacher `{config.load_params().teacher.model}` (6 layers), student `{cfg.student}` cut to
layers {cfg.student_layers}, batch {cfg.batch_size}, max_length {cfg.max_length}; {ROWS} rt_sentences training
rows × {EPOCHS} epochs. Time includes building batches and (ours) the one-off teacher pass.

| variant | seconds | samples/s | peak RSS (MB) |
|---|---|---|---|
{rows}

**Speed-up: {ratio:.2f}×** (goal ≥ 2×). "naive" pads every batch to max_length, draws random batches
and runs the teacher at every step; "ours" buckets by length, pads dynamically and caches the
teacher's logits and matched hidden states once.
"""
    out = paths.reports_dir() / "benchmarks" / "distill_speed.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(report)
    print(report)


if __name__ == "__main__":
    main()
