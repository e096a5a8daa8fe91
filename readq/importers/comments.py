"""Is this line an arXiv author comment ("12 pages, 5 figures", "Accepted to CVPR 2025")?

A listing may put the comment on the line right under the abstract, with no blank
line between (the way the corpus in ../shared/corpus is written). The last line
of an abstract paragraph is taken for a comment only when it says what comments
say: page and figure counts, a venue with a year, accepted/submitted/to appear/
under review, code or a project page with a URL, an equal-contribution note, a
`[cs.LG]` list. Prose (a second paragraph of the abstract) is not a comment.
"""

from __future__ import annotations

import re

# A comment longer than this is prose, whatever words it uses (p99.9 of 32,314 corpus
# comments is 383 characters; abstract paragraphs are longer).
LONGEST_COMMENT_LINE = 450
SHORT_COMMENT = 200  # up to here (p99 of the corpus comments) one cue outweighing prose will do

_COUNTS = re.compile(
    r"\b\d+\s*(?:\+\s*\d+\s*)?(?:pages?|pp\b|pgs?\b|p\.|figures?|figs?\b|tables?|plates?"
    r"|appendi(?:x|ces)|references|algorithms?)\b|\bpages?\s*\d+\s*[-–]\s*\d+",
    re.IGNORECASE,
)
_STATUS = re.compile(
    r"\b(?:accepted|acceptance|submitted|submission|to\s+appear|under\s+(?:review|submission)"
    r"|in\s+press|camera[- ]ready|published|publication|presented|appear(?:s|ed)?\s+(?:in|at)"
    r"|pre-?print|withdrawn|revised|revision|extended\s+(?:version|abstract)|version\s+of"
    r"|(?:short|full|long|journal|conference|workshop)\s+(?:version|paper|track)"
    r"|technical\s+report|tech\.?\s+report|white\s*paper|position\s+paper|thesis|dissertation"
    r"|workshop|proceedings|symposium|oral|spotlight|poster|(?:ACL|EMNLP|NAACL|EACL)\s+findings"
    r"|findings\s+of|challenge\s+(?:track|report|paper|submission|entry|\d{4})"
    r"|invited\s+(?:talk|paper)|keynote|tutorial|lecture\s+notes|book\s+chapter|erratum"
    r"|supplementary|supplemental|appendix|v\d+\b|this\s+version|previous\s+version"
    r"|work(?:ing)?\s+in\s+progress|under\s+peer\s+review|arxiv\s+admin\s+note|conference\s+on"
    r"|transactions\s+on|journal\s+of|technique\s+report|supported\s+by|survey\s+paper)\b",
    re.IGNORECASE,
)
# An acronym (CVPR, NeurIPS, IEEE ISBI, SemEval) with a year: `CVPR 2025`, `CVPR2025`,
# `KDD '25`, `ACL-2026`; or a year then a venue: `2022 IEEE/RSJ International Conference`.
_VENUE_YEAR = re.compile(
    r"\b[A-Z][A-Za-z&]*[A-Z][A-Za-z&]*\)?(?:[-\s]?(?:19|20)\d{2}\b|\s?['’]\d{2}\b)"
    r"|\b[A-Z]{2,}[2-3]\d\b"
    r"|\b(?:19|20)\d{2}\s+(?:IEEE|ACM|International|Conference|Workshop|Annual|Symposium)\b"
)
_URL = re.compile(r"https?://|\bwww\.|\b[\w-]+\.github\.io\b|\bgithub\.com/|\bhuggingface\.co/",
                  re.IGNORECASE)
