"""The schema of params.yaml: one strict, frozen pydantic model per section, and the cross-section rules."""

from __future__ import annotations

import itertools
import re
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cod import kind_registry, method_registry
from cod.config.checks import check_choice, check_k, check_seeds, unique
from cod.data import registry

# The kinds of counterfactual (cod.kind_registry): clean = k real examples; cod = the CoD set of counterfactuals.backend
# (editor: of editor.kind); cod-<kind> = the CoD set of an editor kind or a control (the counterfactual-kinds ablation)


def data_modes() -> tuple[str, ...]:
    """Every value grid.data_modes may hold: clean, cod, and cod-<kind> of each editor kind and control."""
    return ("clean", "cod", *(f"cod-{kind}" for kind in kind_registry.ablation_kinds()))


class _Strict(BaseModel):
    """A section: unknown keys refused, values frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GridConfig(_Strict):
    """The axes that the matrix stages of dvc.yaml iterate over."""

    datasets: list[str] = Field(min_length=1)
    k: list[int] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)
    methods: list[str] = Field(min_length=1)
    data_modes: list[str] = Field(min_length=1)

    @field_validator("k")
    @classmethod
    def _k(cls, v: list[int]) -> list[int]:
        for k in v:
            check_k(k)
        return unique(v, "k values")

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int]) -> list[int]:
        return check_seeds(v)

    @field_validator("methods")
    @classmethod
    def _methods(cls, v: list[str]) -> list[str]:
        for m in v:
            check_choice(m, method_registry.method_names(), "method")
        return unique(v, "methods")

    @field_validator("data_modes")
    @classmethod
    def _modes(cls, v: list[str]) -> list[str]:
        for m in v:
            check_choice(m, data_modes(), "data mode")
        return unique(v, "data modes")

    @field_validator("datasets")
    @classmethod
    def _datasets(cls, v: list[str]) -> list[str]:
        return unique(v, "datasets")


class LocalDataset(_Strict):
    """A user's own labelled file(s): CSV, JSONL or parquet with configurable columns."""

    files: dict[Literal["train", "validation", "test"], str]
    text_column: str = "text"
    text_pair_column: str | None = None
    label_column: str = "label"
    label_names: list[str] | None = None
    format: Literal["csv", "jsonl", "parquet"] | None = None

    @field_validator("files")
    @classmethod
    def _train_required(cls, v: dict[str, str]) -> dict[str, str]:
        if "train" not in v:
            raise ValueError(
                "a local dataset needs at least files.train; validation and test are carved from it when missing"
            )
        return v


class DataConfig(_Strict):
    """Section `data` (prepare stage): splitting, filters and user-supplied datasets."""

    split_seed: int = Field(ge=0)
    validation_fraction: float = Field(gt=0, lt=0.5)
    test_fraction: float = Field(gt=0, lt=0.5)
    smoke_rows_per_class: int = Field(ge=2)
    max_eval_rows: int | None = Field(default=None, ge=20)
    yelp_mapping: Literal["paper_code", "paper_text"] = "paper_code"
    local: dict[str, LocalDataset] = Field(default_factory=dict)

    @field_validator("local")
    @classmethod
    def _no_shadowing(cls, v: dict[str, LocalDataset]) -> dict[str, LocalDataset]:
        clash = sorted(set(v) & set(registry.BUILTIN))
        if clash:
            raise ValueError(f"local dataset names {clash} clash with built-in datasets; rename them")
        return v

    @model_validator(mode="after")
    def _fractions(self) -> DataConfig:
        if self.validation_fraction + self.test_fraction >= 0.8:
            raise ValueError("validation_fraction + test_fraction must stay below 0.8 so that a training split remains")
        return self


class SubsetConfig(_Strict):
    """Section `subset`: how a k-example budget is split between real examples and CFEs."""

    cfe_fraction: float = Field(gt=0, lt=1)


