"""A readable headline for an abstract, which arrives without a title.

The headline is a whole phrase taken from the abstract, chosen by a small learned model
(readq.headline_model; weights in readq/data/headline_model.json): "Name: phrase" when the
abstract names its method, else one phrase. It is never cut off: at most ``max_length``
characters, no ellipsis, no trailing function word, balanced brackets. Only a single word
longer than ``max_length`` (no real abstract has one) is shortened.

`derive_headline` is pure (the same abstract gives the same headline, nothing is written),
so it may run in any process; the model file is read once per process.
"""

from __future__ import annotations

import re

from readq.headline_model import (
    FUNCTION_WORDS,
    STOP_WORDS,
    KEY,
    SIZE,
    TEXT,
    abstract_counts,
    best_phrase,
    candidate_sentences,
    load_model,
    sentence_end,
    spread_of,
)
from readq.headline_names import candidates, pick_name
from readq.headline_rules import _long_form, clean, contribution

__all__ = ["derive_headline", "model_version"]

_SCAN_LIMIT = 6000  # real abstracts are shorter; megabyte input is cut before any regex
# Escape sequences (CSI; OSC, DCS, APC... up to BEL or ST; others) and control characters.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?|[\x00-\x1f\x7f-\x9f]"
)
_SUBWORD = re.compile(r"[^\W_]+")
_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))
_BRACKET_CHARS = re.compile(r"[()\[\]{}$]")


def model_version() -> str:
    """The version of the headline model, as recorded in its file."""
    return load_model().version


def derive_headline(abstract: str, max_length: int = 80) -> str:
    """A whole-phrase headline of at most ``max_length`` characters for ``abstract``."""
    if max_length <= 0:
        return ""
    text = abstract[:_SCAN_LIMIT]
    if not text.isprintable():
        text = _printable(text)
    text = clean(text)
    if "  " in text:
        text = " ".join(text.split())
    if not any(char.isalnum() for char in text[:400]):
        text = _printable(" ".join(abstract.split(None, 40)[:40]))
        return _first_words(text, max_length) if any(c.isalnum() for c in text) else ""
    headline = _model_headline(text, max_length)
    return headline or _first_words(text, max_length)


def _printable(text: str) -> str:
    text = _CONTROL.sub("", text)
    return " ".join("".join(c if c.isprintable() else " " if c.isspace() else "" for c in text).split())


def _model_headline(text: str, max_length: int) -> str:
    model = load_model()
    search = model.search
    strong, weak, name, long_form = analyse(text, model)
    if len(name) + 2 >= max_length or not name.isprintable() or "…" in name or "..." in name:
        name = ""  # a headline never shows an ellipsis, not even inside a name ("…aA")
    shown = _shown_name(name, long_form, max_length)
    prefix = f"{shown}: " if name else ""
    name_size = len({w for w in _SUBWORD.findall(shown.lower()) if w not in STOP_WORDS})
    counts = abstract_counts(text)
    long_form_keys = set(long_form.lower().split())
    seen: set[str] = set()
    sentences = [(kind, model.sentence(sentence)) for kind, sentence in candidate_sentences(text, strong, weak)]
    spread = spread_of([words for _, words in sentences])
    scored = [(kind, words, model.sentence_scores(words, kind, counts, spread, name, long_form_keys, seen))
              for kind, words in sentences]
    lead = (search["name_p"] * name_size, name_size, len(prefix))
    best, best_words = (-1.0, 0, 0), []
    for kind, words, scores in scored:
        found = best_phrase(model, words, scores, None, max_length - len(prefix), kind, lead)
        if found[0] > best[0]:
            best, best_words = found, words
    if not name and len(scored) > 1:
        # "Topic: phrase": the field the first sentence names, then what the paper offers.
        kind, words, scores = scored[0]
        topic = best_phrase(model, words, scores, None, search["topic_chars"], kind, max_words=search["topic_words"])
        if topic[0] >= 0:
            topic_words = words[topic[1] : topic[2]]
            topic_text = " ".join(word[TEXT] for word in topic_words)
            held = {word[KEY] for word in topic_words}
            lead = (topic[3], topic[4], len(topic_text) + 2)
            for kind, words, scores in scored[1:]:
                # A word the topic holds already adds nothing.
                scores = [0.0 if word[KEY] in held else score for word, score in zip(words, scores)]
                sizes = [0 if word[KEY] in held else word[SIZE] for word in words]
                found = best_phrase(model, words, scores, sizes, max_length - lead[2], kind, lead)
                if found[0] >= 0 and found[0] + search["topic_bonus"] > best[0]:
                    best, best_words, prefix = (found[0] + search["topic_bonus"], *found[1:]), words, topic_text
        if prefix:
            prefix = _capitalised(prefix) + ": "
    if best[0] < 0:
        return shown
    phrase = _capitalised(" ".join(word[TEXT] for word in best_words[best[1] : best[2]]))
    if not _balanced(phrase + prefix):
        return shown
    if not prefix or (name and (phrase.startswith(name) or name in phrase.split(" "))):
        return phrase
    if shown != name and long_form in phrase.split(" "):  # not "MoR (Mixture-of-Recursions): Mixture-of-..."
        return f"{name}: {phrase}"
    return prefix + phrase


