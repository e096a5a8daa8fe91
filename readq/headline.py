"""Short readable headlines for abstracts, which arrive without titles.

A headline says what the paper is about. When the abstract names its method
("we propose StyleTalker, a ...", "... (RC-MAE)", "called MSRL") the headline
leads with that name, then a colon and a compressed description. Otherwise it
is the compressed object of the sentence that states the contribution ("we
introduce a novel approach for ..."), or else the first sentence. Acronyms the
abstract defines are spelled out, since titles (and readers) prefer the words.

It runs on every imported abstract, so it is built for speed: regexes are
precompiled and linear, most start with a literal (which ``re`` scans for
quickly), and only the sentences around the cues are located.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["derive_headline"]

ELLIPSIS = "…"
# Real abstracts are under 4,000 characters and state their contribution early;
# a hostile megabyte input is cut before any regex sees it.
_SCAN_LIMIT = 6000
# A headline uses the start of a sentence only; the rest is not worth cleaning up.
_PHRASE_LIMIT = 300

# --- cleaning ------------------------------------------------------------------------------
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|[\x00-\x1f\x7f-\x9f]")
_MATH = re.compile(r"(\$[^$]*\$)")
_FORMATTED_WORD = re.compile(r"\$\\(?:text\w*|math(?:rm|bf|it|sf|tt)|emph)\{([\w\- ]+)\}\$")
_LATEX_DROPPED = re.compile(r"\\(?:cite\w*|ref|eqref|label|footnote|url|href)\s*\{[^{}]*\}")
_LATEX_WRAPPER = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}]*)\}")
_LATEX_LEFTOVER = re.compile(r"\\[A-Za-z]+\*?|[{}]")
_LATEX_ESCAPED = re.compile(r"\\([%&#_$])")

# --- contribution cues, matched on the lowercased text ---------------------------------------
# Verb stems by what follows them: 1 a contribution ("we propose X"), 2 a topic read best
# as a gerund ("we investigate X" -> "Investigating X"), 3 an activity ("we conduct a
# study"), 4 a problem ("we address this gap by ..."), 5 a claim ("we show that ...").
_CUE_TAIL = (
    r"(?:(?:[a-z]+ly|also|further|then|first|thus|hence|therefore|here|now|instead),? ){0,2}"
    r"(?:(propos|present|introduc|develop|design|devis|buil|construct|formulat|put forward"
    r"|releas|creat|curat|establish)|(stud|investigat|explor|examin|analy[sz]|revisit|evaluat"
    r"|benchmark|characteri[sz]|assess|compar|quantif)|(conduct|perform|provid|report|describ"
    r"|offer|consider|focus|aim|seek|extend)|(address|tackl)|(show|demonstrat|find|found|prov"
    r"|argu|reveal|observ))[a-z]*"
)
_WE_CUE = re.compile(rf"we,? {_CUE_TAIL}")
_PAPER_CUE = re.compile(rf"this (?:paper|work|study|article|letter|thesis|report) {_CUE_TAIL}")
_BY_CUE = re.compile(r"by (?:introduc|propos|present|develop|design)ing")
_PASSIVE_VERBS = (" proposed", " presented", " introduced")
_KINDS = ("strong", "gerund", "activity", "problem", "claim")
_GERUNDS = {"stud": "Studying", "quantif": "Quantifying"}
_SENTENCE_BREAK = re.compile(r"[.!?] (?=[A-Z0-9\"'“(\[$\\])")
_ABBREVIATIONS = frozenset("e.g i.e al vs fig figs eq eqs cf resp approx no sec et".split())
_PURPOSE = re.compile(r"(?:in|to|for|with|by|as|here|given|building|motivated|inspired|based)\b[^,]*, ", re.I)
_MEANS = re.compile(r"\b(?:by|through|via|using) ")
_ANAPHORA = ("this ", "these ", "those ", "such ", "it ", "them ", "both ", "that ")

# --- method names ----------------------------------------------------------------------------
_WORD = r"[A-Za-z0-9][\w+'\-]*(?:\.\d[\w+\-]*|\.[A-Z][\w+\-]*)*\+*"
_NAME_PHRASE = rf"{_WORD}(?: (?:(?:for|of|and|with|in|on|the|to|via|from|a) )?[A-Z0-9][\w+'\-]*){{0,8}}"
_BRACKET = r"(?: ?\(([^()]{1,60})\))?"
# Both naming patterns start with a literal so that ``re`` can skip ahead quickly.
_NAMED = re.compile(r"ed (?:(?<=called |termed |coined |dubbed |enoted |[^a-z]named )(?:as |by )?|(?<=eferred )to as ),? ?")
_WE_NAME = re.compile(r"we (?:call|name|term|dub|refer to) (?:it|this|them|our [\w-]+(?: [\w-]+)?)(?: as)? ")
_APPOSITION = re.compile(r"(?:,? (?:called|named|dubbed|termed|coined|referred to as|denoted as),?|,(?: the| an?)?) ?$")
_NAME_AFTER_CUE = re.compile(rf"[:,]? ?(?:the )?[\"'“‘]?({_NAME_PHRASE})[\"'”’]?{_BRACKET}")
_FOLLOWS_NAME = r"(?=$|[,:;.—–(]| (?:-|a|an|the|to|that|which|for|as|is|with|in|on|by|from|via) )"
_NAME_AT_START = re.compile(rf"(?:(?:the|a|an) )?({_NAME_PHRASE})[\"'”’]?{_BRACKET}{_FOLLOWS_NAME}")
_METHOD_NOUNS = (
    r"(?:framework|model|method|approach|network|system|benchmark|dataset|module|architecture"
    r"|pipeline|agent|algorithm|strategy|paradigm|toolkit|library|platform|suite|corpus|technique"
    r"|scheme|mechanism|metric|loss|tool|family|series|encoder|decoder|transformer|detector)s?"
)
_NAME_BY_NOUN = re.compile(
    rf"(?:[\w-]+ ){{0,5}}?{_METHOD_NOUNS},? (?:(?:called|named|termed|dubbed) )?({_WORD}){_FOLLOWS_NAME}"
    rf"|({_WORD}) {_METHOD_NOUNS}\b"
)
_DEFINITION = re.compile(r"\(([A-Za-z0-9][\w+\-.]{0,30})\)(?! ?-?based)")
_OWNED = re.compile(rf"[Oo]ur (?:[a-z-]+ ){{0,3}}?(?:[a-z-]+, )?({_NAME_PHRASE}){_BRACKET}")
# Acronyms that name a field, a task or a model family, not a paper's own method.
_GENERIC_NAMES = frozenset(
    """AI ML DL RL NLP CV LLM MLLM VLM LVLM LM LRM GNN CNN RNN LSTM ViT GAN VAE SOTA 2D 3D
    4D GPU API IoT QA VQA MLP SSL GPT BERT CoT RAG MoE LoRA SFT DPO RLHF NeRF 3DGS SAM
    CLIP ASR TTS OCR LiDAR RGB RGB-D MRI CT PET EEG ECG UAV GPS VR AR XR KD OOD IID
    MDP POMDP SGD PDE ODE FL MARL DRL VLA SLM GRPO PPO DiT""".split()
)

# --- compression -----------------------------------------------------------------------------
_PARENTHETICAL = re.compile(r" ?\((?:[^()$]|\([^()$]*\))*\)")
_LEADING_FILLER = re.compile(
    r"(?:(?:here|also|further|first|then|instead|therefore|thus|hence|now)\b,? )*"
    r"(?:(?:a|an|the) )?(?:(?:novel|new|simple|yet|effective|efficient|and)\b,? )*"
)
_TO_VERB = re.compile(r"to ([a-z]+)\b|on ([a-z]+ing)\b")
_DANGLING_WORDS = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as
    that which whose who where when while its their our his her is are was were be
    being been using than then such both either this these those each per over
    under between among through whether if so vs versus""".split()
)
_TRAILING_PUNCTUATION = " ,;:-–—(/&+"


