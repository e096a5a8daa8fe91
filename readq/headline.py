"""Short readable headlines for abstracts, which arrive without titles.

A headline says what the paper is about. When the abstract names its method
("we propose StyleTalker, a ...", "... (RC-MAE)", "called MSRL") the headline
leads with that name, then a colon and a compressed description. Otherwise it
is the compressed object of the sentence that states the contribution ("we
introduce a novel approach for ..."), or the first sentence.

Pure and fast: every regex is precompiled and linear, and only a bounded
prefix of the abstract is scanned.
"""

from __future__ import annotations

import re

__all__ = ["derive_headline"]

ELLIPSIS = "…"
# Abstracts are at most a few thousand characters; the contribution is stated
# near the start, so hostile megabyte inputs are cut before any regex runs.
_SCAN_LIMIT = 8000

# --- cleaning ---------------------------------------------------------------
_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LATEX_DROPPED = re.compile(r"\\(?:cite\w*|ref|eqref|label|footnote)\s*\{[^{}$]*\}")
_LATEX_WRAPPER = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}$]*)\}")
_LATEX_ESCAPED = re.compile(r"\\([%&#_$])")
_LATEX_TIE = re.compile(r"(?<=\w)~(?=[(\[\\])")
_MATH = re.compile(r"(\$[^$]*\$)")

# --- sentences and cues -----------------------------------------------------
_SENTENCE_END = re.compile(
    r"(?<!\be\.g)(?<!\bi\.e)(?<!\bal)(?<!\bvs)(?<!\bFig)(?<!\bEq)(?<![ .][A-Z])"
    r"[.!?]\s+(?=[A-Z0-9\"'(\[$\\])"
)
_SUBJECT = (
    r"(?:\bwe|\b(?:this|the present|our) (?:paper|work|study|article|letter|report|thesis))"
    r",?\s+(?:(?:[a-z]+ly|also|further|then|first|thus|hence|therefore|here|now|instead"
    r"|additionally|finally)\s+){0,2}"
)
_STRONG_CUE = re.compile(
    _SUBJECT + r"(?:propose|present|introduce|develop|design|devise|build|construct"
    r"|formulate|put forward|offer|release|contribute|create|curate|establish)s?\b"
    r"|\b(?:is|are) (?:proposed|presented|introduced|developed|designed)\b",
    re.IGNORECASE,
)
_WEAK_CUE = re.compile(
    _SUBJECT + r"(?:stud(?:y|ies)|investigate|explore|examine|analy[sz]e|address|tackle"
    r"|revisit|consider|evaluate|benchmark|conduct|perform|provide|report|describe"
    r"|focus on|aim to|seek to|extend|show|demonstrate|find|prove|argue|reveal|observe)s?\b",
    re.IGNORECASE,
)
_CLAIM_VERBS = frozenset("show demonstrate find prove argue reveal observe establish".split())

# --- method names -----------------------------------------------------------
_NAME_WORD = r"[A-Za-z0-9][\w+'.\-]*[\w+]|[A-Z]"
_CAPITALISED_PHRASE = (
    r"[A-Z0-9][\w+\-]*(?:\s+(?:(?:for|of|and|with|in|on|the|to|via|from|a)\s+)?[A-Z0-9][\w+\-]*){0,8}"
)
_NAMING_CUE = re.compile(
    r"(?<!so-)\b(?:called|named|dubbed|termed|coined|denoted as|referred to as"
    r"|refer to (?:it|this|them|our [\w-]+(?: [\w-]+)?) as|we call (?:it|this|our [\w-]+(?: [\w-]+)?)"
    r"|we name (?:it|this|our [\w-]+))\s*[:,]?\s*(?:the\s+)?[\"'“‘]?"
    r"(" + _CAPITALISED_PHRASE + r")(?:\s*\(([^()]{1,40})\))?"
)
_PROPOSED_NAME = re.compile(
    r"^\s*(?:the\s+)?(" + _CAPITALISED_PHRASE + r")(?:\s*\(([^()]{1,40})\))?\s*(?=[,:—–(]|\s-\s)"
)
_ACRONYM_DEFINITION = re.compile(r"\(([A-Za-z0-9][\w+\-.]{0,30})\)(?!\s*-?based)")
_OWNED_NAME = re.compile(
    r"\b(?:our|the proposed)\s+(" + _NAME_WORD + r")"
    r"|(?<![\w-])(" + _NAME_WORD + r")\s+(?:achieves|outperforms|surpasses|attains|yields"
    r"|consistently|significantly|substantially|sets|establishes|delivers|improves)\b"
)
# Acronyms that name a field or a model family, not the paper's own method.
_GENERIC_NAMES = frozenset(
    """AI ML DL RL NLP CV LLM LLMs MLLM MLLMs VLM VLMs LVLM LVLMs LM LMs GNN GNNs CNN
    CNNs RNN RNNs LSTM ViT ViTs GAN GANs VAE VAEs SOTA 2D 3D 4D GPU GPUs API APIs IoT
    QA VQA MLP MLPs SSL GPT BERT CoT RAG MoE LoRA SFT DPO RLHF NeRF 3DGS SAM CLIP""".split()
)

