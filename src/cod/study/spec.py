"""A study's definition: its folder, its settings (overrides of params.yaml, merged and validated) and protocol."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cod import config, paths
from cod.errors import ConfigError

SETTINGS = "params.yaml"
PROTOCOL = "protocol.md"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# The sections every protocol states before its first result (level-2 Markdown headings, in any order).
REQUIRED_SECTIONS = ("Question", "Arms", "Contrasts", "Pairing", "Sample size", "Verdict rule", "Exclusions")


@dataclass(frozen=True)
class Study:
    """A study by name; its files live in ``studies/<name>/``."""

    name: str

    @property
    def folder(self) -> Path:
        """studies/<name>/."""
        return paths.study_dir(self.name)

    @property
    def settings_file(self) -> Path:
        """studies/<name>/params.yaml: the keys of params.yaml this study sets otherwise."""
        return self.folder / SETTINGS

    @property
    def protocol_file(self) -> Path:
        """studies/<name>/protocol.md: question, arms, contrasts, pairing, n and its rule, verdict rule, exclusions."""
        return self.folder / PROTOCOL

    @property
    def workspace(self) -> Path:
        """The study's runnable copy of the pipeline."""
        return paths.study_workspace(self.name)

    @property
    def reports(self) -> Path:
        """reports/studies/<name>/."""
        return paths.study_reports_dir(self.name)


def names() -> list[str]:
    """Every study in studies/ (a folder with a params.yaml), sorted."""
    folder = paths.studies_dir()
    return sorted(p.parent.name for p in folder.glob(f"*/{SETTINGS}")) if folder.is_dir() else []


def find(name: str) -> Study:
    """The study ``name``, or one message listing the studies there are."""
    if not NAME.fullmatch(name) or not (paths.study_dir(name) / SETTINGS).is_file():
        raise ConfigError(
            f"no study {name!r} (studies/{name}/{SETTINGS}); known studies: {names()}. A study is a folder "
            f"studies/<name>/ with {SETTINGS} (overrides of params.yaml) and {PROTOCOL}"
        )
    return Study(name)


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top: mappings merge key by key, any other value (lists included) replaces."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def overrides(study: Study) -> dict[str, Any]:
    """The study's settings file as read (a mapping of params.yaml sections to the keys it changes)."""
    return config.read_yaml(study.settings_file)


def merged(study: Study, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The study's whole params mapping: the repository's params.yaml (or ``base``) with its overrides on top."""
    return merge(config.read_yaml(paths.params_file()) if base is None else base, overrides(study))


def params(study: Study, raw: dict[str, Any] | None = None) -> config.Params:
    """The study's merged params, validated; a bad key or value names the study's file."""
    raw = merged(study) if raw is None else raw
    try:
        return config.load_params(study.settings_file, raw=raw)
    except ConfigError as exc:
        where = f"studies/{study.name}/{SETTINGS} (over params.yaml)"
        raise ConfigError(f"study {study.name}: {where}: {str(exc).removeprefix(SETTINGS + ': ')}") from None


def sections(text: str) -> dict[str, str]:
    """A Markdown text's level-2 sections: heading → body (stripped)."""
    parts = re.split(r"^## +(.+?)\s*$", text, flags=re.M)
    return {heading.strip(): body.strip() for heading, body in zip(parts[1::2], parts[2::2], strict=True)}


def check_protocol(study: Study) -> str:
    """The protocol's text, or one message naming what is missing from it."""
    if not study.protocol_file.is_file():
        raise ConfigError(
            f"study {study.name}: studies/{study.name}/{PROTOCOL} is missing; write the protocol "
            f"({', '.join(REQUIRED_SECTIONS)}) and commit it before the first run"
        )
    text = study.protocol_file.read_text()
    missing = [s for s in REQUIRED_SECTIONS if not any(h.startswith(s) for h in sections(text))]
    if missing:
        raise ConfigError(
            f"study {study.name}: studies/{study.name}/{PROTOCOL} lacks the section(s) {missing} "
            f"(level-2 headings '## {missing[0]}', …); every protocol states {', '.join(REQUIRED_SECTIONS)}"
        )
    return text


def question(text: str) -> str:
    """The first paragraph of a protocol's Question section, on one line ('' if it has none)."""
    body = next((b for h, b in sections(text).items() if h.startswith("Question")), "")
    return " ".join(body.split("\n\n")[0].split())
