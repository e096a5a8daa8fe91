"""Short readable headlines for abstracts, which arrive without titles.

A headline says what the paper is about. When the abstract names its method
("we propose StyleTalker, a ...", "... (RC-MAE)", "called MSRL") the headline
leads with that name, then a colon and a compressed description. Otherwise it
is the compressed object of the sentence that states the contribution ("we
introduce a novel approach for ..."), or else the first sentence.

It runs on every imported abstract, so it is built for speed: regexes are
precompiled and linear, most start with a literal (which ``re`` scans for
quickly), and sentences are located around the cues instead of all split.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["derive_headline"]

ELLIPSIS = "…"
# Real abstracts are under 4,000 characters and state their contribution early;
# a hostile megabyte input is cut before any regex sees it.
_SCAN_LIMIT = 6000

# --- cleaning ---------------------------------------------------------------------
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|[\x00-\x1f\x7f-\x9f]")
_MATH = re.compile(r"(\$[^$]*\$)")
_FORMATTED_WORD = re.compile(r"\$\\(?:text\w*|math(?:rm|bf|it|sf|tt)|emph)\{([\w\- ]+)\}\$")
_LATEX_DROPPED = re.compile(r"\\(?:cite\w*|ref|eqref|label|footnote|url|href)\s*\{[^{}]*\}")
_LATEX_WRAPPER = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}]*)\}")
_LATEX_LEFTOVER = re.compile(r"\\[A-Za-z]+\*?|[{}]")
_LATEX_ESCAPED = re.compile(r"\\([%&#_$])")
_LATEX_TIE = re.compile(r"(?<=\w)~(?=[(\[])")

# --- contribution cues, matched on the lowercased text ------------------------------
_ADVERBS = r"(?:(?:[a-z]+ly|also|further|then|first|thus|hence|therefore|here|now|instead),? ){0,2}"
_CUE_TAIL = (
    rf"{_ADVERBS}(?:(propos|present|introduc|develop|design|devis|buil|construct|formulat"
    r"|put forward|releas|creat|curat|establish)|(stud|investigat|explor|examin|analy[sz]"
    r"|address|tackl|revisit|consider|evaluat|benchmark|conduct|perform|provid|report"
    r"|describ|focus|aim|seek|extend|characteri[sz]|assess|compar|quantif|offer"
    r"|show|demonstrat|find|found|prov|argu|reveal|observ))[a-z]*"
)
_WE_CUE = re.compile(rf"we,? {_CUE_TAIL}")
_PAPER_CUE = re.compile(rf"this (?:paper|work|study|article|letter|thesis|report) {_CUE_TAIL}")
_BY_CUE = re.compile(r"by (?:introduc|propos|present|develop|design)ing")
_PASSIVE_CUE = re.compile(r" (?:is|are|was|were) (?:propos|present|introduc|develop)ed\b")
_SENTENCE_BREAK = re.compile(r"[.!?] (?=[A-Z0-9\"'“(\[$\\])")
_ABBREVIATIONS = ("e.g.", "i.e.", " al.", " vs.", "fig.", " eq.", " cf.", "resp.", "approx.")

# --- method names -------------------------------------------------------------------
_WORD = r"[A-Za-z0-9][\w+'\-]*(?:\.\d[\w+\-]*|\.[A-Z][\w+\-]*)*\+*"
_NAME_PHRASE = rf"(?:[A-Z0-9][\w+'\-]*|{_WORD})(?: (?:(?:for|of|and|with|in|on|the|to|via|from|a) )?[A-Z0-9][\w+'\-]*){{0,8}}"
_NAMING_CUE = re.compile(
    r"(?:refer to|we call|we name|we term) (?:it|this|them|our [\w-]+(?: [\w-]+)?)(?: as)? "
    r"|(?:called|named|dubbed|termed|coined|denoted as|referred to as),? "
)
_NAMING_LITERALS = ("called ", "named ", "dubbed ", "termed ", "coined ", "denoted as ",
                    "referred to as ", "refer to ", "we call ", "we name ", "we term ")
_NAMING_TAIL = re.compile(r",? ?(?:called|named|dubbed|termed|coined|referred to as|denoted as),? ?$")
_NAME_AFTER_CUE = re.compile(rf"[:,]? ?(?:the )?[\"'“‘]?({_NAME_PHRASE})[\"'”’]?(?: \(([^()]{{1,60}})\))?")
_FOLLOWS_NAME = r"(?=$|[,:;.—–(]| (?:-|a|an|the|to|that|which|for|as|is|with|in|on|by|from|via) )"
_NAME_AT_START = re.compile(rf"(?:(?:the|a|an) )?({_NAME_PHRASE})[\"'”’]?(?: ?\(([^()]{{1,60}})\))?{_FOLLOWS_NAME}")
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
_OWNED = re.compile(rf"[Oo]ur (?:[a-z-]+ ){{0,3}}?(?:[a-z-]+, )?({_NAME_PHRASE})(?: ?\(([^()]{{1,60}})\))?")
_SUBJECT_VERB = re.compile(
    r"'?s? (?:[a-z]+ly |also |further )?(?:achieves|outperforms|surpasses|improves|reduces|yields"
    r"|attains|delivers|enables|exhibits|demonstrates|shows|sets|establishes|learns|generates"
    r"|employs|leverages|uses|consists|comprises|combines|integrates|is|can|not|effectively)\b"
)
# Acronyms that name a field, a task or a model family, not a paper's own method.
_GENERIC_NAMES = frozenset(
    """AI ML DL RL NLP CV LLM MLLM VLM LVLM LM LRM GNN CNN RNN LSTM ViT GAN VAE SOTA 2D 3D
    4D GPU API IoT QA VQA MLP SSL GPT BERT CoT RAG MoE LoRA SFT DPO RLHF NeRF 3DGS SAM
    CLIP ASR TTS OCR LiDAR RGB RGB-D MRI CT PET EEG ECG UAV GPS VR AR XR KD OOD IID
    MDP POMDP SGD PDE ODE FL MARL DRL VLA SLM GRPO PPO DiT""".split()
)

# --- compression ----------------------------------------------------------------------
_PARENTHETICAL = re.compile(r" ?\((?:[^()$]|\([^()$]*\))*\)")
_LEADING_FILLER = re.compile(
    r"(?:(?:here|also|further|first|then|instead|therefore|thus|hence|now)\b,? )*"
    r"(?:(?:a|an|the) )?(?:(?:novel|new|simple|yet|effective|efficient|and)\b,? )*"
)
_TO_VERB = re.compile(r"to ([a-z]+)\b")
_THAT = re.compile(r"that ")
_DANGLING_WORDS = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as
    that which whose who where when while its their our his her is are was were be
    being been using than then such both either this these those each per over
    under between among through whether if so vs versus""".split()
)
_TRAILING_PUNCTUATION = " ,;:-–—(/&+"


