"""Tests for readq.headline: derived headlines of the real seed abstracts, and hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from readq.headline import ELLIPSIS, derive_headline

SEEDS = Path(__file__).parent / "data" / "seeds"


def plain_abstracts() -> list[str]:
    """Seed 000: one abstract per line."""
    text = (SEEDS / "000_8c560ef06214dede.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def listing_abstracts() -> list[str]:
    """Seed 004: arXiv listing blocks; each block's first paragraph is its abstract.

    Paragraphs are split on blank lines; a block may hold a comment paragraph before
    its "arXiv:" / "Created:" paragraph, which ends the block.
    """
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


# Checked by eye: each is readable and says what its paper is about.
PINNED_PLAIN = [
    "Generative Adversarial Networks: several improvements to the GAN training…",
    "Model that automates this process and achieves state-of-the-art semantic…",
    "Training-time attacks which result in corrupted Deep Generative Models…",
    "CCL: Contrastive Complementary Labeling method that constructs a large number…",
    "Enhancing two simple models based on ResNet-50 that use only static spatial…",
    "CSCA: Class-Specific Channel Attention module, which learns to highlight…",
    "Score-based models also minimize the Wasserstein distance between them…",
    "Stable Artist: image editing approach enabling fine-grained control…",
    "MSRL: reinforcement learning based framework, where the agent dynamically…",
    "Q-learning algorithm: addressing the maximization bias in the form…",
    "Meta-learning method to capture these complex label dependencies",
]
PINNED_LISTING = [
    "Adversarial self-supervised meta-learning framework with bilevel attacks…",
    "ADLM: Attribute-Discriminative Language Model, method for language…",
    "RC-MAE: Reconstruction-Consistent Masked Auto-Encoder, self-supervised learning…",
    "Self-distillation as a regularization for a further pre-training stage",
    "SoftNet: Soft-SubNetworks, few-shot class incremental learning method",
    "Studying Mini-Batch Consistency property in neural set encoding functions…",
    "UAGDet: Uncertainty-Aware Graph network for object DETection, uncertainty-aware…",
    "StyleTalker: audio-driven talking head generation model that can synthesize…",
    "Approach for systematically solving dataset condensation problem…",
    "QAT: Quantization-Aware Training method that can effectively alleviate…",
]


def test_seed_files_hold_21_abstracts() -> None:
    assert len(plain_abstracts()) == 11
    assert len(listing_abstracts()) == 10
    assert all(not abstract.startswith(("arXiv:", "Created:")) for abstract in listing_abstracts())


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [*zip(plain_abstracts(), PINNED_PLAIN), *zip(listing_abstracts(), PINNED_LISTING)],
    ids=[f"plain-{i}" for i in range(len(PINNED_PLAIN))]
    + [f"listing-{i}" for i in range(len(PINNED_LISTING))],
)
def test_seed_headlines_are_pinned(abstract: str, expected: str) -> None:
    assert derive_headline(abstract) == expected


def test_seed_headlines_lead_with_the_method_name() -> None:
    headlines = [derive_headline(abstract) for abstract in listing_abstracts()]
    names = ("StyleTalker", "RC-MAE", "UAGDet", "ADLM")
    by_name = {name: next((h for h in headlines if name in h), None) for name in names}
    assert all(by_name.values()), by_name
    assert by_name["StyleTalker"].startswith("StyleTalker")
    assert by_name["RC-MAE"].startswith("RC-MAE")
    assert by_name["UAGDet"].startswith("UAGDet")
    assert by_name["ADLM"].startswith("ADLM")
    assert any(h.startswith(("SoftNet", "Soft-SubNetworks")) for h in headlines)


def test_seed_headlines_fit_and_are_never_empty() -> None:
    for abstract in plain_abstracts() + listing_abstracts():
        headline = derive_headline(abstract)
        assert 0 < len(headline) <= 80, headline
        assert headline == " ".join(headline.split()), "whitespace is collapsed"
        assert "\\emph" not in headline and "{" not in headline


@pytest.mark.parametrize("max_length", [1, 2, 10, 30, 57, 80, 120])
def test_max_length_is_never_exceeded(max_length: int) -> None:
    for abstract in plain_abstracts() + listing_abstracts():
        assert len(derive_headline(abstract, max_length)) <= max_length


def test_ellipsis_marks_a_cut_at_a_word_boundary() -> None:
    words = "Graph neural networks for the prediction of molecular properties of the compounds and".split()
    abstract = " ".join(words * 4) + "."
    headline = derive_headline(abstract)
    assert headline.endswith(ELLIPSIS) and len(headline) <= 80
    kept = headline[: -len(ELLIPSIS)].split(" ")
    assert kept == (words * 4)[: len(kept)], "cut between words, never inside one"
    assert kept[-1] not in ("of", "the", "and", "for"), "no dangling small word"


def test_short_text_is_kept_whole_without_ellipsis() -> None:
    assert derive_headline("We propose TinyNet, a small network for edge devices.") == (
        "TinyNet: small network for edge devices"
    )
    assert not derive_headline("A short note on graphs.").endswith(ELLIPSIS)


def test_contribution_sentence_is_compressed() -> None:
    abstract = (
        "Dataset condensation is costly. In this paper, we introduce a novel approach for "
        "systematically solving dataset condensation problem in an efficient manner by exploiting "
        "the regularity in a given dataset. Experiments show gains."
    )
    headline = derive_headline(abstract)
    assert headline.startswith("Approach for systematically solving dataset condensation problem")
    assert headline.endswith(ELLIPSIS)


def test_latex_wrappers_are_stripped_and_math_is_kept() -> None:
    abstract = (
        r"We propose \emph{FastReg}, a solver for $\ell_1$-regularized regression with "
        r"\textbf{linear} cost \cite{smith2020}."
    )
    headline = derive_headline(abstract)
    assert headline.startswith("FastReg: ")
    assert r"$\ell_1$" in headline
    assert "\\emph" not in headline and "\\cite" not in headline and "{" not in headline


@pytest.mark.parametrize(
    "abstract",
    [
        "",
        " ",
        "\n\t \r\n",
        "\x00\x01\x02",
        "\x1b[31m\x1b]0;title\x07",
    ],
)
def test_empty_or_unreadable_input_gives_an_empty_headline(abstract: str) -> None:
    assert derive_headline(abstract) == ""


@pytest.mark.parametrize(
    "abstract",
    [
        "!!!",
        "...",
        "???!!!...,,,;;;",
        "()[]{}$$$$",
        "$",
        "(",
        "\\",
        "\\emph{",
        "{{{{{{{{}}}",
        "[bold]Alert[/bold] We propose [red]X[/red], a markup test.",
        "We propose [link=https://evil.example]RichNet[/link], a net.",
        "We\x00 propose \x1b[2J\x1b[HCleanNet\x07, a network\x9b31m for ttys.",
        "İstanbul İİİ we propose İNet, a net for İ.",
        "we propose",
        "We propose X (Y (Z (W",
        "We propose " + "(" * 5000,
        "We propose a $" + "x" * 5000,
        "called " * 2000,
        "we propose " * 3000,
        "A. B. C. D. e.g. i.e. et al. Fig. 1. " * 200,
        "x" * 100,
        "\u200b\u2028\u2029\ufeff abstract with odd spaces\u00a0here",
        "🙂" * 500,
    ],
)
def test_hostile_input_never_crashes(abstract: str) -> None:
    headline = derive_headline(abstract)
    assert isinstance(headline, str) and len(headline) <= 80
    assert headline.isprintable() or not headline.strip()
    if any(char.isalnum() for char in abstract):
        assert headline, "a readable abstract never gets an empty headline"


def test_control_characters_never_reach_the_headline() -> None:
    headline = derive_headline("We propose \x1b[31mRedNet\x1b[0m, a\x00 net\r\nfor\ttext.")
    assert headline.isprintable()
    assert "RedNet" in headline


def test_markup_is_kept_as_plain_text() -> None:
    headline = derive_headline("We present [bold]BoldNet[/bold], a network for markup.")
    assert "[bold]" in headline and len(headline) <= 80


def test_a_megabyte_word_is_cut_quickly() -> None:
    word = "a" * 1_000_000
    start = time.perf_counter()
    headline = derive_headline(word)
    elapsed = time.perf_counter() - start
    assert elapsed < 0.2, f"took {elapsed:.3f} s"
    assert headline == "a" * 79 + ELLIPSIS


def test_a_megabyte_of_sentences_is_quick() -> None:
    abstract = "We propose to study graphs (of many kinds) [1]. " * 25_000
    start = time.perf_counter()
    headline = derive_headline(abstract)
    assert time.perf_counter() - start < 0.2
    assert 0 < len(headline) <= 80


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400), st.integers(min_value=-3, max_value=200))
def test_any_text_gives_a_short_printable_headline(abstract: str, max_length: int) -> None:
    headline = derive_headline(abstract, max_length)
    assert len(headline) <= max(max_length, 0)
    assert headline == headline.strip()
    assert not headline or headline.isprintable()


def test_zero_and_tiny_max_length() -> None:
    abstract = plain_abstracts()[0]
    assert derive_headline(abstract, 0) == ""
    assert derive_headline(abstract, -5) == ""
    assert derive_headline(abstract, 1) == ELLIPSIS
