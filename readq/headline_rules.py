"""readq's first, hand-written headline rules: the contribution cues and the method name.

The learned model (readq.headline_model) builds on the cues and the name found here;
``rules_headline`` is the old headline itself, kept as the baseline the benchmark
prints beside the model. When the abstract names its method ("we propose StyleTalker, a ...", "... (RC-MAE)",
"called MSRL") the headline leads with that name, a colon and a compressed
description; otherwise it is the compressed object of the sentence that states the
contribution ("we introduce a novel approach for ..."), else the first sentence.
Acronyms the abstract defines are spelled out. It runs on every imported abstract,
so regexes are precompiled, linear, and mostly start with a literal (quick to find).
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = ["clean", "contribution", "rules_headline"]

ELLIPSIS = "…"
_SCAN_LIMIT = 6000  # real abstracts are shorter; megabyte input is cut before any regex
_PHRASE_LIMIT = 300  # a headline shows the start of a sentence only

# Escape sequences (CSI; OSC, DCS, APC... up to BEL or ST; others) and control characters.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?|[\x00-\x1f\x7f-\x9f]"
)
_MATH = re.compile(r"(\$[^$]*\$)")
_FORMATTED_WORD = re.compile(r"\$\\(?:text\w*|math(?:rm|bf|it|sf|tt)|emph)\{([\w\- ]+)\}\$")
_LATEX_DROPPED = re.compile(r"\\(?:cite\w*|ref|eqref|label|footnote|url|href)\s*\{[^{}]*\}")
_LATEX_WRAPPER = re.compile(r"\\[A-Za-z]+\*?\s*\{([^{}]*)\}")
_LATEX_LEFTOVER = re.compile(r"\\[A-Za-z]+\*?|[{}]")
_LATEX_ESCAPED = re.compile(r"\\([%&#_$])")

# Cue verbs by what follows them: 1 a contribution ("we propose X"), 2 a topic read as a
# gerund ("we investigate X"), 3 an activity ("we conduct a study"), 4 a problem ("we
# address this gap by ..."), 5 a claim ("we show that ..."), 6 a name ("we call it X").
_CUE_TAIL = (
    r"(?:(?:[a-z]+ly|also|further|then|first|thus|hence|therefore|here|now|instead),? ){0,2}"
    r"(?:(propos|present|introduc|develop|design|devis|buil|construct|formulat|put forward|releas"
    r"|creat|curat|establish)|(stud|investigat|explor|examin|analy[sz]|revisit|evaluat|benchmark"
    r"|characteri[sz]|assess|compar|quantif)|(conduct|perform|provid|report|describ|offer|consider"
    r"|focus|aim|seek|extend)|(address|tackl)|(show|demonstrat|find|found|prov|argu|reveal|observ)"
    r"|(call|name|term|dub|refer to))[a-z]*"
)
_WE_CUE = re.compile(rf"we,? {_CUE_TAIL}")
_PAPER_CUE = re.compile(rf"this (?:paper|work|study|article|letter|thesis|(?:technical )?report) {_CUE_TAIL}")
_BY_CUE = re.compile(r"by (?:introduc|propos|present|develop|design)ing")
_PASSIVE_VERBS = (" proposed", " presented", " introduced")
_PURPOSE = re.compile(r"(?:in|to|for|with|by|as|here|given|building|motivated|inspired|based)\b[^,]*, ", re.I)
_KINDS = ("strong", "gerund", "activity", "problem", "claim", "naming")
_SECONDARY = re.compile(r"also|further|specifically|moreover|additionally|in addition|then|second")
_SENTENCE_BREAK = re.compile(r"[.!?] (?=[A-Z0-9\"'“(\[$\\])")
_ABBREVIATIONS = frozenset("e.g i.e al vs fig figs eq eqs cf resp approx no sec et".split())
_MEANS = re.compile(r"\b(?:by|through|via|using) ")
_ANAPHORA = ("this ", "these ", "those ", "such ", "it ", "them ", "both ", "that ")
# The opening sentence's subject gives the field: "Recent advances in X have ...".
_LEAD_IN = re.compile(
    r"(?:(?:in recent years|recently|nowadays|currently|today|over the past decades?),? )?(?:(?:the|recent"
    r"|rapid|remarkable|significant) )*(?:(?:advances|advancements|progress|developments?|success|emergence"
    r"|rise) (?:in|of) )?(?:(?:the|a|an) )?",
    re.IGNORECASE,
)
_TOPIC_VERBS = frozenset(
    """is are has have was were remain remains play plays can may enable enables offer offers provide
    provides pose poses face faces rely relies aim aims seek seeks involve involves become becomes
    exhibit exhibits represent represents serve serves allow allows lack lacks struggle struggles
    suffer suffers require requires achieve achieves hold holds continue continues often typically
    increasingly""".split()
)
_NOT_TOPICS = frozenset(
    """this these those it its we our there such many most some existing current prior previous however
    while although despite with as in for to one two""".split()
)

_WORD = r"[A-Za-z0-9][\w+'\-]*(?:\.\d[\w+\-]*|\.[A-Z][\w+\-]*)*\+*"
_NAME_PHRASE = rf"{_WORD}(?: (?:(?:for|of|and|with|in|on|the|to|via|from|a) )?[A-Z0-9][\w+'\-]*){{0,8}}"
_BRACKET = r"(?: ?\(([^()]{1,60})\))?"
_FOLLOWS_NAME = r"(?=$|[,:;.—–(]| (?:[-–—]|a|an|the|to|that|which|for|as|is|with|in|on|by|from|via) )"
_NAME_AT_START = re.compile(
    rf"(?:(?:the|a|an) )?[\"'“‘]?({_NAME_PHRASE})[\"'”’]?{_BRACKET}[\"'”’]?{_FOLLOWS_NAME}"
)
_METHOD_NOUNS = (
    r"(?:framework|model|method|approach|network|system|benchmark|dataset|module|architecture|pipeline|agent"
    r"|algorithm|strategy|paradigm|toolkit|library|platform|suite|corpus|technique|scheme|mechanism|metric"
    r"|loss|tool|family|series|encoder|decoder|transformer|detector)s?"
)
_NAME_BY_NOUN = re.compile(
    rf"(?:[\w-]+ ){{0,5}}?{_METHOD_NOUNS},? (?:(?:called|named|termed|dubbed) )?({_WORD}){_FOLLOWS_NAME}"
    rf"|({_WORD}) {_METHOD_NOUNS}\b"
)
_NAMED = re.compile(  # "called X", "named X", "denoted as X", "referred to as X"; "ed " is quick to find
    r"ed (?:(?<=called |termed |coined |dubbed |enoted |[^a-z]named )(?:as |by )?|(?<=eferred )to as ),? ?"
)
_WE_NAME = re.compile(r" (?:it|them|(?:this|our|the)(?: [\w-]+){0,2})(?: as)? ")
_NAME_AFTER_CUE = re.compile(rf"[:,]? ?(?:the )?[\"'“‘]?({_NAME_PHRASE})[\"'”’]?{_BRACKET}")
_OWNED = re.compile(rf"[Oo]ur (?:[a-z-]+ ){{0,3}}?(?:[a-z-]+, )?({_NAME_PHRASE}){_BRACKET}")
_DEFINITION = re.compile(r"\(([A-Za-z0-9][\w+\-.]{0,30})\)(?! ?-?based)")
_TASK_MARKERS = (" for ", " of ", " in ", " on ", " to ", " with ")
_APPOSITION = re.compile(
    r"(?:,? (?:called|named|dubbed|termed|coined|referred to as|denoted as),?|,(?: the| an?)?) ?$"
)
# Acronyms that name a field, a task or a model family, not a paper's own method.
_GENERIC_NAMES = frozenset(
    """AI ML DL RL NLP CV LLM MLLM VLM LVLM LM LRM GNN CNN RNN LSTM ViT GAN VAE SOTA 2D 3D 4D GPU API
    IoT QA VQA MLP SSL GPT BERT CoT RAG MoE LoRA SFT DPO RLHF NeRF 3DGS SAM CLIP ASR TTS OCR LiDAR RGB
    RGB-D MRI CT PET EEG ECG UAV GPS VR AR XR KD OOD IID MDP POMDP SGD PDE ODE FL MARL DRL VLA SLM GRPO
    PPO DiT""".split()
)

_PARENTHETICAL = re.compile(r"\((?:[^()$]|\([^()$]*\))*\)")
_LEADING_FILLER = re.compile(
    r"(?:(?:here|also|further|first|then|instead|therefore|thus|hence|now)\b,? )*"
    r"(?:(?:a|an|the) )?(?:(?:novel|new|simple|yet|effective|efficient|and)\b,? )*"
)
_TO_VERB = re.compile(r"(?:to|on) ((?:[a-z]+ly )?)([a-z]+)\b")
_DANGLING_WORDS = frozenset(
    """a an the of and or but nor for with to by on in at from via into onto as that which whose who where
    when while its their our his her is are was were be being been using than then such both either this
    these those each per over under between among through whether if so vs versus""".split()
)
_TRAILING_PUNCTUATION = " ,;:-–—(/&+"


class _Cue(NamedTuple):
    start: int  # of the "we ..." clause
    end: int  # of its sentence
    kind: str  # one of _KINDS
    verb: str  # the matched verb stem
    secondary: bool  # "we further propose ...": usually a component, not the paper
    phrase: str  # what it says the paper offers, without "we propose" and filler words


def rules_headline(abstract: str, max_length: int = 80) -> str:
    """The old rules' headline of at most ``max_length`` characters for ``abstract``."""
    if max_length <= 0:
        return ""
    text = _clean(abstract[:_SCAN_LIMIT])
    headline = (_compose(text).strip() or text) if text else ""
    # Only the start can show, so control characters and odd spaces (rare) are removed there.
    overflow = len(headline) > 2 * max_length + 20
    headline = headline[: 2 * max_length + 20]
    if not headline.isprintable():
        headline = _printable(headline)
    elif "  " in headline:
        headline = " ".join(headline.split())
    if not headline:  # nothing readable in the scanned prefix: try the first words
        headline, overflow = _printable(" ".join(abstract.split(None, 20)[:20])[: 4 * max_length]), False
    return _fit(headline, max_length, overflow) if headline else ""