_CODE = re.compile(
    r"\b(?:code|codes|project\s+(?:page|website|site)|webpage|web\s+page|homepage|website"
    r"|repository|repo|demo|implementation)\b[^.]{0,60}?\b(?:available|released|publicly"
    r"|open-?sourced?|on\s+github)\b|\b(?:project(?:\s+page)?|code|github|website|homepage)\s*:",
    re.IGNORECASE,
)
_EQUAL = re.compile(
    r"equal(?:ly)?\s+contribut|contributed\s+equally|equal\s+(?:advising|supervision)"
    r"|corresponding\s+authors?|correspondence\s+to|co-?first\s+authors?|first\s+two\s+authors"
    r"|^\s*[*†‡]",
    re.IGNORECASE,
)
_CATEGORIES = re.compile(
    r"\[(?:[a-z-]+\.[A-Za-z-]{2,}|[a-z-]+)\]|\b(?:cs|math|stat|eess|physics|q-bio|q-fin|econ|astro-ph"
    r"|cond-mat|hep-[a-z]+|quant-ph|nlin)\.[A-Z]{2}\b"
)
_OTHER = re.compile(
    r"©|\(c\)\s*\d{4}|\bcopyright\b|\blicen[cs]ed?\b|\bCC[- ]BY\b|\bACM\s+class|\bMSC\s+class"
    r"|\bJournal-ref\b|\bReport-no\b|\bDOI\b|\bdoi\.org/|\bKeywords?\s*:|\bfunded\s+by\b",
    re.IGNORECASE,
)
_CUES = (_COUNTS, _STATUS, _VENUE_YEAR, _URL, _CODE, _EQUAL, _CATEGORIES, _OTHER)
# Words prose is made of and comments mostly lack.
_PROSE = re.compile(
    r"\b(?:we|our|us|this\s+(?:paper|work|study)|propose[sd]?|present|show|demonstrate|results?"
    r"|method|approach|framework|model|which|that|these|however|moreover|furthermore|while"
    r"|achiev\w*|outperform\w*|experiments?|models|methods|findings|highlight\w*|suggest\w*"
    r"|reveal\w*|indicat\w*|enabl\w*|improv\w*|provid\w*|offer\w*|can|may|more|such|between)\b",
    re.IGNORECASE,
)


_OPENER = re.compile(
    r"^\W*(?:\d+\s*(?:pages?|pp|figures?)|accepted|submitted|published|to\s+appear|under\s+review"
    r"|in\s+press|camera[- ]ready|preprint|pre-print|extended\s+version|this\s+(?:paper|work|article"
    r"|manuscript|version)\s+(?:has\s+been|is|was|will\s+be)\s+(?:accepted|submitted|published"
    r"|presented)|[*†‡]|(?:project|code)\b)",
    re.IGNORECASE,
)


def looks_like_comment(line: str) -> bool:
    """Whether a line that follows an abstract reads as an author comment."""
    text = line.strip()
    if not text or len(text) > LONGEST_COMMENT_LINE:
        return False
    cues = sum(bool(cue.search(text)) for cue in _CUES)
    if not cues:
        return False
    words = len(text.split())
    if words <= 12:
        return True
    prose = len(_PROSE.findall(text))
    if len(text) <= SHORT_COMMENT:
        return cues * 3 > prose
    # Long: prose unless it opens the way comments do ("15 pages, ...", "Accepted to ...").
    return bool(_OPENER.match(text)) and cues >= 2 and cues * 2 > prose


def ends_sentence(line: str) -> bool:
    """Whether a line ends where a sentence does (so the next line may be something else)."""
    return bool(re.search(r"[.!?:;)\]\"'”’]\s*$", line))


_WRAP_WIDTH = 120  # paragraphs whose lines are all this short were hard-wrapped
_ENDS_WITH_URL = re.compile(r"https?://\S+$|\.github\.io/?\S*$")


def _says_only_comments(line: str) -> bool:
    """Page counts, a venue with a year, equal contribution, a category list: what an
    abstract's last sentence does not say (a URL or "code is available" it may)."""
    return any(cue.search(line) for cue in (_COUNTS, _VENUE_YEAR, _EQUAL, _CATEGORIES)) or bool(
        _STATUS.search(line) and _OPENER.match(line))


def trailing_comments(lines: list[str], most: int = 3) -> int:
    """How many of a paragraph's last lines are comments written right under the abstract
    (0 if none). Under a hard-wrapped abstract the line before them must end a sentence
    (or a URL) and must have had room for the next word: else the next line continues it."""
    found = 0
    for start in range(len(lines) - 1, max(0, len(lines) - most) - 1, -1):
        if start < 1 or not looks_like_comment(lines[start]):
            break
        body = lines[:start]
        widest = max(map(len, body))
        if len(body) >= 2 and widest <= _WRAP_WIDTH:
            if not (ends_sentence(body[-1]) or _ENDS_WITH_URL.search(body[-1])):
                continue  # "... we release the code at\nhttps://github.com/x" continues
            full = len(body[-1].rstrip()) + 1 + len(lines[start].split()[0]) > widest
            if not full or _says_only_comments(lines[start]):
                found = len(lines) - start
            # else the line before was full, and this one may well be the abstract's last
            # sentence ("Code is available at https://..."): it continues the wrapped text
            continue
        found = len(lines) - start
    return found