# --- compression --------------------------------------------------------------
_PARENTHETICAL = re.compile(r"\s*\((?:[^()$]|\([^()$]*\))*\)")
_LEADING_FILLER = re.compile(
    r"^(?:(?:here|also|further|first|then|instead|therefore|thus|hence|now),?\s+)*"
    r"(?:(?:a|an|the)\s+)?(?:(?:novel|new|simple|yet|effective|efficient|and|,)\s+)*",
    re.IGNORECASE,
)
_TO_VERB = re.compile(r"^to\s+([a-z]+)\b")
_THAT_CLAUSE = re.compile(r"^\s*(?:,\s*)?that\s+")
_DANGLING_WORDS = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as
    that which whose who where when while its their our his her is are was were be
    being been using than then such both either this these those each per over
    under between among through whether if so vs versus its""".split()
)
_TRAILING_PUNCTUATION = " ,;:-–—(/&+"


def derive_headline(abstract: str, max_length: int = 80) -> str:
    """A readable headline of at most ``max_length`` characters for ``abstract``."""
    if max_length <= 0:
        return ""
    text = _clean(abstract[:_SCAN_LIMIT])
    if not text:
        # Hostile input: nothing readable in the scanned prefix.
        text = " ".join(_CONTROL.sub(" ", abstract).split()[:20])
    if not text:
        return ""
    headline = _compose(text) or text
    return _fit(headline, max_length)


def _clean(text: str) -> str:
    text = _CONTROL.sub(" ", text)
    if "\\" in text or "~" in text:
        parts = _MATH.split(text)
        # Odd indexes hold $...$ math, which is kept as written.
        for index in range(0, len(parts), 2):
            part = _LATEX_DROPPED.sub("", parts[index])
            for _ in range(3):  # nested wrappers such as \emph{\textbf{x}}
                part = _LATEX_WRAPPER.sub(r"\1", part)
            part = _LATEX_ESCAPED.sub(r"\1", part)
            parts[index] = _LATEX_TIE.sub(" ", part)
        text = "".join(parts)
    return " ".join(text.split())


def _compose(text: str) -> str:
    sentences = _SENTENCE_END.split(text)
    found = _find_cue(sentences, _STRONG_CUE) or _find_cue(sentences, _WEAK_CUE)
    name, long_form = _method_name(text, found)
    if found is None:
        description = sentences[0]
    else:
        description = _object_phrase(*found)
    description = _PARENTHETICAL.sub("", description).strip(" ,;:.")
    if name:
        description = _remove_name(description, name, long_form)
        if long_form and long_form.lower() not in description.lower():
            description = f"{long_form}, {description}" if description else long_form
        return f"{name}: {description}" if description else name
    return description[:1].upper() + description[1:]


def _find_cue(sentences: list[str], cue: re.Pattern[str]) -> tuple[str, re.Match[str]] | None:
    for sentence in sentences:
        match = cue.search(sentence)
        if match:
            return sentence, match
    return None


def _object_phrase(sentence: str, cue: re.Match[str]) -> str:
    """What the contribution sentence says the paper offers, without "we propose"."""
    verb = cue.group(0).split()[-1].lower()
    if verb in ("proposed", "presented", "introduced", "developed", "designed"):
        # Passive: "A new framework, X, is proposed to ..." -> the subject.
        subject = sentence[: cue.start()]
        return subject.split(", ", 1)[1] if subject.lower().startswith(("in ", "here")) and ", " in subject else subject
    phrase = sentence[cue.end():].strip()
    if verb.rstrip("s") in _CLAIM_VERBS or verb == "shows":
        claim = _THAT_CLAUSE.match(phrase)
        if claim:
            return phrase[claim.end():]
    phrase = _LEADING_FILLER.sub("", phrase, count=1)
    to_verb = _TO_VERB.match(phrase)
    if to_verb:
        phrase = _gerund(to_verb.group(1)) + phrase[to_verb.end():]
    return phrase


def _gerund(verb: str) -> str:
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        return verb[:-1] + "ing"
    return verb + "ing"


def _method_name(text: str, found: tuple[str, re.Match[str]] | None) -> tuple[str, str]:
    """The paper's own method name and its spelled-out form, or empty strings."""
    naming = _NAMING_CUE.search(text)
    if naming:
        name, long_form = _split_name(naming.group(1), naming.group(2))
        if name:
            return name, long_form
    if found is not None:
        sentence, cue = found
        after = sentence[cue.end():]
        proposed = _PROPOSED_NAME.match(after)
        if proposed:
            name, long_form = _split_name(proposed.group(1), proposed.group(2))
            if name:
                return name, long_form
        for definition in _ACRONYM_DEFINITION.finditer(after):
            acronym = definition.group(1)
            if _is_name_like(acronym):
                return acronym, _long_form(acronym, after[: definition.start()])
    for owned in _OWNED_NAME.finditer(text):
        candidate = owned.group(1) or owned.group(2)
        if _is_name_like(candidate) and text.count(candidate) >= 2:
            definition = text.find(f"({candidate})")
            long_form = _long_form(candidate, text[:definition]) if definition > 0 else ""
            return candidate, long_form
    return "", ""