def _printable(text: str) -> str:
    text = _CONTROL.sub("", text)
    return " ".join("".join(c if c.isprintable() else " " if c.isspace() else "" for c in text).split())


def _clean(text: str) -> str:
    text = " ".join(text.split()) if "\n" in text or "\r" in text or "\t" in text else text.strip()
    if "\\" in text or "{" in text or ("~" in text and "~(" in text):
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
                part = _LATEX_LEFTOVER.sub("", part).replace("~(", " (")  # "learning~(SSL)": a tie
            changed = changed or part is not parts[index]
            parts[index] = part
        if changed:
            text = "".join(parts).replace("  ", " ").strip()
    return text


def clean(text: str) -> str:
    """LaTeX wrappers removed and whitespace collapsed; control characters are left to the caller."""
    return _clean(text)


def contribution(text: str) -> tuple[list[_Cue], _Cue | None, str, str]:
    """The contribution cues of a cleaned abstract, the weaker cue, the method name and its long form."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    strong, weak, naming = _find_cues(text, lowered)
    definitions: dict[str, int] = {}
    for bracket in _DEFINITION.finditer(text):
        definitions.setdefault(bracket.group(1), bracket.start())
    name, long_form, _ = _method_name(text, lowered, strong, weak, naming, definitions)
    return strong, weak, name, long_form


def _compose(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (İ) grow when lowercased
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    strong, weak, naming = _find_cues(text, lowered)
    definitions: dict[str, int] = {}  # "RC-MAE" -> where "(RC-MAE)" opens
    for bracket in _DEFINITION.finditer(text):
        definitions.setdefault(bracket.group(1), bracket.start())
    name, long_form, home = _method_name(text, lowered, strong, weak, naming, definitions)
    description = _spell_out(text, _describe(text, home or (strong[0] if strong else weak)), name, definitions)
    if not name:
        topic = _topic(text, description) if (strong or weak) and description else ""
        if topic:  # "Deep generative models: training-time attacks which ..."
            lower_first = description[1 : description.find(" ")].islower()  # not "SciTrust", "GAN-based"
            return f"{topic}: {description[:1].lower() if lower_first else description[:1]}{description[1:]}"
        # A phrase from mid-sentence gets a capital; the text's own start stays as it is.
        return description if text.startswith(description) else description[:1].upper() + description[1:]
    first_word = description[: description.find(" ")]
    if first_word.endswith("ing") and first_word[1:].islower():  # "X: studying ...", our gerund
        description = description[:1].lower() + description[1:]
    if long_form and description.startswith(long_form + " ") and description[len(long_form) + 1 :][:1].islower():
        return f"{name}: {description}"  # "CCL: Contrastive Complementary Labeling method that ..."
    for mention in (long_form, name) if long_form else (name,):
        # An appositive name goes: "StyleTalker, a novel ..." -> "StyleTalker: novel ...",
        # "a framework called MSRL, where ..." -> "MSRL: framework, where ..."
        cut = description.find(mention)
        tail = _APPOSITION.search(description, max(0, cut - 30), cut) if cut > 0 else None
        if cut == 0 or tail:
            description = description[: tail.start() if tail else 0] + description[cut + len(mention) :]
            description = description.strip(" ,;:")
            description = description[_LEADING_FILLER.match(description).end() :]
            if description.startswith(("which ", "that ", "who ")):  # "X: bridges the gap by ..."
                description = description.split(" ", 1)[1]
            break
    if long_form and long_form.lower() not in description.lower():
        description = f"{long_form}, {description}" if description else long_form
    return f"{name}: {description}" if description else name


def _find_cues(text: str, lowered: str) -> tuple[list[_Cue], _Cue | None, list[int]]:
    """Up to three contribution sentences, the first weaker cue, and where "we call it X" names start."""
    strong: list[_Cue] = []
    weak, naming = None, []
    for match in _WE_CUE.finditer(lowered):
        start, group = match.start(), match.lastindex or 1
        if start and lowered[start - 1].isalpha():
            continue  # inside a word
        if group == 6:
            named = _WE_NAME.match(lowered, match.end())
            naming += [named.end()] if named else []
        elif strong and start < strong[-1].end:
            continue  # a second cue in one sentence
        elif group == 1 and len(strong) < 3:
            # "Specifically, we introduce X" names a component of the paper's method.
            secondary = bool(strong) and _SECONDARY.search(lowered, max(0, start - 20), match.end()) is not None
            strong.append(_make_cue(text, start, match.end(), "strong", match.group(1), secondary))
        elif group > 1 and weak is None:
            weak = (start, match.end(), _KINDS[group - 1], match.group(group))
    # "This paper presents X" is rarer, and counts only before the first "we propose".
    for match in _PAPER_CUE.finditer(lowered, 0, strong[0].start if strong else len(lowered)):
        group = match.lastindex or 1
        if group == 1:
            strong.insert(0, _make_cue(text, match.start(), match.end(), "strong", match.group(1), False))
            del strong[3:]
            break
        if group < 6 and (weak is None or match.start() < weak[0]):
            weak = (match.start(), match.end(), _KINDS[group - 1], match.group(group))
    if not strong:  # rarer still: "by introducing X", "To this end, a new framework X is proposed"
        if by := _BY_CUE.search(lowered):
            strong.append(_make_cue(text, by.start(), by.end(), "strong", "", False))
        for found in (lowered.find(verb) for verb in _PASSIVE_VERBS):
            if found > 0 and lowered.endswith((" is", " are", " was", " were"), 0, found) and not strong:
                start = 0
                while (end := _sentence_end(text, start)) < found:
                    start = end + 1
                subject = text[start:found].rsplit(" ", 1)[0]
                subject = subject[purpose.end() :] if (purpose := _PURPOSE.match(subject)) else subject
                subject = subject[_LEADING_FILLER.match(subject).end() :]
                strong.append(_Cue(start, _sentence_end(text, found), "strong", "", False, subject))
    return strong, (None if strong or weak is None else _make_cue(text, *weak, False)), naming


def _make_cue(text: str, start: int, object_start: int, kind: str, verb: str, secondary: bool) -> _Cue:
    end = _sentence_end(text, object_start)
    phrase = text[object_start : min(end, object_start + _PHRASE_LIMIT)].lstrip(" ,:")
    phrase = phrase[5:] if phrase.startswith("that ") else phrase
    return _Cue(start, end, kind, verb, secondary, phrase[_LEADING_FILLER.match(phrase).end() :])


def _sentence_end(text: str, position: int) -> int:
    for match in _SENTENCE_BREAK.finditer(text, position):
        word = text[text.rfind(" ", 0, match.start()) + 1 : match.start()]
        # Not after "e.g.", "et al.", "Fig." or initials such as "A. Smith", "U.S."
        if not (word.lower() in _ABBREVIATIONS or "." in word or (len(word) == 1 and word.isupper())):
            return match.start() + 1
    return len(text)


def _describe(text: str, cue: _Cue | None) -> str:
    phrase = cue.phrase if cue else ""
    if cue and cue.kind == "problem":  # "we address this gap by mining ..." -> "mining ..."
        means = _MEANS.search(phrase)
        phrase = phrase[means.end() :] if means and phrase.startswith(_ANAPHORA) else phrase
    if cue and cue.kind != "strong" and phrase.startswith(_ANAPHORA):
        phrase = ""  # "we evaluate this skill ..." means nothing on its own
    elif cue and cue.kind == "gerund":  # "we investigate X" -> "Investigating X"
        stem = cue.verb + "y" if cue.verb in ("stud", "quantif") else cue.verb
        phrase = f"{stem.capitalize()}ing {phrase}"
    if phrase.startswith(("way to ", "ways to ")):  # "a new way to address X" -> "Addressing X"
        phrase = phrase[phrase.find(" ") + 1 :]
    to_verb = _TO_VERB.match(phrase) if phrase[:3] in ("to ", "on ") else None
    if to_verb and (phrase[0] == "t" or to_verb.group(2).endswith("ing")):
        # "we propose to learn ..." -> "Learning ...", "we focus on improving" -> "Improving"
        phrase = to_verb.group(1) + _gerund(to_verb.group(2)) + phrase[to_verb.end() :]
    elif phrase.startswith("on ") and cue and cue.verb == "focus":
        phrase = phrase[3:]
    if not phrase.strip(" ,;:."):  # no usable cue: the first sentence
        phrase = text[: min(_sentence_end(text, 0), _PHRASE_LIMIT)]
    if "(" in phrase:
        phrase = _PARENTHETICAL.sub("", phrase).replace("  ", " ").replace(" ,", ",")
    return phrase.strip(" ,;:.")


def _gerund(verb: str) -> str:
    if verb.endswith("ing"):
        return verb
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    return verb[:-1] + "ing" if verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")) else verb + "ing"


def _topic(text: str, description: str) -> str:
    """The field the abstract opens with ("Deep generative models are ..."), if short and new."""
    first = text[:160]
    first = first[_LEAD_IN.match(first).end() :]
    if "(" in first[:80]:
        first = _PARENTHETICAL.sub("", first).replace("  ", " ").strip()
    words = first.split(" ", 6)[:6]
    words = words[: next((index for index, word in enumerate(words) if word in _TOPIC_VERBS), 0)]
    topic, seen = " ".join(words), description[:60].lower()
    if not 2 <= len(words) <= 5 or "," in topic or "$" in topic or words[-1].endswith("ly"):
        return ""
    if words[-1].lower() in _DANGLING_WORDS or words[0].lower() in _NOT_TOPICS:
        return ""
    if any(word.lower() in seen for word in words if len(word) > 3):
        return ""  # the description already says it
    return topic[:1].upper() + topic[1:]


def _spell_out(text: str, description: str, name: str, definitions: dict[str, int]) -> str:
    """Replace acronyms the abstract defines ("LLMs") by their words ("Large Language Models")."""
    if description[1:100].islower():
        return description  # no capitals, so no acronyms
    for acronym, bracket in definitions.items():
        if acronym == name or acronym[1:].islower() or not acronym[0].isupper():
            continue
        for word in (acronym + "s", acronym):  # "LLMs" defined as "(LLM)"
            start = description.find(word, 0, 100)
            while start >= 0 and _inside_word(description, start, start + len(word)):
                start = description.find(word, start + 1, 100)
            if start >= 0:
                long_form = _long_form(acronym, text[:bracket])
                if long_form:
                    description = description[:start] + long_form + description[start + len(word) :]
                break
    return description


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is part of a longer word, as "MAE" is of "RC-MAE"."""
    before, after = text[start - 1 : start], text[end : end + 1]
    return before.isalnum() or after.isalnum() or (before and before in "-$") or (after and after in "-$^")


