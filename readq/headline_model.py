"""The learned headline model: which abstract words a title would use, and the phrase that holds them.

1. A logistic model scores each word of a few candidate sentences (the first one and those
   that state the contribution) for "this word is in the title": the word's own log-odds
   from the corpus, its count in the abstract, its sentence, its position, its shape.
2. A phrase search picks, inside one clause of those sentences, the span with the best
   expected content-word F1 under those scores plus a small bonus for length, starting
   and ending only on words that start and end phrases in real titles.
3. The method name found by the rules (readq.headline_rules) or the name model
   (readq.headline_names) leads: "Name: phrase".

The weights are `data/headline_model.json`, rebuilt by `benchmarks/train_headline.py`.
Pure Python. What depends on a word alone (its facts and its logit at and after a sentence's
start) is cached per word, bounded by WORD_CACHE_SIZE; a headline costs about 120 µs of CPU,
a quarter of it the rules and another sixth counting the abstract's words
(`benchmarks/headline_score.py --stages`).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

from readq.headline_names import name_feature_names

MODEL_PATH = Path(__file__).parent / "data" / "headline_model.json"
MODEL_FORMAT = 3  # bumped when the features change; the file records the version it was built for

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was were what when where which while who whom why will with would
    you your yours yourself yourselves via towards toward across within without upon among amongst per
    versus vs etc may might must shall us""".split()
)
# Never inside a phrase: a clause starts or a finite verb follows ("... models will:").
BARRIER_WORDS = frozenset(
    """which that where who whose whom whereas while because since although though but if when whether
    is are was were be been being am can could will would may might shall should must has have had do
    does did we our they their it its this these those thereby thus hence yet however namely""".split()
)
# A phrase ends on none of these; the title statistics rule out the rest (verbs, adverbs).
FUNCTION_WORDS = STOP_WORDS | BARRIER_WORDS | frozenset(
    "using based novel new several various different given specific such both either versus".split()
)
_OPENING = "([{\"'“‘"
_CLOSING = ")]}\"'”’.,;:!?"
_SUBWORD = re.compile(r"[^\W_]+")
_PAIRED = re.compile(r"[$()\[\]{}\"“”]")  # characters that must pair up inside a phrase
_SENTENCE_BREAK = re.compile(r"[.!?] (?=[A-Z0-9\"'“(\[$\\])")
# A bracket that ends a word ("(LLM)-driven" stays: removing it would join two words).
_PARENTHETICAL = re.compile(r" ?\((?:[^()$]|\([^()$]*\))*\)(?=[\s.,;:!?]|$)")
_ABBREVIATIONS = frozenset("e.g i.e al vs fig figs eq eqs cf resp approx no sec et".split())

KINDS = ("first", "cue", "cue2", "weak")
_POSITION_BUCKETS = (0, 1, 2, 3, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6)
MAX_SPAN_WORDS = 12
MAX_COUNT = 8
PRIOR_THRESHOLDS = (-5, -4, -3, -2, -1, 0)  # the log-odds of a word's prior, in steps


def feature_names() -> list[str]:
    """Every indicator feature, in the order of the weight vector."""
    names = [f"kind={kind}" for kind in KINDS]
    names += [f"pos={bucket}" for bucket in range(8)]
    names += [f"count={count}" for count in range(1, MAX_COUNT + 1)]
    names += [f"prior>{threshold}" for threshold in PRIOR_THRESHOLDS]
    names += [f"spread={count}" for count in range(2, 4)]
    names += [f"subwords={count}" for count in range(1, 4)]
    names += ["capital", "acronym", "hyphen", "digit", "unknown", "long_form", "name", "sentence_start",
              "after_determiner", "after_preposition", "first_occurrence"]
    return names


FEATURES = {name: index for index, name in enumerate(feature_names())}
_KIND_FEATURE = {kind: FEATURES[f"kind={kind}"] for kind in KINDS}
_POS_FEATURE = [FEATURES[f"pos={bucket}"] for bucket in range(8)]
_COUNT_FEATURE = [0] + [FEATURES[f"count={count}"] for count in range(1, MAX_COUNT + 1)]
_PRIOR_FEATURES = [(threshold, FEATURES[f"prior>{threshold}"]) for threshold in PRIOR_THRESHOLDS]
_SPREAD_FEATURE = [0, 0] + [FEATURES[f"spread={count}"] for count in range(2, 4)]
_SUBWORD_FEATURE = [0] + [FEATURES[f"subwords={count}"] for count in range(1, 4)]
_F = FEATURES
_DETERMINERS = frozenset("a an the our novel new this".split())
_PREPOSITIONS = frozenset("for of in on to with via from by into through".split())


