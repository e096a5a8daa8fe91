"""readq.headline: the learned model's headlines for the seed abstracts, whole phrases on held-out
corpus papers, the model file, and hostile input."""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readq import headline_model as hm
from readq.headline import analyse, derive_headline, model_version
from readq.headline_rules import clean

SEEDS = Path(__file__).parent / "data" / "seeds"
CORPUS = Path(os.environ.get("READQ_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"
                             / "arxiv_abstracts.jsonl.gz"))

# Words a whole phrase never ends on: function words and verbs that need an object.
DANGLING = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as that which whose who where
    when while its their our his her is are was were be being been can could will would may might shall
    should must has have had do does did using than then such both either this these those each per over
    under between among through whether if so vs versus we it they""".split()
)


def plain_abstracts() -> list[str]:
    """Seed 000: one abstract per line."""
    text = (SEEDS / "000_8c560ef06214dede.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def listing_abstracts() -> list[str]:
    """Seed 004: arXiv listing blocks; each block's first paragraph is its abstract."""
    text = (SEEDS / "004_2f5e7a374057ada3.txt").read_text(encoding="utf-8")
    abstracts, expecting_abstract = [], True
    for paragraph in text.split("\n\n"):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        if expecting_abstract:
            abstracts.append(paragraph)
            expecting_abstract = False
        if paragraph.startswith("arXiv:"):
            expecting_abstract = True
    return abstracts


def whole_phrase_problems(headline: str, max_length: int = 80) -> list[str]:
    problems = []
    if not 0 < len(headline) <= max_length:
        problems.append(f"length {len(headline)}")
    if "…" in headline or "..." in headline:
        problems.append("ellipsis")
    if headline != headline.strip() or "  " in headline:
        problems.append("spaces")
    last = headline.rsplit(" ", 1)[-1].strip(".,;:!?\"'").lower()
    if last in DANGLING or headline[-1] in ",;:-–—(/&+":
        problems.append(f"dangling {last!r}")
    for opening, closing in ("()", "[]", "{}"):
        depth = 0
        for char in headline:
            depth += (char == opening) - (char == closing)
            if depth < 0:
                break
        if depth:
            problems.append(f"unbalanced {opening}{closing}")
    if headline.count("$") % 2:
        problems.append("unbalanced $")
    return problems


# Checked by eye: each is a whole phrase that says what its paper is about.
PINNED_PLAIN: list[str] = [
    'Generative Adversarial Networks: GAN-based SE models',
    'Disentangled semantic control: Discovery performance',
    'Deep Generative Models: Training-time attacks',
    'CCL: Contrastive Complementary Labeling',
    'Deep learning models: Spatial information by using two specific face alignment',
    'CSCA: Channel Attention',
    'Score-based generative models: Wasserstein distance',
    'Stable Artist: Image editing approach enabling fine-grained control',
    'MSRL: Audio-visual speech recognition',
    'DQN: Maximization bias',
    'Multi-label classification: Meta-learning method',
]
PINNED_LISTING: list[str] = [
    'Adversarial learning: Self-supervised meta-learning',
    'ADLM: Language detoxification using an attribute-discriminative latent space',
    'RC-MAE: Reconstruction-Consistent Masked Auto-Encoder',
    'Pre-training a large transformer model: Self-distillation',
    'Soft-SubNetworks (SoftNet): Few-shot class incremental learning',
    'MBC property in neural set encoding functions',
    'UAGDet: Uncertainty-aware object detection framework with a structured-graph',
    'StyleTalker: Audio-driven talking head generation model',
    'Solving dataset condensation problem in an efficient manner',
    'QAT: Quantization-Aware Training',
]


def test_seed_files_hold_21_abstracts() -> None:
    assert len(plain_abstracts()) == 11
    assert len(listing_abstracts()) == 10


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [*zip(plain_abstracts(), PINNED_PLAIN), *zip(listing_abstracts(), PINNED_LISTING)],
    ids=[f"plain-{i}" for i in range(len(PINNED_PLAIN))] + [f"listing-{i}" for i in range(len(PINNED_LISTING))],
)
def test_seed_headlines_are_pinned(abstract: str, expected: str) -> None:
    assert derive_headline(abstract) == expected


def test_seed_headlines_lead_with_the_method_name() -> None:
    headlines = [derive_headline(abstract) for abstract in listing_abstracts()]
    for name in ("StyleTalker", "RC-MAE", "UAGDet", "ADLM"):
        assert any(h.startswith(name + ":") for h in headlines), (name, headlines)


def test_seed_headlines_are_whole_phrases() -> None:
    for abstract in plain_abstracts() + listing_abstracts():
        headline = derive_headline(abstract)
        assert not whole_phrase_problems(headline), (headline, whole_phrase_problems(headline))
        assert "\\emph" not in headline and "{" not in headline