def _method_name(
    text: str,
    lowered: str,
    strong: list[_Cue],
    weak: _Cue | None,
    naming: list[int],
    definitions: dict[str, int],
) -> tuple[str, str, _Cue | None]:
    """The paper's own method name, its spelled-out form and the cue that proposed it."""
    found: dict[str, list] = {}  # name -> [bonus, long form, cue, order]

    def add(name: str, long_form: str, cue: _Cue | None, bonus: int, multiword: bool = False) -> str:
        name = name.strip(" .'\"’”")
        # "Multi-Dimensional Pruning (MDP)" is a name even though "MDP" usually is not.
        generic_ok = name in _GENERIC_NAMES and long_form[:1].isupper() and bonus >= 4
        if not (_is_name_like(name) or generic_ok or (multiword and " " in name and len(name) <= 60)):
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
        if named and (" " not in named.group(1) or named.group(2) or phrase[named.end() :][:1] in ",:—–"):
            if _add_phrase(add, named.group(1), named.group(2), cue, bonus):
                continue
        by_noun = _NAME_BY_NOUN.match(phrase)  # "a framework, IHC-LLMiner, for", "a Co-Seg framework"
        if by_noun and add(by_noun.group(1) or by_noun.group(2), "", cue, bonus):
            continue
        for bracket in _DEFINITION.finditer(phrase):
            # The method heads the object, "a novel Contrastive Complementary Labeling (CCL) method",
            # or closes it, "a network based on feature and field (FF-PNet).", but is not its task,
            # "a benchmark for Single Image Reflection Removal (SIRR)."
            before = phrase[: bracket.start()].rstrip()
            early = bracket.group(1)[:1].lower() == phrase[:1].lower() and bracket.start() < 100
            if not early and "," not in before and phrase[bracket.end() :][:1] in ("", ",", "."):
                long_form = _long_form(bracket.group(1), before)
                early = not long_form or not before[: len(before) - len(long_form)].endswith(_TASK_MARKERS)
            later = 1 if before[before.rfind(" ") + 1 :][:1].isupper() else -1  # capitalised: the authors'
            if add(bracket.group(1), "", cue, bonus - 1 if early else later) and early:
                break
    if not any(entry[0] >= 4 for entry in found.values()):
        _more_names(text, lowered, strong, weak, naming, definitions, add)
    best = None  # the most mentioned name wins; one proposed outright gets a head start
    for name, (bonus, long_form, cue, order) in sorted(found.items(), key=lambda item: -item[1][0]):
        if bonus + 6 >= (best[0][0] if best else 5):  # else it cannot win whatever its mentions
            # A plain count: "FingerCap-40K" mentions "FingerCap" too.
            score = (bonus + 2 * min(text.count(name), 3), -order)
            best = max(best, (score, name, long_form, cue)) if best else (score, name, long_form, cue)
    if best is None or best[0][0] < 5:
        return "", "", None
    _, name, long_form, cue = best
    if not long_form and name in definitions:
        long_form = _long_form(name, text[: definitions[name]])
    return name, long_form, cue