class TeacherConfig(_Strict):
    """Section `teacher`: fine-tuning the teacher on the full training split (early stopping on validation)."""

    model: str = Field(min_length=1)
    max_length: int = Field(ge=8)
    batch_size: int = Field(ge=1)
    eval_batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    epochs: int = Field(ge=1)
    patience: int = Field(ge=0)
    max_train_examples: int | None = Field(default=None, ge=2)
    weight_decay: float = Field(default=0.0, ge=0)
    warmup_ratio: float = Field(default=0.0, ge=0, lt=1)
    seed: int = Field(ge=0)
    smoke_train_examples: int = Field(ge=2)
    # at least this many updates: epochs are added to reach it, and early stopping waits for it
    min_steps: int = Field(default=150, ge=0)
    # the loss's class weights: balanced (n / (C·n_c)), none, or auto = balanced when the training rows' largest
    # class has more than imbalance_ratio times the rows of the smallest; weighted, the best epoch is the one
    # with the highest validation balanced accuracy
    class_weights: Literal["auto", "none", "balanced"] = "auto"
    imbalance_ratio: float = Field(default=1.5, ge=1)  # also: student tables show balanced accuracy beyond it
    # the teacher must beat chance on validation: balanced accuracy >= 1/C + chance_margin and MCC >= min_mcc
    # (chance: 0), else the stage stops
    chance_margin: float = Field(default=0.05, ge=0, lt=0.5)
    min_mcc: float = Field(default=0.2, ge=-1, le=1)
    allow_degenerate: bool = False  # true = keep a teacher no better than chance (the stage warns and goes on)


class CeSettings(_Strict):
    """Section `distill.ce`: empty, as the label-only student reads only the shared keys (and no KL ones)."""


class KdSettings(_Strict):
    """Section `distill.kd`: empty, as KD reads only the shared keys (kl_alpha, temperature, ...)."""


class RationaleSettings(_Strict):
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


class Text2TextSettings(_Strict):
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


class LayerSettings(_Strict):
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


class DistillConfig(_Strict):
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

    def for_method(self, method: str) -> dict[str, Any]:
        """The settings a ``method`` run reads: the shared keys and its own section (not others', not text2text)."""
        others = {name for name in method_registry.METHODS if name != method} | self.OUTSIDE_GRID
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


class TuneConfig(_Strict):
    """Section `tune`: the declared rule that fixes the student's lr before any result is seen.

    For every lr of ``lrs`` a clean KD student is trained on each of ``seeds`` (draws disjoint from the
    grid's seeds) at each k of ``k`` (null = grid.k); the lr with the highest mean *validation* accuracy
    wins (ties: the smaller lr). CoD runs and test accuracy are never computed or read by the rule.
    ``sensitivity_seeds`` of the grid's seeds are also trained with KD, clean and CoD, at the other lrs,
    so the report shows how the CoD gain moves with the lr.
    """

    lrs: list[float] = Field(min_length=1)
    seeds: list[int] = Field(min_length=1)
    k: list[int] | None = None
    sensitivity_seeds: int = Field(ge=0)
    sensitivity_k: list[int] = Field(default_factory=list)

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


class EditorSettings(_Strict):
    """Section `counterfactuals.editor`: the offline editor's kind and search (shared by its three kinds)."""

    kind: str  # a kind of kind_registry.KINDS with role editor
    max_edits: int = Field(ge=1)
    max_edit_share: float = Field(ge=0, le=1)
    beam_width: int = Field(ge=1)
    top_words: int = Field(ge=1)
    hotflip_candidates: int = Field(ge=0)
    edit_penalty: float = Field(ge=0)
    fluency_weight: float = Field(ge=0)
    fluency_candidates: int = Field(ge=1)
    # a text of which the teacher reads at least this many words (a long review) is edited by adding each stage's
    # best edits in order until the teacher accepts, then pruning; shorter texts get the beam search
    long_text_words: int = Field(default=80, ge=1)

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return check_choice(v, kind_registry.kind_names("editor"), "counterfactuals.editor.kind")


class ChatConfig(_Strict):
    """The keys both chat backends read: model, sampling, prompting, feedback, fallback and response cache."""

    model: str = Field(min_length=1)
    temperature: float = Field(ge=0)
    max_tokens: int = Field(ge=16)
    mode: Literal["live", "replay"]
    prompt_variant: Literal["v1", "v2", "v3", "v4"]
    label_source: Literal["teacher", "gold"]
    feedback_rounds: int = Field(ge=0)
    critique_revision: bool
    fallback: Literal["editor", "none"]
    cache_dir: str = Field(min_length=1)