def _shown_name(name: str, long_form: str, max_length: int) -> str:
    """The name as the headline shows it: "Chain-of-Memory (CoM)" when the abstract spells the
    acronym out in one capitalised word (real titles use that word twice as often as the
    acronym; a lower-case one, "plug-and-play (PnP)", is a term, not the paper's name)."""
    if (name and long_form[:1].isupper() and " " not in long_form
            and len(long_form) + len(name) + 5 < max_length // 2):
        return f"{long_form} ({name})"
    return name


def analyse(text: str, model) -> tuple[list, object, str, str]:
    """The contribution cues, the weaker cue, the paper's own name and its spelled-out form."""
    strong, weak, name, long_form = contribution(text)
    if model.names is not None and not name:  # the rules' name is right more often; the model finds more
        starts = [cue.start for cue in strong] + ([weak.start] if weak is not None else [])
        found = candidates(text, starts, name, sentence_end(text, 0))
        picked, _ = pick_name(model.names, model.search["name_threshold"], found)
        if picked != name:
            bracket = text.find(f"({picked})")
            name, long_form = picked, _long_form(picked, text[:bracket]) if bracket > 0 else ""
    return strong, weak, name, long_form


def _capitalised(phrase: str) -> str:
    if phrase[:1].islower() and not phrase[1:2].isupper():  # not "iPhone", "mRNA"
        return phrase[0].upper() + phrase[1:]
    return phrase


def _balanced(text: str) -> bool:
    if _BRACKET_CHARS.search(text) is None:  # most headlines hold no bracket at all
        return True
    return all(text.count(open_) == text.count(close) for open_, close in _PAIRS) and text.count("$") % 2 == 0


def _first_words(text: str, max_length: int) -> str:
    """The opening words that fit, ending on a content word: for text the model finds no phrase in."""
    words = []
    for word in [w for w in text.split(" ") if any(c.isalnum() for c in w) and "…" not in w and "..." not in w]:
        if len(" ".join([*words, word])) > max_length:
            break
        words.append(word)
    while len(words) > 1 and (words[-1].lower().strip(".,;:!?") in FUNCTION_WORDS or not _balanced(" ".join(words))):
        words.pop()
    headline = " ".join(words).strip(" ,;:.!?-–—(/&+")
    if not headline:  # one word longer than max_length: the only cut that can happen
        headline = text.replace("…", " ").replace("...", " ")[:max_length].strip()
    return headline if _balanced(headline) else headline.translate({ord(c): None for c in "()[]{}$"}).strip()