def _more_names(text, lowered, strong: list[_Cue], weak: _Cue | None, naming, definitions, add) -> None:
    """Names given outside the contribution's object: "called MSRL", "our model, X (ADLM)"."""
    claims_start = strong[0].start if strong else lowered.find("we ")
    claims_start = claims_start if claims_start >= 0 else weak.start if weak else len(text)
    naming_start = max(0, claims_start - 200) if strong or weak else 0
    # "called X" sits in or just after the contribution; "we refer to it as X" may come last.
    named_any = False
    naming_end = strong[-1].end + 200 if strong else len(text)
    for position in [cue.end() for cue in _NAMED.finditer(lowered, naming_start, naming_end)] + naming:
        if "so-called" in lowered[max(0, position - 14) : position]:
            continue
        home = next((c for c in strong if c.start <= position < c.end), None)
        window = text[position : position + 120]  # "as Uncertainty-Aware Graph network for ... (UAGDet)"
        bracket = _DEFINITION.search(window)
        if bracket and not any(mark in window[: bracket.start()] for mark in ",;."):
            long_form = _long_form(bracket.group(1), window[: bracket.start()])
            named_any |= bool(add(bracket.group(1), long_form, home, 4))
        elif named := _NAME_AFTER_CUE.match(text, position):
            named_any |= bool(_add_phrase(add, named.group(1), named.group(2), home, 4))
    if named_any:
        return  # an explicit name beats the weaker clues below
    for acronym, bracket in definitions.items():  # those before the contribution name the background
        if bracket < claims_start or not _is_name_like(acronym):
            continue
        if not acronym.isupper():  # coined: CroCo, SoftNet
            add(acronym, "", None, 3)
        elif text[text.rfind(" ", 0, bracket - 1) + 1 : bracket][:1].isupper():
            # Authors capitalise their own, "Distance Calibrated Reward Margin (DCRM)", but not
            # a measure they use, "execution accuracy (EX)".
            add(acronym, "", None, 1)
    # "our model, Attribute-Discriminative Language Model (ADLM)", usually soon after the contribution
    our_end = naming_end + 500
    position = lowered.find("our ", naming_start, our_end)
    while position >= 0:
        # Most are "our method ...": a name needs a capital within a few words.
        capital_follows = text[position + 4 : position + 48] != lowered[position + 4 : position + 48]
        if capital_follows and not (position and lowered[position - 1].isalpha()):
            if owned := _OWNED.match(text, position):
                _add_phrase(add, owned.group(1), owned.group(2), None, 3)
        position = lowered.find("our ", position + 4, our_end)


