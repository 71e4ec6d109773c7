"""The paper profile: it validates offline and its dry run lists the paper's whole grid of stages."""

from __future__ import annotations

import collections
import subprocess

import pytest

from cod import config, profiles, workspace
from cod.errors import ConfigError
from tests.conftest import REPO

PAPER = REPO / "profiles" / "paper.yaml"


def test_paper_profile_validates_with_the_paper_grid():
    params = config.load_params(PAPER)
    g = params.grid
    assert g.datasets == ["sst2", "cola", "imdb", "sentiment140", "amazon", "yelp"]
    assert g.k == [8, 16, 32, 64, 128, 512] and g.seeds == [0, 1, 2, 3, 4]
    assert g.methods == ["kd", "lwd"] and g.data_modes == ["clean", "cod"]
    assert params.teacher.model == "microsoft/deberta-v3-base"
    assert params.distill.student == "microsoft/deberta-v3-small" and params.distill.lwd.teacher_interval == 2
    # run.sh, the released code's base -> small script (100 epochs is run_seed.sh, base -> xsmall)
    assert (params.distill.epochs, params.distill.evaluations) == (75, 75)
    assert (params.distill.lr, params.distill.kl_alpha) == (6e-5, 20.0)
    assert params.counterfactuals.backend == "llm"
    assert params.counterfactuals.llm.model == "gpt-4o-2024-11-20"


def test_cod_profile_copies_a_valid_profile_and_names_unknown_ones(repo):
    (repo / "profiles").mkdir()
    (repo / "profiles" / "paper.yaml").write_text(PAPER.read_text())
    message = profiles.use("paper")
    assert "720 runs" in message
    assert config.load_params().grid.k == [8, 16, 32, 64, 128, 512]
    with pytest.raises(ConfigError, match=r"no profile 'nope'.*\['paper'\]"):
        profiles.use("nope")