def held_out_sample(size: int = 400) -> list[dict]:
    """The first held-out papers of the shared corpus (benchmarks/train_headline.py's split)."""
    papers = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        for line in handle:
            arxiv_id = line[line.index('"id": "') + 7 :].split('"', 1)[0]
            if int(hashlib.sha256(arxiv_id.encode()).hexdigest()[:8], 16) % 10 == 0:
                papers.append(json.loads(line))
                if len(papers) == size:
                    break
    return papers


@pytest.fixture(scope="module")
def held_out() -> list[dict]:
    if not CORPUS.is_file():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return held_out_sample()


def test_held_out_headlines_are_whole_phrases(held_out: list[dict]) -> None:
    bad = {p["id"]: (h, whole_phrase_problems(h)) for p in held_out
           if whole_phrase_problems(h := derive_headline(p["abstract"]))}
    assert not bad


def test_held_out_headlines_are_informative(held_out: list[dict]) -> None:
    lengths = sorted(len(derive_headline(p["abstract"])) for p in held_out)
    assert 45 <= lengths[len(lengths) // 2] <= 80
    assert sum(length < 15 for length in lengths) <= len(lengths) // 20, "few terse headlines"


@pytest.mark.parametrize("max_length", [20, 40, 60])
def test_shorter_limits_still_give_whole_phrases(held_out: list[dict], max_length: int) -> None:
    for paper in held_out[:100]:
        headline = derive_headline(paper["abstract"], max_length)
        assert not whole_phrase_problems(headline, max_length), (headline, max_length)


def test_headline_words_come_from_the_abstract(held_out: list[dict]) -> None:
    for paper in held_out[:100]:
        abstract = clean(paper["abstract"]).lower()
        for word in derive_headline(paper["abstract"]).replace(": ", " ").split(" "):
            assert word.lower() in abstract, (word, paper["id"])


def test_inline_scores_match_the_trained_features() -> None:
    """The run-time shortcut (cached word logits, inline context weights) computes exactly
    the logistic model over the features that benchmarks/train_headline.py fits."""
    model = hm.load_model()
    checked = 0
    for abstract in plain_abstracts() + listing_abstracts():
        text = clean(abstract)
        strong, weak, name, long_form = analyse(text, model)
        counts, long_keys = hm.abstract_counts(text), set(long_form.lower().split())
        sentences = [(kind, model.sentence(s)) for kind, s in hm.candidate_sentences(text, strong, weak)]
        spread = hm.spread_of([words for _, words in sentences])
        seen_fast: set[str] = set()
        seen_slow: set[str] = set()
        for kind, words in sentences:
            fast = model.sentence_scores(words, kind, counts, spread, name, long_keys, seen_fast)
            for index, word in enumerate(words):
                if not word[hm.SUBWORDS]:
                    assert fast[index] == 0.0
                    continue
                prior = model.priors.get(word[hm.KEY])
                features = hm.static_features(word[hm.TEXT], word[hm.SUBWORDS], prior, index == 0)
                features += hm.context_features(words, index, kind, counts, spread, name, long_keys, seen_slow)
                logit = model.bias + model.prior_weight * (model.unknown_prior if prior is None else prior)
                logit += sum(model.weights[f] for f in features)
                expected = len(word[hm.SUBWORDS]) / (1 + math.exp(-logit))
                assert fast[index] == pytest.approx(expected, abs=1e-9), word
                checked += 1
    assert checked > 200


def test_model_file_is_small_versioned_and_pure_python() -> None:
    assert hm.MODEL_PATH.stat().st_size <= 5_000_000
    data = json.loads(hm.MODEL_PATH.read_text(encoding="utf-8"))
    assert data["format"] == hm.MODEL_FORMAT and model_version() == data["version"]
    assert set(data["weights"]) == set(hm.feature_names())
    code = ("import sys, readq.headline as h; h.derive_headline('We propose X, a net for graphs.');"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'textual')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_model_of_another_format_is_refused() -> None:
    data = json.loads(hm.MODEL_PATH.read_text(encoding="utf-8"))
    with pytest.raises(ValueError, match="format"):
        hm.Model({**data, "format": hm.MODEL_FORMAT + 1})


def test_derivation_is_pure() -> None:
    abstracts = plain_abstracts() + listing_abstracts()
    first = [derive_headline(a) for a in abstracts]
    assert [derive_headline(a) for a in reversed(abstracts)] == first[::-1]


@pytest.mark.parametrize("max_length", [1, 2, 10, 30, 57, 80, 120])
def test_max_length_is_never_exceeded(max_length: int) -> None:
    for abstract in plain_abstracts() + listing_abstracts():
        headline = derive_headline(abstract, max_length)
        assert 0 < len(headline) <= max_length and "…" not in headline


def test_short_text_is_kept_whole() -> None:
    assert derive_headline("We propose TinyNet, a small network for edge devices.") == (
        "TinyNet: Small network for edge devices"
    )
    assert derive_headline("A short note on graphs.") == "A short note on graphs"


def test_latex_wrappers_are_stripped_and_math_is_kept() -> None:
    abstract = (r"We propose \emph{FastReg}, a solver for $\ell_1$-regularized regression with "
                r"\textbf{linear} cost \cite{smith2020}.")
    headline = derive_headline(abstract)
    assert headline.startswith("FastReg: ")
    assert "\\emph" not in headline and "\\cite" not in headline and "{" not in headline
    assert headline.count("$") % 2 == 0


@pytest.mark.parametrize("abstract", ["", " ", "\n\t \r\n", "\x00\x01\x02", "\x1b[31m\x1b]0;title\x07"])
def test_empty_or_unreadable_input_gives_an_empty_headline(abstract: str) -> None:
    assert derive_headline(abstract) == ""


@pytest.mark.parametrize(
    "abstract",
    [
        "!!!", "...", "???!!!...,,,;;;", "()[]{}$$$$", "$", "(", "\\", "\\emph{", "{{{{{{{{}}}",
        "[bold]Alert[/bold] We propose [red]X[/red], a markup test.",
        "We propose [link=https://evil.example]RichNet[/link], a net.",
        "We\x00 propose \x1b[2J\x1b[HCleanNet\x07, a network\x9b31m for ttys.",
        "İstanbul İİİ we propose İNet, a net for İ.",
        "we propose", "We propose X (Y (Z (W", "We propose " + "(" * 5000, "We propose a $" + "x" * 5000,
        "called " * 2000, "we propose " * 3000, "A. B. C. D. e.g. i.e. et al. Fig. 1. " * 200, "x" * 100,
        "\u200b\u2028\u2029\ufeff abstract with odd spaces\u00a0here", "🙂" * 500,
    ],
)
def test_hostile_input_never_crashes(abstract: str) -> None:
    headline = derive_headline(abstract)
    assert isinstance(headline, str) and len(headline) <= 80 and "…" not in headline
    assert headline.isprintable() or not headline.strip()
    if any(char.isalnum() for char in abstract):
        assert headline, "a readable abstract never gets an empty headline"


def test_control_characters_never_reach_the_headline() -> None:
    headline = derive_headline("We propose \x1b[31mRedNet\x1b[0m, a\x00 net\r\nfor\ttext.")
    assert headline.isprintable() and "RedNet" in headline


@pytest.mark.parametrize("abstract", [
    "We present [bold]BoldNet[/bold], a network for markup.",
    "We propose [red]graph[/red] networks for [link=https://x.example]molecule[/link] design.",
])
def test_markup_is_plain_text_to_the_model(abstract: str) -> None:
    headline = derive_headline(abstract)
    assert headline and all(word in abstract for word in headline.replace(": ", " ").split(" ")
                            if word[:1].islower()), headline
    assert not whole_phrase_problems(headline)


def test_a_megabyte_word_gives_its_start() -> None:
    assert derive_headline("a" * 1_000_000) == "a" * 80  # the only cut: one word longer than the limit


def test_a_megabyte_of_sentences_gives_a_whole_phrase() -> None:
    headline = derive_headline("We propose to study graphs (of many kinds) [1]. " * 25_000)
    assert not whole_phrase_problems(headline)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400) | st.lists(st.sampled_from(["0…", "x", "...", "…", " ", "a.", "(", "We"])).map("".join),
       st.integers(min_value=-3, max_value=200))
def test_any_text_gives_a_short_printable_headline(abstract: str, max_length: int) -> None:
    headline = derive_headline(abstract, max_length)
    assert len(headline) <= max(max_length, 0)
    assert headline == headline.strip()
    assert not headline or headline.isprintable()
    assert "…" not in headline


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(
    "We propose a novel graph network (GN) for the of and with [ ] $x$ { } model will: is that , . ; "
    "Transformer-based RC-MAE detection segmentation which can 3D".split(" ")), max_size=60))
def test_word_soup_gives_whole_phrases(words: list[str]) -> None:
    abstract = " ".join(words)
    headline = derive_headline(abstract)
    if headline and re.search(r"[A-Za-z]{2}", abstract):
        problems = [p for p in whole_phrase_problems(headline) if not p.startswith("length")]
        assert not problems or len(headline.split()) == 1, (abstract, headline, problems)


def test_zero_and_tiny_max_length() -> None:
    abstract = plain_abstracts()[0]
    assert derive_headline(abstract, 0) == ""
    assert derive_headline(abstract, -5) == ""
    assert len(derive_headline(abstract, 1)) == 1