class _Cue(NamedTuple):
    sentence_start: int
    object_start: int
    sentence_end: int
    kind: str  # "strong", "weak" or "passive"
    secondary: bool  # "we further propose ...": usually a component, not the paper


def derive_headline(abstract: str, max_length: int = 80) -> str:
    """A readable headline of at most ``max_length`` characters for ``abstract``."""
    if max_length <= 0:
        return ""
    text = _clean(abstract[:_SCAN_LIMIT])
    if not text:  # nothing readable in the scanned prefix
        text = " ".join(_CONTROL.sub(" ", abstract).split()[:20])
        if not text:
            return ""
    return _fit(_compose(text) or text, max_length)


def _clean(text: str) -> str:
    if not text.isprintable() or "  " in text:
        text = " ".join(_CONTROL.sub(" ", text).split())
    else:
        text = text.strip()
    if "\\" in text or "{" in text or "~" in text:
        parts = _MATH.split(_FORMATTED_WORD.sub(r"\1", text))
        for index in range(0, len(parts), 2):  # odd indexes hold $...$, kept as written
            part = _LATEX_DROPPED.sub("", parts[index])
            for _ in range(3):  # nested wrappers such as \emph{\textbf{x}}
                part = _LATEX_WRAPPER.sub(r"\1", part)
            part = _LATEX_ESCAPED.sub(r"\1", part)
            parts[index] = _LATEX_TIE.sub(" ", _LATEX_LEFTOVER.sub("", part))
        text = " ".join("".join(parts).split())
    return text