class _Cue(NamedTuple):
    start: int  # where the sentence (or its "we ..." clause) starts
    end: int  # end of the sentence
    kind: str  # one of _KINDS, or "passive"
    verb: str  # the matched verb stem
    secondary: bool  # "we further propose ...": usually a component, not the paper
    phrase: str  # what it says the paper offers, without "we propose" and filler words


def derive_headline(abstract: str, max_length: int = 80) -> str:
    """A readable headline of at most ``max_length`` characters for ``abstract``."""
    if max_length <= 0:
        return ""
    text = _clean(abstract[:_SCAN_LIMIT])
    headline = (_compose(text) or text) if text else ""
    # Only the start can show; control characters and runs of spaces are rare, so
    # they are removed from that start rather than from the whole abstract.
    overflow = len(headline) > 2 * max_length + 20
    if overflow:
        headline = headline[: 2 * max_length + 20]
    if not headline.isprintable() or "  " in headline:
        headline = " ".join(_CONTROL.sub(" ", headline).split())
    if not headline:  # nothing readable in the scanned prefix
        headline = " ".join(_CONTROL.sub(" ", abstract).split()[:20])
    return _fit(headline, max_length, overflow)


def _clean(text: str) -> str:
    if "\n" in text or "\r" in text or "\t" in text:
        text = " ".join(text.split())
    else:
        text = text.strip()
    if "\\" in text or "{" in text or "~" in text:
        changed = "$\\" in text
        parts = _MATH.split(_FORMATTED_WORD.sub(r"\1", text) if changed else text)
        for index in range(0, len(parts), 2):  # odd indexes hold $...$, kept as written
            part = parts[index]
            if "\\" in part:
                part = _LATEX_DROPPED.sub("", part)
                for _ in range(3):  # nested wrappers such as \emph{\textbf{x}}
                    part = _LATEX_WRAPPER.sub(r"\1", part)
                part = _LATEX_ESCAPED.sub(r"\1", part)
            if "\\" in part or "{" in part or "}" in part or "~(" in part:
                # "learning~(SSL)": a LaTeX tie is a space.
                part = _LATEX_LEFTOVER.sub("", part).replace("~(", " (")
            if part is not parts[index]:
                parts[index], changed = part, True
        if changed:  # double spaces left behind are collapsed in the headline
            text = "".join(parts).strip()
    return text


