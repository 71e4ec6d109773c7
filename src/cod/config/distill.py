"""The schema of params.yaml's student sections: `distill` (shared keys, one section per method) and `tune`."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from cod import method_registry
from cod.config.checks import check_k, check_seeds, unique
from cod.config.sections import GridConfig, Strict


class CeSettings(Strict):
    """Section `distill.ce`: empty, as the label-only student reads only the shared keys (and no KL ones)."""


class KdSettings(Strict):
    """Section `distill.kd`: empty, as KD reads only the shared keys (kl_alpha, temperature, ...)."""


class RationaleSettings(Strict):
    """Sections `distill.rkd` and `distill.rce`: the teacher's rationales (top-k words by attribution) and the weight
    of learning them."""

    rationale_lambda: float = Field(default=1.0, ge=0)
    attribution: Literal["grad_norm", "grad_input", "integrated_gradients", "random"] = "grad_norm"
    top_k: int = Field(default=5, ge=1)
    target: Literal["teacher", "gold"] = "teacher"  # the class attributed: the teacher's prediction or the label
    ig_steps: int = Field(default=20, ge=2)  # integrated_gradients: interpolation steps
    # extra runs beside every grid cell of this method: name -> the keys above it changes (a top_k sweep, the
    # random control); each is paired with the baseline method by seed in the report
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _variants_valid(self) -> RationaleSettings:
        for name in self.variants:
            self.variant(name)
        return self

    def variant(self, name: str) -> RationaleSettings:
        """These settings with variant ``name``'s changes (and no variants of their own), validated."""
        if not re.fullmatch(r"[A-Za-z0-9_.=-]+", name):
            raise ValueError(f"variants: name {name!r} must be letters, digits and _ . = - (it names a folder)")
        changes = self.variants[name]
        keys = set(type(self).model_fields) - {"variants"}
        unknown = sorted(set(changes) - keys)
        if unknown:
            raise ValueError(f"variants.{name}: unknown keys {unknown}; a variant may change {sorted(keys)}")
        if not changes:
            raise ValueError(f"variants.{name}: changes nothing; give the keys it changes, e.g. {{top_k: 1}}")
        try:
            return type(self).model_validate({**self.model_dump(exclude={"variants"}), **changes})
        except ValidationError as err:
            first = err.errors()[0]
            raise ValueError(f"variants.{name}.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


class Text2TextSettings(Strict):
    """Section `distill.text2text`: a seq2seq (T5-style) student trained on label words plus an auxiliary task.

    Not part of the grid (no DVC stage reads it): `cod text2text` runs it. R1's rationales come from the teacher
    with the settings of ``distill.rkd`` (attribution, top_k, target, ig_steps); R2's explanations and wrong-answer
    rationales from the teacher LLM of section ``explanations`` (critique and revision on or off there).
    """

    model: str = Field(default="google/flan-t5-small", min_length=1)  # a hub id (needs hub access) or a folder
    scheme: Literal["r1", "r2"] = "r1"  # r1: [label] + [rationale] (top-k words); r2: [predict] + [explain]
    # R2's objectives: mt = alpha-weighted [predict] + [explain]; cf = [factual] + [counterfactual] (the teacher
    # LLM's rationales of the wrong answers); mt+cf = gamma * mt + (1 - gamma) * cf
    objective: Literal["mt", "cf", "mt+cf"] = "mt"
    alpha: float = Field(default=0.5, gt=0, le=1)  # weight of the label task; 1 = label only (R1's contrast)
    gamma: float = Field(default=0.5, ge=0, le=1)  # objective mt+cf: the weight of mt (R2: 0.5); others ignore it
    lr: float = Field(default=3e-4, gt=0)
    epochs: int = Field(default=10, ge=1)
    batch_size: int = Field(default=8, ge=1)
    max_source_length: int = Field(default=256, ge=8)
    max_target_length: int = Field(default=128, ge=2)
    explained_rows: int = Field(default=200, ge=1)  # test rows whose generated explanations are scored and written

    @model_validator(mode="after")
    def _objective_needs_r2(self) -> Text2TextSettings:
        if self.objective != "mt" and self.scheme != "r2":
            raise ValueError(
                f"objective: {self.objective} needs scheme: r2 (it trains on the teacher LLM's explanations and "
                "wrong-answer rationales); set scheme: r2, or objective: mt"
            )
        if self.objective == "mt+cf" and self.gamma in (0, 1):
            raise ValueError(
                f"gamma: {self.gamma:g} with objective mt+cf trains {'mt' if self.gamma else 'cf'} alone; set "
                f"objective: {'mt' if self.gamma else 'cf'}, or a gamma strictly between 0 and 1"
            )
        return self


class LayerSettings(Strict):
    """Section `distill.lwd`: the layer term of layer-wise distillation (matched layers, projections, MSE)."""

    mse_alpha: float = Field(ge=0)
    student_interval: int = Field(ge=1)
    teacher_interval: int = Field(ge=1)
    mse_mask_padding: bool


class RationaleLayerSettings(LayerSettings, RationaleSettings):
    """Section `distill.rlwd`: LWD's layer term plus the rationale term of `distill.rkd` (its keys, its variants)."""

    mse_alpha: float = Field(default=20.0, ge=0)
    student_interval: int = Field(default=1, ge=1)
    teacher_interval: int = Field(default=2, ge=1)
    mse_mask_padding: bool = False


class TedSettings(LayerSettings):
    """Section `distill.ted`: TED's layer term, and stage 1 (task-aware filters learnt on the frozen backbones)."""

    filter_epochs: int = Field(ge=1)
    filter_lr: float = Field(gt=0)
    nonlinear: bool = False
    output_dim: int | None = Field(default=None, ge=1)


class DistillConfig(Strict):
    """Section `distill`: the student, the objective and its optimisation (shared), then one section per method."""

    student: str = Field(min_length=1)
    student_layers: list[int] | None = None
    max_length: int = Field(ge=8)
    batch_size: int = Field(ge=2)
    eval_batch_size: int = Field(ge=1)
    eval_precision: Literal["fp32", "bf16"]  # validation/test passes: bf16 autocast is ~2.7x faster on AMX CPUs / GPUs
    train_precision: Literal["fp32", "bf16"]  # the student's forward in training: bf16 autocast (fp32 weights, AdamW)
    lr: float | Literal["tuned"]  # a number, or `tuned`: the tune stage's choice (results/tune/<dataset>)
    epochs: int = Field(ge=1)
    min_steps: int = Field(ge=0)
    evaluations: int = Field(ge=1)
    weight_decay: float = Field(default=0.0, ge=0)
    warmup_ratio: float = Field(default=0.0, ge=0, lt=1)
    kl_alpha: float = Field(ge=0)
    temperature: float = Field(gt=0)
    cfe_label: Literal["teacher", "flip"]
    soft_labels: Literal["teacher", "random"] = "teacher"
    sym_lambda: float = Field(ge=0)
    smoke_epochs: int = Field(ge=1)
    save_student: bool = False  # true = each run also keeps its best-validation student as a Hugging Face folder
    # one section per method of cod.method_registry.METHODS, named after it: the keys only that method reads
    ce: CeSettings = Field(default_factory=CeSettings)
    kd: KdSettings = Field(default_factory=KdSettings)
    lwd: LayerSettings
    ted: TedSettings
    rkd: RationaleSettings = Field(default_factory=RationaleSettings)
    rce: RationaleSettings = Field(default_factory=RationaleSettings)
    rlwd: RationaleLayerSettings = Field(default_factory=RationaleLayerSettings)
    # not a method of the grid: the seq2seq student (cod.text2text), run outside the pipeline
    text2text: Text2TextSettings = Field(default_factory=Text2TextSettings)

    # sections no pipeline stage reads (run by their own entry points)
    OUTSIDE_GRID: ClassVar[frozenset[str]] = frozenset({"text2text"})
    # keys that choose what a run keeps besides its record, not how it trains: not in the run's recorded params (its
    # folder's bytes do not depend on them) and not read by the tune stage, which keeps no runs
    KEEPING: ClassVar[frozenset[str]] = frozenset({"save_student"})

    def for_method(self, method: str) -> dict[str, Any]:
        """The settings a ``method`` run trains with: the shared keys and its own section (not others', not text2text,
        not what the run keeps)."""
        others = {name for name in method_registry.METHODS if name != method} | self.OUTSIDE_GRID | self.KEEPING
        return self.model_dump(exclude=others)

    @field_validator("lr")
    @classmethod
    def _lr(cls, v: float | str) -> float | str:
        if not isinstance(v, str) and v <= 0:
            raise ValueError(f"{v} must be a positive learning rate or `tuned`")
        return v

    @field_validator("student_layers")
    @classmethod
    def _layers(cls, v: list[int] | None) -> list[int] | None:
        if v is not None and (not v or sorted(set(v)) != v or v[0] < 0):
            raise ValueError(f"{v} must be increasing, distinct, non-negative layer indices (or null for all)")
        return v


# How many of the grid's first seeds the lr-sensitivity runs retrain when tune.sensitivity_seeds is null (a grid
# with fewer seeds: all of them). The runs take grid.seeds[:n], so a smaller grid's n selects the same seeds as 6.
SENSITIVITY_SEEDS = 6


class TuneConfig(Strict):
    """Section `tune`: the declared rule that fixes the student's lr before any result is seen.

    For every lr of ``lrs`` a clean KD student is trained on each of ``seeds`` (draws disjoint from the
    grid's seeds) at each k of ``k`` (null = grid.k); the lr with the highest mean *validation* accuracy
    wins (ties: the smaller lr). CoD runs and test accuracy are never computed or read by the rule.
    ``sensitivity_seeds`` of the grid's seeds are also trained with KD, clean and CoD, at the other lrs and
    each k of ``sensitivity_k``, so the report shows how the CoD gain moves with the lr. Both follow the grid
    when null (``following``): the first SENSITIVITY_SEEDS seeds (fewer in a smaller grid), the smallest k.
    """

    lrs: list[float] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)
    k: list[int] | None = None
    sensitivity_seeds: int | None = Field(default=None, ge=0)  # null = min(SENSITIVITY_SEEDS, len(grid.seeds))
    sensitivity_k: list[int] | None = None  # null = [min(grid.k)]

    @field_validator("lrs")
    @classmethod
    def _lrs(cls, v: list[float]) -> list[float]:
        if any(lr <= 0 for lr in v):
            raise ValueError(f"{v}: every learning rate must be positive")
        return sorted(unique(v, "learning rates"))

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        return check_seeds(v)

    @field_validator("k", "sensitivity_k")
    @classmethod
    def _k(cls, v: list[int] | None) -> list[int] | None:
        for k in v or []:
            check_k(k)
        return v

    def following(self, grid: GridConfig) -> TuneConfig:
        """This section with its null sensitivity keys taken from ``grid`` (explicit values kept as they are)."""
        derived: dict[str, Any] = {}
        if self.sensitivity_seeds is None:
            derived["sensitivity_seeds"] = min(SENSITIVITY_SEEDS, len(grid.seeds))
        if self.sensitivity_k is None:
            derived["sensitivity_k"] = [min(grid.k)]
        return self.model_copy(update=derived)
