"""The headline model's shortcuts compute what the plain definitions compute, and how a paper's
name is shown ("Chain-of-Memory (CoM): ..."); speed itself is measured in
benchmarks/headline_score.py, never asserted here."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from readq import headline_model as hm
from readq import headline_names as names
from readq.headline import _shown_name, derive_headline

_SUBWORD = re.compile(r"[^\W_]+")
TOKENS = st.text(alphabet=st.sampled_from(list("aZé9-_/.,;:()[]{}$\"“'xQ²İ…")), min_size=1, max_size=12)


def slow_subwords(raw: str) -> tuple[str, ...]:
    """word_facts' subwords by their definition: the regex, stop words removed, deduplicated."""
    key = raw.strip(hm._CLOSING).lstrip(hm._OPENING).lower()
    if not key or key in hm.STOP_WORDS:
        return ()
    return tuple(dict.fromkeys(w for w in _SUBWORD.findall(key) if w not in hm.STOP_WORDS))


@settings(max_examples=400, deadline=None)
@given(TOKENS)
def test_word_facts_fast_path_finds_the_regex_subwords(raw: str) -> None:
    assert hm.word_facts(raw)[2] == slow_subwords(raw)


@settings(max_examples=300, deadline=None)
@given(TOKENS, st.sampled_from([None, -5.5, -2.5, 0.3]), st.booleans())
def test_static_features_are_the_documented_list(text: str, prior, first: bool) -> None:
    """The cached logits are built from two parts; joined they give the features in their
    documented order (the order fixes the floating-point sum, so headlines never drift)."""
    subwords = slow_subwords(text) or ("x",)
    expected = [hm._SUBWORD_FEATURE[min(len(subwords), 3)]]
    if prior is not None:
        expected += [f for threshold, f in hm._PRIOR_FEATURES if prior > threshold]
    if first:
        expected.append(hm.FEATURES["sentence_start"])
    elif text[0].isupper():
        expected.append(hm.FEATURES["capital"])
    if sum(c.isupper() for c in text) >= 2:
        expected.append(hm.FEATURES["acronym"])
    if "-" in text:
        expected.append(hm.FEATURES["hyphen"])
    if any(c.isdigit() for c in text):
        expected.append(hm.FEATURES["digit"])
    if prior is None:
        expected.append(hm.FEATURES["unknown"])
    assert hm.static_features(text, subwords, prior, first) == expected


def test_cached_logits_are_the_static_feature_sums() -> None:
    model = hm.Model(_model_data())  # an empty cache: every word is computed here
    for raw in ["Graph", "graph-based", "LoRA", "(RC-MAE),", "x^2", "3D", "unseenword", "Zebrafish."]:
        word = model.word(raw)
        if not word[hm.SUBWORDS]:
            continue
        prior = model.priors.get(word[hm.KEY])
        base = model.bias + model.prior_weight * (model.unknown_prior if prior is None else prior)
        for first, index in ((False, hm.LOGIT), (True, hm.FIRST_LOGIT)):
            features = hm.static_features(word[hm.TEXT], word[hm.SUBWORDS], prior, first)
            assert word[index] == base + sum(model.weights[f] for f in features), (raw, first)


def _model_data() -> dict:
    import json

    return json.loads(hm.MODEL_PATH.read_text(encoding="utf-8"))


def test_spread_holds_only_words_of_two_or_more_sentences() -> None:
    model = hm.load_model()
    first = model.sentence("Graph networks learn molecules.")
    second = model.sentence("We propose graph transformers for molecules and proteins.")
    assert hm.spread_of([first]) == {}
    assert hm.spread_of([first, second]) == {"graph": 2, "molecules": 2}
    third = model.sentence("Graph kernels too.")
    assert hm.spread_of([first, second, third])["graph"] == 3


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(
    "we propose a graph network (GN) for molecule design , which is fast ; TinyNet-2 learns 3D "
    "shapes and self-supervised models of proteins .".split(" ")), min_size=1, max_size=30),
    st.integers(min_value=10, max_value=90))
def test_phrase_search_with_own_sizes_matches_explicit_sizes(tokens: list[str], budget: int) -> None:
    model = hm.load_model()
    words = model.sentence(" ".join(tokens))
    scores = model.sentence_scores(words, "cue", hm.abstract_counts(" ".join(tokens)), {}, "", set(), set())
    sizes = [len(word[hm.SUBWORDS]) for word in words]
    assert hm.best_phrase(model, words, scores, None, budget, "cue") == \
        hm.best_phrase(model, words, scores, sizes, budget, "cue")