def _compose(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (İ) grow when lowercased
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    strong, weak = _find_cues(text, lowered)
    name, long_form, home = _method_name(text, lowered, strong)
    description = _describe(text, home or (strong[0] if strong else weak))
    if name:
        description = _without_name(description, name, long_form)
        if long_form and long_form.lower() not in description.lower():
            description = f"{long_form}, {description}" if description else long_form
        return f"{name}: {description}" if description else name
    return description[:1].upper() + description[1:]


def _find_cues(text: str, lowered: str) -> tuple[list[_Cue], _Cue | None]:
    """Sentences stating a contribution ("we propose ..."), in order, and the first weaker one."""
    hits = []
    for pattern in (_WE_CUE, _PAPER_CUE):
        for match in pattern.finditer(lowered):
            start = match.start()
            if not (start and lowered[start - 1].isalpha()):
                secondary = any(word in match.group(0) for word in ("also", "further", "additionally"))
                hits.append((start, match.end(), "strong" if match.group(1) else "weak", secondary))
    for pattern, kind in ((_BY_CUE, "strong"), (_PASSIVE_CUE, "passive")):
        match = pattern.search(lowered)
        if match:
            hits.append((match.start(), match.end(), kind, False))
    strong: list[_Cue] = []
    first_weak = None
    for start, end, kind, secondary in sorted(hits):
        if kind == "weak":
            first_weak = first_weak or (start, end)
        elif not strong or start >= strong[-1].sentence_end:  # one cue per sentence
            sentence_start = _sentence_start(text, start) if kind == "passive" else start
            strong.append(_Cue(sentence_start, end, _sentence_end(text, end), kind, secondary))
            if len(strong) == 4:
                break
    if strong or first_weak is None:
        return strong, None
    start, end = first_weak
    return strong, _Cue(start, end, _sentence_end(text, end), "weak", False)


def _is_sentence_break(text: str, dot: int) -> bool:
    if text[max(0, dot - 6) : dot + 1].lower().endswith(_ABBREVIATIONS):
        return False
    # "A. Smith", "U.S.": a lone capital before the dot is an initial.
    return not (dot >= 1 and text[dot - 1].isupper() and (dot == 1 or not text[dot - 2].isalpha()))


def _sentence_end(text: str, position: int) -> int:
    for match in _SENTENCE_BREAK.finditer(text, position):
        if _is_sentence_break(text, match.start()):
            return match.start() + 1
    return len(text)


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


def _object_of(text: str, cue: _Cue) -> str:
    """The contribution with "we propose" and filler words removed."""
    if cue.kind == "passive":  # "A new framework, X, is proposed ..." -> its subject
        phrase = text[cue.sentence_start : cue.object_start].rsplit(" ", 2)[0]
        if phrase[:3].lower() in ("in ", "her") and ", " in phrase:
            phrase = phrase.split(", ", 1)[1]
    else:
        phrase = text[cue.object_start : cue.sentence_end].lstrip(" ,:")
        that = _THAT.match(phrase)
        if that:
            phrase = phrase[that.end() :]
    return phrase[_LEADING_FILLER.match(phrase).end() :]


def _describe(text: str, cue: _Cue | None) -> str:
    if cue is None:
        phrase = text[: _sentence_end(text, 0)]
    else:
        phrase = _object_of(text, cue)
        to_verb = _TO_VERB.match(phrase)
        if to_verb:  # "we propose to learn ..." -> "Learning ..."
            phrase = _gerund(to_verb.group(1)) + phrase[to_verb.end() :]
    if "(" in phrase:
        phrase = _PARENTHETICAL.sub("", phrase)
    return phrase.strip(" ,;:.")


def _gerund(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def _method_name(text: str, lowered: str, strong: list[_Cue]) -> tuple[str, str, _Cue | None]:
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

    for literal in _NAMING_LITERALS:
        position = lowered.find(literal)
        while position >= 0:
            cue = _NAMING_CUE.match(lowered, position)
            if cue and lowered[max(0, position - 3) : position] != "so-":
                home = next((c for c in strong if c.sentence_start <= position < c.sentence_end), None)
                named = _NAME_AFTER_CUE.match(text, cue.end())
                # "as Uncertainty-Aware Graph network for object DETection (UAGDet)"
                window = text[cue.end() : cue.end() + 120]
                bracket = _DEFINITION.search(window)
                if bracket and not any(mark in window[: bracket.start()] for mark in ",;."):
                    acronym = bracket.group(1)
                    add(acronym, _long_form(acronym, window[: bracket.start()]), home, 4)
                elif named:
                    _add_phrase(add, named.group(1), named.group(2), home, 4)
            position = lowered.find(literal, position + len(literal))
    for cue in strong:
        phrase = _object_of(text, cue)
        bonus = 3 if cue.secondary else 4
        named = _NAME_AT_START.match(phrase)
        # A multi-word name needs a bracket or an appositive: "the Stable Artist, an ..."
        if named and (" " not in named.group(1) or named.group(2) or phrase[named.end() : named.end() + 1] in ",:—–"):
            if _add_phrase(add, named.group(1), named.group(2), cue, bonus):
                continue
        by_noun = _NAME_BY_NOUN.match(phrase)
        if by_noun and add(by_noun.group(1) or by_noun.group(2), "", cue, bonus):
            continue
        for bracket in _DEFINITION.finditer(phrase):
            acronym = bracket.group(1)
            long_form = _long_form(acronym, phrase[: bracket.start()])
            # The method is the head of the object: its long form opens the phrase.
            early = long_form and phrase.find(long_form) < 12
            if add(acronym, long_form, cue, bonus - 1 if early else 1) and early:
                break
    # Acronyms defined before the contribution usually name the background.
    for bracket in _DEFINITION.finditer(text, strong[0].sentence_start if strong else len(text)):
        add(bracket.group(1), "", None, 1 if bracket.group(1).isupper() else 2)
    owned = set()
    position = lowered.find("our ")
    while position >= 0:
        match = _OWNED.match(text, position) if position == 0 or not lowered[position - 1].isalpha() else None
        if match:
            owned.add(_add_phrase(add, match.group(1), match.group(2), None, 0))
        position = lowered.find("our ", position + 4)

    best = None
    for name, (bonus, long_form, cue, order) in found.items():
        count, as_subject = _mentions(text, name)
        score = (bonus + 2 * min(count, 3) + 2 * as_subject + 2 * (name in owned), -order)
        if best is None or score > best[0]:
            best = (score, name, long_form, cue)
    if best is None or best[0][0] < 5:
        return "", "", None
    _, name, long_form, cue = best
    if not long_form:
        bracket = text.find(f"({name})")
        if bracket > 0:
            long_form = _long_form(name, text[:bracket])
    return name, long_form, cue


def _add_phrase(add, phrase: str, bracketed: str | None, cue: _Cue | None, bonus: int) -> str:
    """Record "Soft-SubNetworks (SoftNet)" as SoftNet, spelled out."""
    phrase = phrase.strip()
    name = bracketed and add(bracketed, _long_form(bracketed, phrase) or phrase, cue, bonus)
    if name:
        return name
    if bracketed and " " in bracketed and _long_form(phrase, bracketed) == bracketed:
        return add(phrase, bracketed, cue, bonus)  # "CUB (Context Utilisation Benchmark)"
    return add(phrase, "", cue, bonus, multiword=phrase[:1].isupper())  # "the Stable Artist, an"


def _mentions(text: str, name: str) -> tuple[int, bool]:
    """How often ``name`` occurs as a whole word, and whether it is ever a sentence's subject."""
    count, as_subject = 0, False
    position = text.find(name)
    while position >= 0:
        end = position + len(name)
        if (position == 0 or not (text[position - 1].isalnum() or text[position - 1] == "-")) and (
            end == len(text) or not (text[end].isalnum() or text[end] == "-")
        ):
            count += 1
            as_subject = as_subject or _SUBJECT_VERB.match(text, end) is not None
        position = text.find(name, end)
    return count, as_subject


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
    """Spelled-out form ending ``before`` for ``acronym`` (Schwartz & Hearst's algorithm)."""
    letters = [char.lower() for char in acronym if char.isalnum()]
    words = before.rstrip().split(" ")[-min(len(letters) + 5, 2 * len(letters)) :]
    candidate = " ".join(words)
    position = len(candidate) - 1
    for index in range(len(letters) - 1, -1, -1):
        while position >= 0 and (
            candidate[position].lower() != letters[index]
            or (index == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return ""
        position -= 1
    long_form = candidate[candidate.rfind(" ", 0, position + 1) + 1 :].strip(" ,;:")
    return long_form if " " in long_form or "-" in long_form else ""


def _without_name(description: str, name: str, long_form: str) -> str:
    for mention in (f"{long_form} ({name})", long_form, name) if long_form else (name,):
        index = description.find(mention) if mention else -1
        if index >= 0:
            before = _NAMING_TAIL.sub("", description[:index])
            description = before + description[index + len(mention) :]
            break
    description = " ".join(description.split()).strip(" ,;:")
    return description[_LEADING_FILLER.match(description).end() :].strip(" ,;:")


def _fit(text: str, max_length: int) -> str:
    """Cut at a word boundary, dropping dangling small words; mark the cut with an ellipsis."""
    if len(text) <= max_length:
        return text
    budget = max_length - len(ELLIPSIS)
    if budget <= 0:
        return ELLIPSIS[:max_length]
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