def _compose(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (İ) grow when lowercased
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    strong, weak = _find_cues(text, lowered)
    definitions: dict[str, int] = {}  # "(RC-MAE)" -> where its bracket opens
    for bracket in _DEFINITION.finditer(text):
        definitions.setdefault(bracket.group(1), bracket.start())
    name, long_form, home = _method_name(text, lowered, strong, weak, definitions)
    description = _describe(text, home or (strong[0] if strong else weak))
    description = _spell_out(text, description, name, definitions)
    if not name:
        return description[:1].upper() + description[1:]
    for mention in (long_form, name) if long_form else (name,):
        cut = description.find(mention)
        # An appositive name goes: "StyleTalker, a novel ..." -> "StyleTalker: novel ...",
        # "a framework called MSRL, where ..." -> "MSRL: framework, where ..."
        tail = _APPOSITION.search(description, max(0, cut - 30), cut) if cut > 0 else None
        if cut == 0 or tail:
            before = description[: tail.start()] if tail else ""
            description = (before + description[cut + len(mention) :]).strip(" ,;:")
            description = description[_LEADING_FILLER.match(description).end() :]
            break
    if long_form and long_form.lower() not in description.lower():
        description = f"{long_form}, {description}" if description else long_form
    return f"{name}: {description}" if description else name


def _find_cues(text: str, lowered: str) -> tuple[list[_Cue], _Cue | None]:
    """Up to three sentences stating a contribution ("we propose ..."), and the first weaker cue."""
    hits = []
    has_strong = False
    for pattern in (_WE_CUE, _PAPER_CUE):
        for match in pattern.finditer(lowered):
            start = match.start()
            if not (start and lowered[start - 1].isalpha()):
                group = match.lastindex or 1
                has_strong = has_strong or group == 1
                secondary = group == 1 and ("also" in match.group(0) or "further" in match.group(0))
                hits.append((start, match.end(), _KINDS[group - 1], match.group(group), secondary))
        if has_strong:
            break  # rarer phrasings are looked for only when needed
    else:
        match = _BY_CUE.search(lowered)
        if match:
            hits.append((match.start(), match.end(), "strong", "", False))
        for verb in _PASSIVE_VERBS:
            found = lowered.find(verb)
            if found > 0 and lowered.endswith((" is", " are", " was", " were"), 0, found):
                hits.append((found, found + len(verb), "passive", "", False))
    strong: list[_Cue] = []
    weak = None
    for start, object_start, kind, verb, secondary in sorted(hits):
        if kind in ("strong", "passive"):
            if not strong or start >= strong[-1].end:  # one cue per sentence
                strong.append(_make_cue(text, start, object_start, kind, verb, secondary))
                if len(strong) == 3:
                    break
        elif weak is None:
            weak = (start, object_start, kind, verb, False)
    return strong, (None if strong or weak is None else _make_cue(text, *weak))


def _make_cue(text: str, start: int, object_start: int, kind: str, verb: str, secondary: bool) -> _Cue:
    end = _sentence_end(text, object_start)
    if kind == "passive":  # "To this end, a new framework, X, is proposed" -> its subject
        start = _sentence_start(text, start)
        phrase = text[start:object_start].rsplit(" ", 2)[0]
        purpose = _PURPOSE.match(phrase)
        phrase = phrase[purpose.end() :] if purpose else phrase
    else:
        phrase = text[object_start : min(end, object_start + _PHRASE_LIMIT)].lstrip(" ,:")
        phrase = phrase[5:] if phrase.startswith("that ") else phrase
    return _Cue(start, end, kind, verb, secondary, phrase[_LEADING_FILLER.match(phrase).end() :])


def _is_sentence_break(text: str, dot: int) -> bool:
    word = text[text.rfind(" ", 0, dot) + 1 : dot]
    # "e.g.", "et al.", "Fig.", and initials such as "A. Smith" or "U.S."
    return not (word.lower() in _ABBREVIATIONS or "." in word or (len(word) == 1 and word.isupper()))


def _sentence_end(text: str, position: int) -> int:
    match = _SENTENCE_BREAK.search(text, position)
    while match and not _is_sentence_break(text, match.start()):
        match = _SENTENCE_BREAK.search(text, match.end())
    return match.start() + 1 if match else len(text)


def _sentence_start(text: str, position: int) -> int:
    end = position
    while end > 0:
        dot = max(text.rfind(". ", 0, end), text.rfind("? ", 0, end), text.rfind("! ", 0, end))
        if dot < 0:
            return 0
        if _SENTENCE_BREAK.match(text, dot) and _is_sentence_break(text, dot):
            return dot + 2
        end = dot
    return 0


def _describe(text: str, cue: _Cue | None) -> str:
    phrase = cue.phrase if cue else ""
    if cue and cue.kind == "problem":  # "we address this gap by mining ..." -> "mining ..."
        means = _MEANS.search(phrase)
        phrase = phrase[means.end() :] if means and phrase.startswith(_ANAPHORA) else phrase
    if cue and cue.kind in _KINDS[1:] and phrase.startswith(_ANAPHORA):
        phrase = ""  # "we evaluate this skill ..." means nothing on its own
    elif cue and cue.kind == "gerund":
        phrase = f"{_GERUNDS.get(cue.verb, cue.verb.capitalize() + 'ing')} {phrase}"
    to_verb = _TO_VERB.match(phrase) if phrase[:3] in ("to ", "on ") else None
    if to_verb:  # "we propose to learn ..." -> "Learning ..."
        phrase = _gerund(to_verb.group(1) or to_verb.group(2)) + phrase[to_verb.end() :]
    if not phrase:
        phrase = text[: min(_sentence_end(text, 0), _PHRASE_LIMIT)]
    if "(" in phrase:
        phrase = _PARENTHETICAL.sub("", phrase)
    return phrase.strip(" ,;:.")


def _gerund(verb: str) -> str:
    if verb.endswith("ing"):
        return verb
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def _spell_out(text: str, description: str, name: str, definitions: dict[str, int]) -> str:
    """Replace acronyms the abstract defines ("LLMs") by their words ("Large Language Models")."""
    head = description[:100]
    if head[1:].islower():
        return description  # no capitals, so no acronyms
    for acronym, bracket in definitions.items():
        if acronym == name or acronym[1:].islower() or not acronym[0].isupper():
            continue
        for word in (acronym + "s", acronym):  # "LLMs" defined as "(LLM)"
            start = _word_at(head, word) if word in head else -1
            if start >= 0:
                long_form = _long_form(acronym, text[:bracket])
                if long_form:
                    description = description[:start] + long_form + description[start + len(word) :]
                    head = description[:100]
                break
    return description


def _method_name(
    text: str, lowered: str, strong: list[_Cue], weak: _Cue | None, definitions: dict[str, int]
) -> tuple[str, str, _Cue | None]:
    """The paper's own method name, its spelled-out form and the cue that proposed it."""
    found: dict[str, list] = {}  # name -> [bonus, long form, cue, order]

    def add(name: str, long_form: str, cue: _Cue | None, bonus: int, multiword: bool = False) -> str:
        name = name.strip(" .'\"’”")
        if not (_is_name_like(name) or (multiword and " " in name and len(name) <= 60)):
            return ""
        entry = found.setdefault(name, [bonus, long_form, cue, len(found)])
        if bonus > entry[0]:
            entry[0], entry[2] = bonus, cue or entry[2]
        entry[1] = entry[1] or long_form
        return name

    for cue in strong:
        phrase, bonus = cue.phrase, 3 if cue.secondary else 4
        if phrase[:80].islower():
            continue  # no capital, so no name; "iPhone" and "gpuRDF2vec" still have one
        named = None if phrase[: phrase.find(" ")].islower() else _NAME_AT_START.match(phrase)
        # A multi-word name needs a bracket or an appositive: "the Stable Artist, an ..."
        if named and (" " not in named.group(1) or named.group(2) or phrase[named.end() : named.end() + 1] in ",:—–"):
            if _add_phrase(add, named.group(1), named.group(2), cue, bonus):
                continue
        by_noun = _NAME_BY_NOUN.match(phrase)
        if by_noun and add(by_noun.group(1) or by_noun.group(2), "", cue, bonus):
            continue
        for bracket in _DEFINITION.finditer(phrase, 0, 160):
            # The method heads the object: "a novel Contrastive Complementary Labeling (CCL) method"
            early = bracket.group(1)[:1].lower() == phrase[:1].lower() and bracket.start() < 100
            if add(bracket.group(1), "", cue, bonus - 1 if early else 1) and early:
                break
    if not any(entry[0] >= 4 for entry in found.values()):
        _more_names(text, lowered, strong, weak, definitions, add)
    best = None  # the most often mentioned name wins; a proposed one gets a head start
    for name, (bonus, long_form, cue, order) in sorted(found.items(), key=lambda item: -item[1][0]):
        if bonus + 6 < (best[0][0] if best else 5):
            continue  # cannot win whatever its mentions
        score = (bonus + 2 * min(_mentions(text, name), 3), -order)
        if best is None or score > best[0]:
            best = (score, name, long_form, cue)
    if best is None or best[0][0] < 5:
        return "", "", None
    _, name, long_form, cue = best
    if not long_form and name in definitions:
        long_form = _long_form(name, text[: definitions[name]])
    return name, long_form, cue


def _more_names(text: str, lowered: str, strong: list[_Cue], weak: _Cue | None, definitions, add) -> None:
    """Names given outside the contribution's object: "called MSRL", "our model, X (ADLM)"."""
    claims_start = strong[0].start if strong else weak.start if weak else len(text)
    naming_start = max(0, claims_start - 200)
    for cue in (*_NAMED.finditer(lowered, naming_start), *_WE_NAME.finditer(lowered, naming_start)):
        if lowered[max(0, cue.start() - 7) : cue.start()] == "so-call":
            continue
        home = next((c for c in strong if c.start <= cue.start() < c.end), None)
        # "as Uncertainty-Aware Graph network for object DETection (UAGDet)"
        window = text[cue.end() : cue.end() + 120]
        bracket = _DEFINITION.search(window)
        if bracket and not any(mark in window[: bracket.start()] for mark in ",;."):
            add(bracket.group(1), _long_form(bracket.group(1), window[: bracket.start()]), home, 4)
        else:
            named = _NAME_AFTER_CUE.match(text, cue.end())
            if named:
                _add_phrase(add, named.group(1), named.group(2), home, 4)
    # Acronyms defined before the contribution usually name the background.
    for acronym, bracket in definitions.items():
        if bracket >= claims_start:
            add(acronym, "", None, 1 if acronym.isupper() else 2)
    position = lowered.find("our ", claims_start)  # "our model, Attribute-Discriminative Language Model (ADLM)"
    while position >= 0:
        if not (position and lowered[position - 1].isalpha()):
            match = _OWNED.match(text, position)
            if match:
                _add_phrase(add, match.group(1), match.group(2), None, 3)
        position = lowered.find("our ", position + 4)


def _add_phrase(add, phrase: str, bracketed: str | None, cue: _Cue | None, bonus: int) -> str:
    """Record "Soft-SubNetworks (SoftNet)" as SoftNet, spelled out."""
    phrase = phrase.strip()
    name = bracketed and add(bracketed, _long_form(bracketed, phrase) or phrase, cue, bonus)
    if name:
        return name
    if bracketed and " " in bracketed and _long_form(phrase, bracketed) == bracketed:
        return add(phrase, bracketed, cue, bonus)  # "CUB (Context Utilisation Benchmark)"
    return add(phrase, "", cue, bonus, multiword=phrase[:1].isupper())  # "the Stable Artist, an"


def _word_at(text: str, word: str, start: int = 0) -> int:
    """Where ``word`` first occurs as a whole word (not inside "RC-MAE" for "MAE"), or -1."""
    position = text.find(word, start)
    while position >= 0:
        end = position + len(word)
        before = text[position - 1] if position else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before == "-" or after.isalnum() or after == "-"):
            return position
        position = text.find(word, end)
    return -1