def sentence_end(text: str, position: int) -> int:
    for match in _SENTENCE_BREAK.finditer(text, position):
        word = text[text.rfind(" ", 0, match.start()) + 1 : match.start()]
        if not (word.lower() in _ABBREVIATIONS or "." in word or (len(word) == 1 and word.isupper())):
            return match.start() + 1
    return len(text)


def candidate_sentences(text: str, strong: list, weak) -> list[tuple[str, str]]:
    """(kind, text) of the first sentence and of the phrases the contribution cues introduce."""
    found = [("first", text[: sentence_end(text, 0)])]
    # Only the first contribution sentence: later ones name parts of the method ("we further
    # propose ..."), and scoring them costs more than they add (dev F1 0.4098 against 0.4074).
    for kind, cue in [("cue2" if cue.secondary else "cue", cue) for cue in strong[:1]] + [("weak", weak)]:
        if cue is not None and cue.phrase:
            # The rules keep a phrase's first 300 characters; the sentence runs on to its end.
            start = text.find(cue.phrase[:40], cue.start)
            found.append((kind, text[start : cue.end] if start >= 0 else cue.phrase.rsplit(" ", 1)[0]))
    return found


MAX_SENTENCE_WORDS = 30  # later words are rarely in the title and cost time
WORD_CACHE_SIZE = 50_000
# A word's cached facts: (text, key, subwords, barrier, stop_after, start_ok, end_ok,
# logit inside a sentence, logit at its start, number of subwords, width with its space,
# the weight it gives the next word): all that depends on the word alone.
TEXT, KEY, SUBWORDS, BARRIER, STOP_AFTER, START_OK, END_OK, LOGIT, FIRST_LOGIT, SIZE, WIDTH, AFTER = range(12)


_COUNT_SPLIT = "-_/.,;:!?()[]{}\"'“”‘’$"  # compounds and punctuation split into words for counting


def abstract_counts(text: str) -> Counter:
    """How often each lowercase word occurs in the abstract (compounds split at hyphens)."""
    text = text.lower()
    for char in _COUNT_SPLIT:  # a few replaces are cheaper than str.translate
        if char in text:
            text = text.replace(char, " ")
    return Counter(text.split())


def word_facts(raw: str) -> tuple[str, str, tuple[str, ...], bool, bool]:
    """(text, key, content subwords, barrier, stop_after) of one space-separated token."""
    core = raw.strip(_CLOSING).lstrip(_OPENING)
    if not core:  # a lone dash or bracket ends a phrase
        return raw, "", (), True, True
    key = core.lower()
    if key in STOP_WORDS:
        subwords = ()
    elif key.isalnum():  # one plain word: what _SUBWORD would find
        subwords = (key,)
    else:
        subwords = tuple(dict.fromkeys(w for w in _SUBWORD.findall(key) if w not in STOP_WORDS))
    unbalanced = _PAIRED.search(core) is not None and (
        core.count("$") % 2 or core.count("(") != core.count(")") or core.count("[") != core.count("]")
        or core.count("{") != core.count("}") or any(q in core for q in "\"“”"))
    barrier = bool(unbalanced) or key in BARRIER_WORDS or (raw[0] in _OPENING and raw[0] != "'") or (
        "…" in raw or "..." in raw)  # "x_1, …, x_n": a headline never shows an ellipsis
    stop_after = raw[-1] in ",;:.!?)]\"”'"
    return core, key, subwords, barrier, stop_after


def static_features(text: str, subwords: tuple, prior: float | None, first: bool) -> list[int]:
    """Features of a word that do not depend on its abstract (cached at run time)."""
    head, tail = _static_parts(text, subwords, prior)
    if first:
        return head + [_F["sentence_start"]] + tail
    return head + [_F["capital"]] + tail if text[0].isupper() else head + tail


def _static_parts(text: str, subwords: tuple, prior: float | None) -> tuple[list[int], list[int]]:
    """static_features before and after the sentence-start / capital feature."""
    head = [_SUBWORD_FEATURE[min(len(subwords), 3)]]
    if prior is not None:
        head += [feature for threshold, feature in _PRIOR_FEATURES if prior > threshold]
    tail = []
    if sum(map(str.isupper, text)) >= 2:
        tail.append(_F["acronym"])
    if "-" in text:
        tail.append(_F["hyphen"])
    if any(map(str.isdigit, text)):
        tail.append(_F["digit"])
    if prior is None:
        tail.append(_F["unknown"])
    return head, tail


def word_count(subwords: tuple, counts: Counter) -> int:
    return min(counts.get(w, 1) for w in subwords)


