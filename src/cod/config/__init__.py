"""The one loader and validator of params.yaml: typed sections, readable errors before any work."""

from __future__ import annotations

from cod.config.checks import check_cfe_labels, check_choice, check_k, check_seed, check_seeds
from cod.config.distill import (
    CeSettings,
    DistillConfig,
    KdSettings,
    LayerSettings,
    RationaleLayerSettings,
    RationaleSettings,
    TedSettings,
    Text2TextSettings,
    TuneConfig,
)
from cod.config.loading import StageScalars, load, load_params, read_yaml
from cod.config.params import Params, SectionName, cod_kind
from cod.config.sections import (
    ChatConfig,
    CounterfactualsConfig,
    DataConfig,
    EditorSettings,
    ExplanationsConfig,
    GridConfig,
    LLMConfig,
    LocalDataset,
    LocalLMConfig,
    ReportConfig,
    SubsetConfig,
    SyntheticConfig,
    TeacherConfig,
    data_modes,
)
from cod.errors import ConfigError

__all__ = [
    "data_modes",
    "ChatConfig",
    "ConfigError",
    "CounterfactualsConfig",
    "DataConfig",
    "DistillConfig",
    "EditorSettings",
    "ExplanationsConfig",
    "GridConfig",
    "LLMConfig",
    "LocalDataset",
    "LocalLMConfig",
    "Params",
    "ReportConfig",
    "SectionName",
    "StageScalars",
    "SubsetConfig",
    "SyntheticConfig",
    "CeSettings",
    "KdSettings",
    "LayerSettings",
    "RationaleLayerSettings",
    "RationaleSettings",
    "TedSettings",
    "Text2TextSettings",
    "TeacherConfig",
    "TuneConfig",
    "check_cfe_labels",
    "check_choice",
    "check_k",
    "check_seed",
    "check_seeds",
    "cod_kind",
    "load",
    "load_params",
    "read_yaml",
]