def _split_name(phrase: str, bracketed: str | None) -> tuple[str, str]:
    """("Soft-SubNetworks", "SoftNet") -> ("SoftNet", "Soft-SubNetworks")."""
    phrase = phrase.strip()
    if bracketed and _is_name_like(bracketed):
        return bracketed, phrase
    if " " not in phrase:
        return (phrase, "") if _is_name_like(phrase) or phrase[:1].isupper() else ("", "")
    return phrase, ""


def _is_name_like(word: str) -> bool:
    """CamelCase, an acronym, or letters with digits; not a generic field acronym."""
    if not 2 <= len(word) <= 40 or word in _GENERIC_NAMES or word.rstrip("s") in _GENERIC_NAMES:
        return False
    upper = sum(char.isupper() for char in word)
    has_digit = any(char.isdigit() for char in word)
    return any(char.isalpha() for char in word) and (upper >= 2 or (upper >= 1 and has_digit) or (word[0].islower() and upper >= 1))


def _long_form(acronym: str, before: str) -> str:
    """Spelled-out form preceding "(ACRONYM)" (Schwartz & Hearst's algorithm)."""
    words = before.rstrip().split(" ")[-(min(len(acronym) + 5, 2 * len(acronym))):]
    candidate = " ".join(words)
    letters = [char.lower() for char in acronym if char.isalnum()]
    position = len(candidate) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            candidate[position].lower() != letter
            or (index == 0 and position > 0 and candidate[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return ""
        position -= 1
    start = candidate.rfind(" ", 0, position + 1) + 1
    return candidate[start:].strip(" ,;:")


def _remove_name(description: str, name: str, long_form: str) -> str:
    for mention in (f"{long_form} ({name})", long_form, name) if long_form else (name,):
        index = description.find(mention)
        if index >= 0:
            description = (description[:index] + description[index + len(mention):])
            break
    description = " ".join(description.split()).strip(" ,;:")
    return _LEADING_FILLER.sub("", description, count=1)


def _fit(text: str, max_length: int) -> str:
    """Cut at a word boundary, dropping dangling small words; mark cuts with an ellipsis."""
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