class LLMConfig(ChatConfig):
    """Section `counterfactuals.llm`: an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""

    base_url: str | None = None
    api_key_env: str = Field(min_length=1)
    timeout: float = Field(gt=0)
    max_retries: int = Field(ge=0)
    concurrency: int = Field(ge=1)
    price_input_per_1k: float = Field(ge=0)
    price_output_per_1k: float = Field(ge=0)


class LocalLMConfig(ChatConfig):
    """Section `counterfactuals.local`: a Hugging Face causal LM run locally with the LLM prompts."""

    gguf_file: str | None = None


class CounterfactualsConfig(_Strict):
    """Section `counterfactuals`: how CFEs for the CoD originals are generated and checked."""

    backend: str  # the offline editor or a chat kind (kind_registry.backends)
    keep: Literal["valid", "all"]
    min_confidence: float = Field(ge=0, le=1)
    # keep: valid: an original whose CFE the teacher rejects gives its place to the next row of its class from the
    # rest of the clean k-shot set (labelled rows the budget already has), so the set trains on its CFE budget
    fill_budget: bool = True
    max_length: int = Field(ge=8)
    fluency_lm: str = Field(min_length=1)
    smoke_originals: int = Field(ge=1)
    editor: EditorSettings
    llm: LLMConfig
    local: LocalLMConfig

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        return check_choice(v, kind_registry.backends(), "counterfactuals.backend")


class ExplanationsConfig(_Strict):
    """Section `explanations`: the teacher LLM's explanation, critique and revision of each few-shot row (R2).

    The model, endpoint, sampling, mode (live | replay) and response cache are those of the chat section
    ``counterfactuals.<backend>``; only what is particular to explanations is set here."""

    enabled: bool = False
    backend: str = "llm"  # a chat backend of kind_registry.CHAT_BACKENDS
    critique: bool = True
    use: Literal["revised", "first"] = "revised"
    max_tokens: int | None = Field(default=None, ge=16)  # None = the chat section's max_tokens

    @field_validator("backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        return check_choice(v, tuple(kind_registry.CHAT_BACKENDS), "explanations.backend")

    @model_validator(mode="after")
    def _revision_needs_critique(self) -> ExplanationsConfig:
        if self.use == "revised" and not self.critique:
            raise ValueError(
                "use: revised needs critique: true (a revision is asked only after a critique); set "
                "explanations.use: first, or explanations.critique: true"
            )
        return self


CONTRAST = re.compile(r"^\s*(\S+)\s+[-−]\s+(\S+)\s*$")


def parse_contrast(text: str) -> tuple[str, str]:
    """``"arm - base"`` (two data modes, a spaced minus between them) → (arm, base); a readable error otherwise."""
    m = CONTRAST.match(text)
    if not m:
        raise ValueError(f"{text!r} is not a contrast; write 'arm - base' with spaces, e.g. 'cod - clean'")
    arm, base = m.groups()
    for mode in (arm, base):
        check_choice(mode, data_modes(), "data mode")
    if arm == base:
        raise ValueError(f"{text!r} compares a data mode with itself")
    return arm, base


class ReportConfig(_Strict):
    """Section `report`: what the aggregate tables and figures show."""

    value: Literal["test", "val"]
    confidence: float = Field(gt=0, lt=1)
    examples: int = Field(ge=1, le=30)
    paper_tables: list[Literal["1", "2", "5", "6"]] = Field(min_length=1)
    # a gain cell whose CoD runs trained on fewer than this share of the asked-for CFEs (mean over seeds) is
    # excluded from the verdict (listed in results/aggregate/problems.csv, kind cfe_budget)
    min_cfe_share: float = Field(default=0.8, ge=0, le=1)
    # decisiveness target: the gain's confidence interval half-width, in accuracy points
    target_half_width: float = Field(default=3.0, gt=0)
    # the paired contrasts the verdict decides, "arm - base" between two data modes, by seed, per dataset × k × method;
    # a contrast whose modes are not both in grid.data_modes is listed as not run
    contrasts: list[str] = Field(default_factory=lambda: ["cod - clean"], min_length=1)

    @field_validator("contrasts")
    @classmethod
    def _contrasts(cls, v: list[str]) -> list[str]:
        return unique([" - ".join(parse_contrast(c)) for c in v], "contrasts")

    def contrast_pairs(self) -> list[tuple[str, str]]:
        """The declared contrasts as (arm, base) data modes, in their order."""
        return [parse_contrast(c) for c in self.contrasts]


class SyntheticConfig(_Strict):
    """Section `synthetic`: the two-moons experiment of the paper (spec §2)."""

    n_train: int = Field(ge=20)
    n_test: int = Field(ge=20)
    noise: float = Field(ge=0)
    k: int = Field(ge=4)
    teacher_hidden: list[int] = Field(min_length=1)
    student_hidden: list[int] = Field(min_length=1)
    teacher_epochs: int = Field(ge=1)
    student_epochs: int = Field(ge=1)
    lr: float = Field(gt=0)
    kl_alpha: float = Field(ge=0)
    temperature: float = Field(gt=0)
    cfe_step: float = Field(gt=0)
    cfe_max_steps: int = Field(ge=1)
    seeds: int = Field(ge=2)

    @field_validator("k")
    @classmethod
    def _k(cls, v: int) -> int:
        if v % 4:
            raise ValueError(f"{v} must be a multiple of 4 (k/2 real points per class for KD, k/4 for CoD)")
        return v


class Params(_Strict):
    """The whole params.yaml, each section validated (the rules between sections: cod.config.cross)."""

    grid: GridConfig
    data: DataConfig
    subset: SubsetConfig
    teacher: TeacherConfig
    counterfactuals: CounterfactualsConfig
    distill: DistillConfig
    tune: TuneConfig
    report: ReportConfig
    synthetic: SyntheticConfig
    explanations: ExplanationsConfig = Field(default_factory=ExplanationsConfig)

    def cod_kind(self, mode: str) -> str:
        """The kind of counterfactual a CoD data mode trains on: ``cod-<kind>``, or for ``cod`` the backend's."""
        return cod_kind(mode, self.counterfactuals)

    def variant_cells(self, method: str) -> list[tuple[str, int, str]]:
        """(variant, k, mode) of the runs ``method``'s variants (distill.<method>.variants) add beside its cells."""
        names = list(getattr(getattr(self.distill, method, None), "variants", None) or {})
        return list(itertools.product(names, self.grid.k, self.grid.data_modes))


