"""Which name-like word of an abstract is the paper's own name (a small logistic model).

Candidates are the words with a capital after the first letter or a digit (SoftNet, RC-MAE,
DFormerv2). Each is scored on where and how the abstract uses it: how often, right after
"we propose ...", in brackets after its spelled-out form, after "called"/"named"/"i.e.,",
as an appositive ("X, a ..."), in a link, as the rules' pick (readq.headline_rules). The
best candidate names the paper when its probability clears a threshold tuned on held-apart
papers. Weights: the "names" part of data/headline_model.json.
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
            "hyphen", "generic", "plural", "first_sentence", "first_half", "sentence_start_only"]


_NF = {name: index for index, name in enumerate(name_feature_names())}


def candidates(text: str, cue_starts: list[int], rules_name: str, first_end: int) -> dict[str, list[int]]:
    """Each name-like word of `text` and its features (indices into name_feature_names())."""
    found: dict[str, list] = {}
    position = 0
    for token in text.split():
        # Plain words ("the", "We", "Transformer") are skipped before any other work.
        if token.islower() or (token[1:].islower() and token[1:].isalpha()):
            continue
        word = token.strip(_CLOSING).lstrip(_OPENING)
        linked = "/" in word
        if linked:  # a link's last part: github.com/org/DyFo
            word = word.rstrip("/").rsplit("/", 1)[-1]
        start = text.find(word, position)
        if not word or start < 0:
            continue
        position = start + len(word)
        entry = found.get(word)
        if entry is None:
            if word in _GENERIC_NAMES or not _is_name_like(word) or word.count("$") % 2:
                continue
            entry = found[word] = [start, 0, set()]
        entry[1] += 1
        if entry[1] > 3:  # the first mentions say how the abstract uses it
            continue
        if linked:
            entry[2].add("in_link")
        end = start + len(word)
        marks = entry[2]
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
        near_cue = bool(cue_starts) and start - cue_starts[0] < 60
        if after[:1] in (",", ":") and (before.endswith(", ") or "appositive" in marks or near_cue):
            marks.add("appositive")
        if start == 0 or text[start - 2 : start] in (". ", "? ", "! "):
            marks.add("_at_start")
        else:
            marks.add("_mid")
    result = {}
    length = max(len(text), 1)
    for word, (first, count, marks) in found.items():
        features = [_NF["bias"], _NF["count=4+" if count >= 4 else f"count={count}"]]
        features += [_NF[mark] for mark in marks if mark in _NF]
        if word == rules_name:
            features.append(_NF["rules_pick"])
        if re.search(r"[a-z][A-Z]", word):
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
        if first < first_end:
            features.append(_NF["first_sentence"])
        if first < length / 2:
            features.append(_NF["first_half"])
        if "_mid" not in marks:
            features.append(_NF["sentence_start_only"])
        result[word] = features
    return result


def pick_name(weights: list[float], threshold: float, found: dict[str, list[int]]) -> tuple[str, float]:
    """The most probable candidate and its probability, or ("", p) below the threshold."""
    best, best_logit = "", -1e9
    for word, features in found.items():
        logit = sum(weights[f] for f in features)
        if logit > best_logit:
            best, best_logit = word, logit
    p = 1 / (1 + math.exp(-best_logit)) if best else 0.0
    return (best, p) if p >= threshold else ("", p)