def spread_of(sentences: list[list[tuple]]) -> dict[str, int]:
    """In how many candidate sentences each word occurs, for the words found in two or more
    (a word in one sentence only has no spread feature; an empty result skips the lookups)."""
    if len(sentences) < 2:
        return {}
    spread: dict[str, int] = {}
    for words in sentences:
        for key in {word[KEY] for word in words if word[SIZE]}:
            spread[key] = spread.get(key, 0) + 1
    return {key: count for key, count in spread.items() if count > 1}


def context_features(words: list[tuple], index: int, kind: str, counts: Counter, spread: dict[str, int],
                     name: str, long_form: set[str], seen: set[str]) -> list[int]:
    """Features of a word in its abstract: sentence, position, count, neighbours (training only;
    Model.sentence_scores computes the same sum of weights inline)."""
    word = words[index]
    features = [_KIND_FEATURE[kind], _POS_FEATURE[_POSITION_BUCKETS[index] if index < 16 else 7],
                _COUNT_FEATURE[min(word_count(word[SUBWORDS], counts), MAX_COUNT)]]
    if spread.get(word[KEY], 0) > 1:
        features.append(_SPREAD_FEATURE[min(spread[word[KEY]], 3)])
    previous = words[index - 1][KEY] if index else ""
    if previous in _DETERMINERS:
        features.append(_F["after_determiner"])
    elif previous in _PREPOSITIONS:
        features.append(_F["after_preposition"])
    if word[KEY] in long_form:
        features.append(_F["long_form"])
    if name and word[TEXT] == name:
        features.append(_F["name"])
    if word[KEY] not in seen:
        features.append(_F["first_occurrence"])
        seen.add(word[KEY])
    return features


class Model:
    """Weights loaded from the JSON file, and a cache of each word's own facts and score."""

    def __init__(self, data: dict):
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"headline model format {data.get('format')!r}, expected {MODEL_FORMAT}")
        self.version: str = data["version"]
        self.bias, self.prior_weight = data["bias"], data["prior_weight"]
        self.unknown_prior = data["unknown_prior"]
        self.weights = [data["weights"][name] for name in feature_names()]
        self.priors: dict[str, float] = data["priors"]
        self.end_words = frozenset(data["end_words"])
        self.start_bad = frozenset(data["start_bad"])
        # The phrase search: expected title size, bonuses for length and for each kind of
        # sentence, a penalty under `short_chars`, the trust in a name, a topic prefix's bonus.
        self.search: dict = data["search"]
        names = data.get("names")  # the name model's weights, by feature name
        self.names = None if names is None else [names[n] for n in name_feature_names()]
        self._cache: dict[str, tuple] = {}
        w = self.weights
        pos = [w[_POS_FEATURE[_POSITION_BUCKETS[i] if i < 16 else 7]] for i in range(MAX_SENTENCE_WORDS)]
        self._kind_pos = {kind: [w[_KIND_FEATURE[kind]] + weight for weight in pos] for kind in KINDS}
        self._count = [0.0] + [w[f] for f in _COUNT_FEATURE[1:]]
        self._spread = [0.0, 0.0] + [w[f] for f in _SPREAD_FEATURE[2:]]
        self._after = {word: w[_F["after_determiner"]] for word in _DETERMINERS}
        self._after.update({word: w[_F["after_preposition"]] for word in _PREPOSITIONS})

    def word(self, raw: str) -> tuple:
        """The cached facts of one token (see TEXT ... FIRST_LOGIT)."""
        cached = self._cache.get(raw)
        if cached is None:
            text, key, subwords, barrier, stop_after = word_facts(raw)
            start_ok = end_ok = False
            logit = first_logit = 0.0
            if subwords:
                prior = self.priors.get(key)
                base = self.bias + self.prior_weight * (self.unknown_prior if prior is None else prior)
                # static_features for a word inside a sentence and at its start, built once
                head, tail = _static_parts(text, subwords, prior)
                weights = self.weights
                inside = head + [_F["capital"]] + tail if text[0].isupper() else head + tail
                logit = base + sum([weights[f] for f in inside])
                first_logit = base + sum([weights[f] for f in head + [_F["sentence_start"]] + tail])
                if not barrier and key not in FUNCTION_WORDS:
                    shaped = text[0].isupper() or text[0].isdigit() or "-" in text
                    start_ok = key not in self.start_bad and not key.endswith("ly")
                    # A phrase ends where titles end phrases; on an unseen word only if it
                    # looks like a name, a number or a compound.
                    end_ok = key in self.end_words or (prior is None and shaped)
                    # "heavy- and light-chain": half a compound neither starts nor ends a phrase
                    start_ok = start_ok and text[0] not in "-–/"
                    end_ok = end_ok and text[-1] not in "-–/"
            cached = (text, key, subwords, barrier, stop_after, start_ok, end_ok, logit, first_logit,
                      len(subwords), len(text) + 1, self._after.get(key, 0.0))
            # A bound for long-running processes: 50,000 words cost about 23 MB
            # per process and keep the speed (200,000 cost 60 MB, measured on 50k abstracts).
            if len(self._cache) > WORD_CACHE_SIZE:
                self._cache.clear()
            self._cache[raw] = cached
        return cached

    def sentence(self, sentence: str) -> list[tuple]:
        if "(" in sentence:
            sentence = _PARENTHETICAL.sub("", sentence)
        cache, word = self._cache, self.word
        return [cache.get(raw) or word(raw) for raw in sentence.split(None, MAX_SENTENCE_WORDS)[:MAX_SENTENCE_WORDS]]

    def sentence_scores(self, words: list[tuple], kind: str, counts: Counter, spread: dict[str, int], name: str,
                        long_form: set[str], seen: set[str]) -> list[float]:
        """Expected title content words each word brings: P(in title) times its subwords.
        The sum of weights of static_features + context_features, inlined for speed: a word
        carries its own logit and the weight it gives the next word ("a", "for": AFTER)."""
        scores = []
        append = scores.append
        kind_pos, count_weight = self._kind_pos[kind], self._count
        top_count, spread_weight = count_weight[MAX_COUNT], self._spread
        w = self.weights
        name_weight, long_weight, first_weight = w[_F["name"]], w[_F["long_form"]], w[_F["first_occurrence"]]
        exp, after, index, get_count = math.exp, 0.0, 0, counts.get
        for word in words:
            size = word[SIZE]
            if size:
                key = word[KEY]
                if size == 1:
                    count = get_count(word[SUBWORDS][0], 1)
                else:
                    count = min([get_count(subword, 1) for subword in word[SUBWORDS]])
                logit = (word[LOGIT] if index else word[FIRST_LOGIT]) + kind_pos[index] + after + (
                    count_weight[count] if count <= MAX_COUNT else top_count)
                if spread:  # only words found in two or more sentences are in it
                    spreads = spread.get(key, 0)
                    if spreads > 1:
                        logit += spread_weight[3 if spreads > 3 else spreads]
                if key not in seen:
                    logit += first_weight
                    seen.add(key)
                if long_form and key in long_form:
                    logit += long_weight
                if name and word[TEXT] == name:
                    logit += name_weight
                append(size / (1.0 + exp(-logit)) if logit > -30 else 0.0)
            else:
                append(0.0)
            after = word[AFTER]
            index += 1
        return scores


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> Model:
    return Model(json.loads(path.read_text(encoding="utf-8")))