@pytest.mark.slow
def test_dry_run_of_the_paper_profile_lists_every_stage(tmp_path):
    root = workspace.copy_sources(tmp_path / "cod", REPO)
    workspace.git_init(root)
    env = workspace.tool_env()
    subprocess.run(["cod", "profile", "paper"], cwd=root, env=env, check=True, capture_output=True)
    proc = subprocess.run(["dvc", "repro", "--dry", "--force"], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    stages = [line.split("'")[1] for line in proc.stdout.splitlines() if line.startswith("Running stage")]
    kinds = collections.Counter(s.split("@")[0] for s in stages)
    assert kinds == {
        "prepare": 6,
        "lm": 1,
        "teacher": 6,
        "subset": 6,
        "counterfactuals": 6,
        "tune": 6,
        "distill": 60,  # one per dataset × method × seed, each training 6 k × 2 data modes = 720 runs
        "references": 6,  # one per dataset: chance, lexicon and the linear probe on every k-shot set
        "aggregate": 1,
        "figures": 1,
        "synthetic": 1,
    }
    assert "distill@yelp-kd-4" in stages and "tune@yelp" in stages


RATIONALES = REPO / "profiles" / "rationales.yaml"


def test_rationales_profile_validates_and_differs_from_the_default_only_in_its_grid():
    params, default = config.load_params(RATIONALES), config.load_params(REPO / "params.yaml")
    assert params.grid.datasets == ["rt_sentences", "snli"] and params.grid.methods == ["ce", "kd", "rkd", "rce"]
    assert params.grid.k == [12] and len(params.grid.seeds) == 24 and params.grid.data_modes == ["clean", "cod"]
    assert params.tune.sensitivity_k == [12]
    variants = params.distill.rkd.variants  # R1's top_k sweep (the base runs are top_k 5) and the random control
    assert [params.distill.rkd.variant(v).top_k for v in variants] == [1, 3, 10, 5] and params.distill.rkd.top_k == 5
    assert params.distill.rkd.variant("random").attribution == "random" and not default.distill.rkd.variants
    assert list(params.distill.rce.variants) == ["random"] and not default.distill.rce.variants  # R1's control
    assert params.distill.rce.variant("random").attribution == "random"
    differs = {"grid": True, "tune": {"sensitivity_k"}, "distill": {"rkd": {"variants"}, "rce": {"variants"}}}
    assert params.model_dump(exclude=differs) == default.model_dump(exclude=differs)


@pytest.mark.slow
def test_rationales_profile_runs_on_a_reduced_grid(tmp_path):
    """`cod profile rationales`, then the whole pipeline on its SNLI half (1 seed × k=6, tiny settings; single texts
    go through the same rkd code in tests/training/test_rkd.py): every rkd run writes the rationales it trained on,
    and the report has the rationale gain and the related papers."""
    import json

    import yaml

    from tests import tiny

    root = workspace.copy_sources(tmp_path / "cod", REPO)
    workspace.git_init(root)
    env = workspace.tool_env()
    subprocess.run(["cod", "profile", "rationales"], cwd=root, env=env, check=True, capture_output=True)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["grid"].update(datasets=["snli"], k=[6], seeds=[0, 1])  # the smallest k SNLI's 3 classes balance
    params["teacher"].update(epochs=1, max_train_examples=96, min_steps=0, allow_degenerate=True)
    params["data"]["max_eval_rows"] = 300  # quick evaluations: validation and test sampled to 300 rows
    params["distill"].update(epochs=2, min_steps=0, evaluations=2)
    params["distill"]["rkd"]["variants"] = {"random": {"attribution": "random"}}  # one variant of the four
    params["tune"].update(lrs=[2.0e-4], seeds=[1000], sensitivity_seeds=0, sensitivity_k=[6])
    params["counterfactuals"].update(fluency_lm=tiny.save_causal_lm(tmp_path / "tiny-lm"), min_confidence=0.0)
    params["counterfactuals"]["editor"].update(max_edits=2)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    proc = subprocess.run(["dvc", "repro", "figures"], cwd=root, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for mode in ("clean", "cod"):
        run = root / f"results/runs/snli/rkd/seed0/k6/{mode}"
        assert (run / "metrics.json").is_file()
        rows = [json.loads(line) for line in (run / "rationales.jsonl").read_text().splitlines()]
        originals = sum(not r["is_cfe"] for r in rows)
        assert originals == (6 if mode == "clean" else 3) and all(0 < len(r["rationale"]) <= 5 for r in rows)
    fields = {
        w["field"]
        for line in (root / "results/runs/snli/rkd/seed0/k6/clean/rationales.jsonl").open()
        for w in json.loads(line)["rationale"]
    }
    assert fields <= {"text", "text_pair"} and "text_pair" in fields  # the hypothesis is read too
    table = (root / "reports/tables/rationale_gains.md").read_text()
    assert "RKD − KD" in table and "| snli |" in table
    rows = [line.split(" | ") for line in table.splitlines() if line.startswith("| snli | RKD − KD |")]
    cells = {(r[2], r[3]): r for r in rows}  # (variant, data) -> cells; two seeds give every gain an interval
    assert set(cells) == {(v, m) for v in ("as configured", "random") for m in ("clean", "cod")}
    intervals_and_n = [(r[6].strip()[:1], r[7].strip(), r[8].strip()[-1:]) for r in rows]  # n, then the verdict
    assert all(cell == ("[", "2/2", "|") for cell in intervals_and_n), rows
    for mode in ("clean", "cod"):
        assert (root / f"results/runs/snli/rkd/seed0/variants/random/k6/{mode}/rationales.jsonl").is_file()
    comparison = (root / "reports/paper_comparison.md").read_text()
    assert "the related papers beside ours" in comparison and "RKD vs KD (cod data)" in comparison


@pytest.mark.parametrize("profile", sorted(p.stem for p in (REPO / "profiles").glob("*.yaml")))
def test_every_profile_sets_every_key_a_stage_tracks_by_name(profile):
    """DVC reads the keys dvc.yaml lists (e.g. counterfactuals.fill_budget) from params.yaml itself, defaults
    aside: a profile without one fails `dvc repro` with a missing parameter."""
    import yaml

    raw = yaml.safe_load((REPO / "profiles" / f"{profile}.yaml").read_text())
    stages = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]
    for name, stage in stages.items():
        for key in stage.get("params", []):
            if not isinstance(key, str) or "${" in key:
                continue
            node = raw
            for part in key.split("."):
                assert isinstance(node, dict) and part in node, (profile, name, key)
                node = node[part]