def test_name_candidates_keep_their_features_when_the_shape_cache_is_full(monkeypatch) -> None:
    text = ("We propose SoftNet, a network. SoftNet uses RC-MAE (a masked encoder) and indiv(W) terms; "
            "see github.com/org/DyFo. SoftNet is fast.")
    expected = names.candidates(text, [0], "", 31)
    monkeypatch.setattr(names, "_SHAPES_SIZE", 1)  # the cache is emptied on almost every word
    names._SHAPES.clear()
    assert names.candidates(text, [0], "", 31) == expected
    assert len(names._SHAPES) <= 1
    assert "SoftNet" in expected and "DyFo" in expected
    assert not any("(" in word or ")" in word for word in expected), "half a bracket is never a name"


def test_an_acronym_spelled_out_in_one_capitalised_word_is_shown_with_it() -> None:
    assert _shown_name("CoM", "Chain-of-Memory", 80) == "Chain-of-Memory (CoM)"
    assert _shown_name("SoftNet", "Soft-SubNetworks", 80) == "Soft-SubNetworks (SoftNet)"
    assert _shown_name("PnP", "plug-and-play", 80) == "PnP", "a lower-case term is not the paper's name"
    assert _shown_name("UAGDet", "Uncertainty-Aware Graph network", 80) == "UAGDet", "several words"
    assert _shown_name("CoM", "Chain-of-Memory", 40) == "CoM", "it leaves room for the phrase"
    assert _shown_name("", "Chain-of-Memory", 80) == ""
    headline = derive_headline(
        "Mobile agents forget what they saw. To address this, we propose Chain-of-Memory (CoM), a novel "
        "approach for explicitly modeling short-term and long-term memory in GUI agents. CoM works well.")
    assert "Chain-of-Memory" in headline and "CoM" in headline and len(headline) <= 80, headline


def test_a_lower_case_spelled_out_term_is_not_shown_as_a_name() -> None:
    headline = derive_headline(
        "Diffusion priors help imaging. We propose a plug-and-play (PnP) sampler, PnP-Langevin, for "
        "Bayesian inference in low-photon Poisson imaging. It is fast.")
    assert "plug-and-play (PnP):" not in headline, headline


def test_the_spelled_out_name_is_not_repeated_in_the_phrase() -> None:
    headline = derive_headline(
        "Transformers are slow on long inputs. We introduce Mixture-of-Recursions (MoR), a unified "
        "framework. Mixture-of-Recursions reuses a shared stack of layers across recursion steps.")
    assert headline.count("Mixture-of-Recursions") <= 1, headline


def test_a_name_with_half_a_bracket_never_leads() -> None:
    headline = derive_headline(
        "Individual causal inference uses population models. Specifically, we propose the indiv-operator, "
        "indiv(W), to formalize the population individualization process, and the individual causal query, "
        "P(Y | indiv(W), do(X), Z), to represent it. We show that indiv(W) is inference on alternatives.")
    assert "indiv(W:" not in headline and headline != "indiv(W", headline
    assert headline.count("(") == headline.count(")")


def test_name_features_come_in_an_order_that_does_not_depend_on_the_hash_seed() -> None:
    """The name model sums its weights in the features' order: were it a set's order (which
    changes with PYTHONHASHSEED), the sum's last bit, and so a headline, could differ between
    two processes."""
    import os
    import subprocess
    import sys

    code = ("from readq import headline_names as n;"
            "t = 'We propose SoftNet, a network (SN). SoftNet, our SoftNet: called SoftNet in github.com/a/SoftNet';"
            "print(n.candidates(t, [0, 40], '', 30)['SoftNet'])")
    orders = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout for seed in range(8)}
    assert len(orders) == 1, orders


def test_a_name_holding_an_ellipsis_is_not_shown() -> None:
    """Found by hypothesis: the name model took "…aA" for a name, and the headline showed "…"."""
    for max_length in (6, 20, 80):
        headline = derive_headline("…aA (A", max_length)
        assert "…" not in headline and len(headline) <= max_length, headline


def test_name_candidates_see_dashes_is_a_and_tools() -> None:
    """The name model's newer clues: "X -- a ...", "X is a ...", a cue in the first sentence,
    and "based on X" (a tool the paper uses, which the model learned to doubt)."""
    feature = {name: index for index, name in enumerate(names.name_feature_names())}
    text = ("This paper presents CAMEO -- a curated collection. GenQuest is a game built on ResNet-50 and "
            "better than ResNet-50.")
    found = names.candidates(text, [0], "", text.index(".") + 1)
    assert feature["dash_appositive"] in found["CAMEO"]
    assert feature["cue_in_first_sentence"] in found["CAMEO"]
    assert feature["is_a"] in found["GenQuest"]
    assert feature["after_tool"] in found["ResNet-50"]
    assert feature["after_tool"] not in found["CAMEO"] and feature["is_a"] not in found["CAMEO"]
    model = hm.load_model()
    assert model.names[feature["after_tool"]] < 0 < model.names[feature["is_a"]]