def best_phrase(model: Model, words: list[tuple], scores: list[float], sizes: list[int] | None, budget: int,
                kind: str, prefix: tuple[float, int, int] = (0.0, 0, 0), max_words: int = MAX_SPAN_WORDS
                ) -> tuple[float, int, int, float, int, int]:
    """(score, start, end, gain, size, characters) of the best span words[start:end] that fits
    `budget` characters after a prefix (a name or a topic) of (gain, size, characters).
    `sizes` overrides the words' own numbers of subwords (None: their own)."""
    best = (-1.0, 0, 0, 0.0, 0, 0)
    best_score = -1.0
    search = model.search
    title_words, bonus = search["title_words"], search["length_bonus"]
    prefix_gain, prefix_size, prefix_chars = prefix
    kind_bonus = search["kind_bonus"][kind] - (search["short_penalty"] if prefix_chars < search["short_chars"] else 0.0)
    full_bonus = bonus * 70 + kind_bonus  # the length bonus stops growing at 70 characters
    min_start = search["min_start"]  # a phrase rarely gains by opening on an unlikely word
    count = len(words)
    limit = budget + prefix_chars
    size_of = SIZE if sizes is None else None
    for start in range(count):
        if scores[start] < min_start or not words[start][START_OK]:
            continue
        gain, size, chars = prefix_gain, prefix_size, prefix_chars - 1
        for end in range(start, min(count, start + max_words)):
            word = words[end]
            if word[BARRIER]:
                break
            chars += word[WIDTH]
            if chars > limit:
                break
            gain += scores[end]
            size += word[SIZE] if size_of else sizes[end]
            if word[END_OK]:
                score = 2 * gain / (size + title_words) + (bonus * chars + kind_bonus if chars < 70 else full_bonus)
                if score > best_score:
                    best_score = score
                    best = (score, start, end + 1, gain, size, chars - prefix_chars)
            if word[STOP_AFTER]:
                break
    return best
