"""Which name-like word of an abstract is the paper's own name (a small logistic model).

Candidates are the words with a capital after the first letter or a digit (SoftNet, RC-MAE,
DFormerv2). Each is scored on where and how the abstract uses it: how often, right after
"we propose ...", in brackets after its spelled-out form, after "called"/"named"/"i.e.,",
as an appositive ("X, a ...", "X -- a ...", "X is a ..."), in a link, after a word that
introduces a tool or a baseline ("based on ResNet-50", "than GPT-4"), as the rules' pick
(readq.headline_rules). The best candidate names the paper when its probability clears a
threshold tuned on held-apart papers. Weights: the "names" part of data/headline_model.json.
A word's spelling features are cached (bounded), as the headline model caches its words.
"""

from __future__ import annotations

import math
import re

from readq.headline_rules import _GENERIC_NAMES, _is_name_like

_OPENING = "([{\"'“‘"
_CLOSING = ")]}\"'”’.,;:!?"
_NAMING_BEFORE = ("called ", "named ", "dubbed ", "termed ", "namely ", "i.e., ", "as ", "coined ")
_CUE_WINDOW = 160  # characters after "we propose" in which the proposed thing is named


def name_feature_names() -> list[str]:
    return ["bias", "rules_pick", "count=1", "count=2", "count=3", "count=4+", "after_cue", "after_cue_early",
            "bracketed", "defines", "named_before", "appositive", "in_link", "camel", "all_caps", "digit",
            "hyphen", "generic", "plural", "first_sentence", "first_half", "sentence_start_only",
            "dash_appositive", "is_a", "cue_in_first_sentence", "after_tool"]


_NF = {name: index for index, name in enumerate(name_feature_names())}


_CAMEL = re.compile(r"[a-z][A-Z]")
_COUNT_FEATURE = [0, _NF["count=1"], _NF["count=2"], _NF["count=3"]]
_MARK_FEATURES = {mark: _NF[mark] for mark in ("after_cue", "after_cue_early", "bracketed", "defines", "named_before",
                                               "appositive", "in_link", "dash_appositive", "is_a", "after_tool")}
_DASHES = (" -- ", " — ", " – ", "—", " - ")
_IS_A = (" is a ", " is an ")
# Before a tool, a backbone or a baseline the paper uses: "based on ResNet-50", "than GPT-4"
_TOOL_BEFORE = (" on ", " using ", " than ", " such as ", " e.g., ", " like ", " over ", " with ", " from ", " of ",
                " via ", " by ")
_SHAPES: dict[str, tuple[int, ...] | None] = {}  # word -> its shape features, None if never a name
_SHAPES_SIZE = 20_000


def clear_cache() -> None:
    """Forget the cached word shapes (a benchmark's cold start)."""
    _SHAPES.clear()


def _shape(word: str) -> tuple[int, ...] | None:
    """The features of a word's spelling (cached), or None for a word that is never a candidate."""
    if word in _SHAPES:
        return _SHAPES[word]
    if word in _GENERIC_NAMES or not _is_name_like(word) or word.count("$") % 2 or (
            word.count("(") != word.count(")") or word.count("[") != word.count("]")):
        shape = None  # "indiv(W" is half of "indiv(W)", never a name
    else:
        features = []
        if _CAMEL.search(word):
            features.append(_NF["camel"])
        elif word.isupper():
            features.append(_NF["all_caps"])
        if any(c.isdigit() for c in word):
            features.append(_NF["digit"])
        if "-" in word:
            features.append(_NF["hyphen"])
        if word in _GENERIC_NAMES or word.rstrip("s") in _GENERIC_NAMES:
            features.append(_NF["generic"])
        if word.endswith("s") and word[:-1].isupper():
            features.append(_NF["plural"])
        shape = tuple(features)
    if len(_SHAPES) >= _SHAPES_SIZE:
        _SHAPES.clear()
    _SHAPES[word] = shape
    return shape


def candidates(text: str, cue_starts: list[int], rules_name: str, first_end: int) -> dict[str, list[int]]:
    """Each name-like word of `text` and its features (indices into name_feature_names())."""
    found: dict[str, list] = {}
    position = 0
    first_cue = cue_starts[0] if cue_starts else None
    find = text.find
    for token in text.split():
        # Plain words ("the", "We", "Transformer") are skipped before any other work.
        if token.islower():
            continue
        rest = token[1:]
        if rest.islower() and rest.isalpha():
            continue
        word = token.strip(_CLOSING).lstrip(_OPENING)
        linked = "/" in word
        if linked:  # a link's last part: github.com/org/DyFo
            word = word.rstrip("/").rsplit("/", 1)[-1]
        start = find(word, position)
        if not word or start < 0:
            continue
        position = end = start + len(word)
        entry = found.get(word)
        if entry is None:
            if _shape(word) is None:
                continue
            entry = found[word] = [start, 0, set()]
        entry[1] += 1
        if entry[1] > 3:  # the first mentions say how the abstract uses it
            continue
        marks = entry[2]
        if linked:
            marks.add("in_link")
        for cue in cue_starts:
            if 0 <= start - cue < _CUE_WINDOW:
                marks.add("after_cue_early" if start - cue < 50 else "after_cue")
        before, after = text[max(0, start - 12) : start], text[end : end + 2]
        if before.endswith("("):
            marks.add("bracketed")
        if after.startswith(" (") and text[end + 2 : end + 3].isupper():
            marks.add("defines")
        if before.endswith(_NAMING_BEFORE):
            marks.add("named_before")
        elif before.endswith(_TOOL_BEFORE):
            marks.add("after_tool")
        near_cue = first_cue is not None and start - first_cue < 60
        if after[:1] in (",", ":") and (before.endswith(", ") or "appositive" in marks or near_cue):
            marks.add("appositive")
        elif text.startswith(_DASHES, end):  # "CAMEO -- a curated collection"
            marks.add("dash_appositive")
        elif text.startswith(_IS_A, end):  # "GenQuest is a generative text adventure game"
            marks.add("is_a")
        if start == 0 or text[start - 2 : start] in (". ", "? ", "! "):
            marks.add("_at_start")
        else:
            marks.add("_mid")
    result = {}
    half = max(len(text), 1) / 2
    mark_features = _MARK_FEATURES
    for word, (first, count, marks) in found.items():
        features = [_NF["bias"], _COUNT_FEATURE[count] if count < 4 else _NF["count=4+"]]
        # In a fixed order (a set's order changes between processes, and with it the last bit of the sum)
        features += [feature for mark, feature in mark_features.items() if mark in marks]
        if word == rules_name:
            features.append(_NF["rules_pick"])
        features += _SHAPES[word] if word in _SHAPES else _shape(word)
        if first < first_end:
            features.append(_NF["first_sentence"])
            if "after_cue_early" in marks:  # "This paper presents X": not background, as most are there
                features.append(_NF["cue_in_first_sentence"])
        if first < half:
            features.append(_NF["first_half"])
        if "_mid" not in marks:
            features.append(_NF["sentence_start_only"])
        result[word] = features
    return result


def pick_name(weights: list[float], threshold: float, found: dict[str, list[int]]) -> tuple[str, float]:
    """The most probable candidate and its probability, or ("", p) below the threshold."""
    best, best_logit = "", -1e9
    weight = weights.__getitem__
    for word, features in found.items():
        logit = sum(map(weight, features))
        if logit > best_logit:
            best, best_logit = word, logit
    p = 1 / (1 + math.exp(-best_logit)) if best else 0.0
    return (best, p) if p >= threshold else ("", p)
