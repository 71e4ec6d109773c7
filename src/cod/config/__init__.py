"""The one loader and validator of params.yaml: typed sections, readable errors before any work."""

from __future__ import annotations

from cod.config.checks import check_cfe_labels, check_choice, check_k, check_seed, check_seeds
from cod.config.loading import StageScalars, load, load_params, read_yaml
from cod.config.sections import (
    DATA_MODES,
    ChatConfig,
    CounterfactualsConfig,
    DataConfig,
    DistillConfig,
    EditorSettings,
    GridConfig,
    KdSettings,
    LayerSettings,
    LLMConfig,
    LocalDataset,
    LocalLMConfig,
    Params,
    ReportConfig,
    SectionName,
    SubsetConfig,
    SyntheticConfig,
    TeacherConfig,
    TedSettings,
    TuneConfig,
)
from cod.errors import ConfigError

__all__ = [
    "DATA_MODES",
    "ChatConfig",
    "ConfigError",
    "CounterfactualsConfig",
    "DataConfig",
    "DistillConfig",
    "EditorSettings",
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
    "KdSettings",
    "LayerSettings",
    "TedSettings",
    "TeacherConfig",
    "TuneConfig",
    "check_cfe_labels",
    "check_choice",
    "check_k",
    "check_seed",
    "check_seeds",
    "load",
    "load_params",
    "read_yaml",
]