def _mentions(text: str, name: str) -> int:
    count, position = 0, _word_at(text, name)
    while position >= 0:
        count += 1
        position = _word_at(text, name, position + len(name))
    return count


def _is_name_like(word: str) -> bool:
    """CamelCase, an acronym, or capitals with digits; not a generic or plural acronym."""
    if not 2 <= len(word) <= 40 or word in _GENERIC_NAMES or " " in word:
        return False
    lowered = word.lower()
    if word[-1] == "s" and (word[:-1].isupper() or word[:-1] in _GENERIC_NAMES):
        return False  # "LLMs", "DGMs": a class of models
    if lowered.endswith(("-based", "-like", "-aware", "-guided", "-driven", "-level", "-free")):
        return False
    if word[1:] != lowered[1:]:  # a capital after the first letter: SoftNet, RC-MAE, iPhone
        return True
    return word[0].isupper() and not word.isalpha() and lowered != word.upper()


def _long_form(acronym: str, before: str) -> str:
    """Spelled-out form ending ``before`` for ``acronym`` (after Schwartz and Hearst)."""
    letters = [char for char in acronym.lower() if char.isalnum()]
    if not letters:
        return ""
    words = before[-250:].rstrip().split(" ")[-min(len(letters) + 5, 2 * len(letters)) :]
    candidate = " ".join(words)
    lowered = candidate.lower()
    position = len(candidate)
    for letter in reversed(letters[1:]):  # right to left; the first letter must start a word
        position = lowered.rfind(letter, 0, position)
        if position < 0:
            return ""
    position = lowered.rfind(letters[0], 0, position)
    while position > 0 and candidate[position - 1].isalnum():
        position = lowered.rfind(letters[0], 0, position)
    if position < 0:
        return ""
    long_form = candidate[candidate.rfind(" ", 0, position + 1) + 1 :].strip(" ,;:")
    return long_form if " " in long_form or "-" in long_form else ""


def _fit(text: str, max_length: int, overflow: bool = False) -> str:
    """Cut at a word boundary, dropping dangling small words; mark the cut with an ellipsis."""
    if len(text) <= max_length and not overflow:
        return text
    budget = max_length - len(ELLIPSIS)
    if budget <= 0:
        return ELLIPSIS[:max_length]
    if len(text) <= budget:  # already cut before its whitespace was collapsed
        return text + ELLIPSIS
    head = text[: budget + 1]
    cut = head.rfind(" ")
    head = head[:cut] if cut > budget // 3 else head[:budget]
    words = head.split(" ")
    while len(words) > 1 and (
        words[-1].lower().strip(_TRAILING_PUNCTUATION) in _DANGLING_WORDS
        or not words[-1].strip(_TRAILING_PUNCTUATION)
    ):
        words.pop()
    head = " ".join(words).rstrip(_TRAILING_PUNCTUATION)
    if head.count("(") > head.count(")"):
        head = head[: head.rfind("(")].rstrip(_TRAILING_PUNCTUATION) or head
    return (head or text[:budget]) + ELLIPSIS