def _add_phrase(add, phrase: str, bracketed: str | None, cue: _Cue | None, bonus: int) -> str:
    """Record "Soft-SubNetworks (SoftNet)" as SoftNet, spelled out."""
    phrase = phrase.strip()
    name = bracketed and add(bracketed, _long_form(bracketed, phrase) or phrase, cue, bonus)
    if name:
        return name
    if bracketed and " " in bracketed and _long_form(phrase, bracketed) == bracketed:
        return add(phrase, bracketed, cue, bonus)  # "CUB (Context Utilisation Benchmark)"
    return add(phrase, "", cue, bonus, multiword=phrase[:1].isupper())  # "the Stable Artist, an"


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
    words = before[-250:].rstrip().split(" ")[-min(len(letters) + 5, 2 * len(letters)) :]
    candidate = " ".join(words)
    lowered, position = candidate.lower(), len(candidate)
    for letter in reversed(letters[1:]):  # right to left; the first letter must start a word
        position = lowered.rfind(letter, 0, position)
        if position < 0:
            return ""
    position = lowered.rfind(letters[0], 0, position) if letters else -1
    while position > 0 and candidate[position - 1].isalnum():
        position = lowered.rfind(letters[0], 0, position)
    if position < 0:
        return ""
    long_form = candidate[candidate.rfind(" ", 0, position + 1) + 1 :].strip(" ,;:")
    if " " not in long_form:  # one hyphenated word: "Soft-SubNetworks", but not "universally-MBC"
        parts = long_form.split("-")
        if len(parts) < 2 or any(len(part) > 1 and part.isupper() for part in parts):
            return ""
    return long_form


def _fit(text: str, max_length: int, overflow: bool = False) -> str:
    """Cut at a word boundary, dropping dangling small words; mark the cut with an ellipsis."""
    if len(text) <= max_length and not overflow:
        return text
    budget = max_length - len(ELLIPSIS)
    if budget <= 0 or len(text) <= budget:  # the latter: cut before its spaces were collapsed
        return ELLIPSIS[:max_length] if budget <= 0 else text + ELLIPSIS
    head = text[: budget + 1]
    cut = head.rfind(" ")
    words = (head[:cut] if cut > budget // 3 else head[:budget]).split(" ")
    while len(words) > 1 and (words[-1].lower().strip(_TRAILING_PUNCTUATION) or "a") in _DANGLING_WORDS:
        words.pop()  # "... of the" or a lone dash
    head = " ".join(words).rstrip(_TRAILING_PUNCTUATION)
    if head.count("(") > head.count(")"):
        head = head[: head.rfind("(")].rstrip(_TRAILING_PUNCTUATION) or head
    return (head or text[:budget]) + ELLIPSIS