def cod_kind(mode: str, cfg: CounterfactualsConfig) -> str:
    """The kind of counterfactual of CoD data mode ``mode`` (``cod``: the editor's kind, or the LLM backend's name)."""
    if mode.startswith("cod-"):
        return mode[len("cod-") :]
    if mode != "cod":
        raise ValueError(f"data mode {mode!r} has no counterfactuals")
    return kind_registry.cod_arm(cfg.backend, cfg.editor.kind)


def check_cfe_kinds(modes: list[str], cfg: CounterfactualsConfig, cfe_label: str) -> None:
    """Refuse an ablation mode that repeats the ``cod`` arm, and a kind labelled by the teacher alone (the random
    control: ``KindEntry.teacher_labels``) with 1 − y labels. The copy and lexicon controls take any
    distill.cfe_label: their CFE rows' labels are fixed (gold, 1 − y) in the file and the distiller keeps them
    (``fixed_label``)."""
    cod_modes = [m for m in modes if m.startswith("cod")]
    kinds = [cod_kind(m, cfg) for m in cod_modes]
    for mode, kind in zip(cod_modes, kinds, strict=True):
        if mode != "cod" and "cod" in modes and kind == cod_kind("cod", cfg):
            raise ValueError(
                f"grid.data_modes: {mode} repeats the cod arm (counterfactuals.editor.kind: {kind}); drop {mode} "
                "or set counterfactuals.editor.kind to another kind"
            )
    for kind in dict.fromkeys(kinds):
        entry = kind_registry.KINDS.get(kind)
        if entry is not None and entry.teacher_labels and cfe_label != "teacher":
            raise ValueError(
                f"grid.data_modes / counterfactuals.editor.kind: the {kind} control keeps every edited text labelled "
                "with the teacher's prediction; set distill.cfe_label: teacher"
            )


# The sections a stage can load by name (config.load), one per field of Params.
SectionName = Literal[
    "grid", "data", "subset", "teacher", "counterfactuals", "distill", "tune", "report", "synthetic", "explanations"
]
# What load(section) returns: the model of one of the sections above.
Section = (
    GridConfig
    | DataConfig
    | SubsetConfig
    | TeacherConfig
    | CounterfactualsConfig
    | DistillConfig
    | TuneConfig
    | ReportConfig
    | SyntheticConfig
    | ExplanationsConfig
)
