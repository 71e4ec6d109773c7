"""The schema of params.yaml's data and report sections: one strict, frozen pydantic model per section.

The student sections (distill, tune) are in cod.config.distill; the whole file and the helpers reading several
sections in cod.config.params; the rules between sections in cod.config.cross.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cod import kind_registry, method_registry
from cod.config.checks import check_choice, check_k, check_seeds, unique
from cod.data import registry

# The kinds of counterfactual (cod.kind_registry): clean = k real examples; cod = the CoD set of counterfactuals.backend
# (editor: of editor.kind); cod-<kind> = the CoD set of an editor kind or a control (the counterfactual-kinds ablation)


def data_modes() -> tuple[str, ...]:
    """Every value grid.data_modes may hold: clean, cod, and cod-<kind> of each editor kind and control."""
    return ("clean", "cod", *(f"cod-{kind}" for kind in kind_registry.ablation_kinds()))


class Strict(BaseModel):
    """A section: unknown keys refused, values frozen once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GridConfig(Strict):
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


class LocalDataset(Strict):
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


class DataConfig(Strict):
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


class SubsetConfig(Strict):
    """Section `subset`: how a k-example budget is split between real examples and CFEs."""

    cfe_fraction: float = Field(gt=0, lt=1)


class TeacherConfig(Strict):
    """Section `teacher`: fine-tuning the teacher on the full training split (early stopping on validation)."""

    model: str = Field(min_length=1)
    max_length: int = Field(ge=8)
    batch_size: int = Field(ge=1)
    eval_batch_size: int = Field(ge=1)
    lr: float = Field(gt=0)
    epochs: int = Field(ge=0)  # 0 = use `model` as it is (an already fine-tuned classifier): evaluated, not trained
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


class EditorSettings(Strict):
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


class ChatConfig(Strict):
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


class CounterfactualsConfig(Strict):
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


class ExplanationsConfig(Strict):
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


class ReportConfig(Strict):
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


class SyntheticConfig(Strict):
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
