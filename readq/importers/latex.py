"""LaTeX in BibTeX values to readable Unicode: `{\\"u}` -> ü, `{Transformer}` -> Transformer.

Math (`$...$`) is kept as written. The common cases (accents, escaped
specials, braces, dashes, font commands) are decoded here directly, about a
hundred times faster than pylatexenc, which handles whatever else appears.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_MATH = re.compile(r"(\$\$.+?\$\$|(?<!\\)\$.+?(?<!\\)\$)", re.DOTALL)
# In a .bib value, % and & are text; LaTeX would read a comment and a table cell.
_BARE_SPECIALS = re.compile(r"(?<!\\)([%&])")
_NEEDS_DECODING = re.compile(r"[\\{}~]|--|``|''")

_ACCENTS = {  # accent command -> combining character
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOLS = {
    "ss": "ß", "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ", "textbraceleft": "{", "textbraceright": "}",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "LaTeX": "LaTeX",
    "TeX": "TeX", "ldots": "…", "dots": "…", "textendash": "–", "textemdash": "—", "S": "§",
    "textregistered": "®", "copyright": "©", "textquotedbl": '"', "relax": "",
}
# Font and markup commands whose argument is simply the text.
_MARKUP = {"emph", "textit", "textbf", "textsc", "texttt", "textrm", "textsf", "textsl", "textup",
           "textnormal", "it", "bf", "em", "sc", "tt", "rm", "sf", "sl", "url", "mbox", "hbox"}
_ESCAPES = {"%": "%", "&": "&", "#": "#", "_": "_", "$": "$", "{": "{", "}": "}", " ": " ",
            ",": " ", ";": " ", "!": "", "@": "", "\\": " ", "-": ""}
_TOKEN = re.compile(
    r"""\\(?P<accent>['`^"~=.])\s*(?:\{\s*(?P<a1>\\?[A-Za-z])\s*\}|(?P<a2>\\?[A-Za-z]))
      | \\(?P<letter_accent>[cvuHkrdb])(?:\s*\{\s*(?P<l1>\\?[A-Za-z])\s*\}|\s+(?P<l2>[A-Za-z]))
      | \\(?P<name>[A-Za-z]+)\s*(?:\{\})?
      | \\(?P<escaped>[%&\#_$\{\}\ ,;!@\\-])
      | (?P<dash>---?) | (?P<quote>``|'') | (?P<brace>[{}]) | (?P<tilde>~)""",
    re.VERBOSE,
)


class _Unknown(Exception):
    """A command the fast path does not know: pylatexenc decodes the value."""


def _accented(command: str, base: str) -> str:
    base = {"\\i": "i", "\\j": "j"}.get(base, base)
    if base.startswith("\\"):
        raise _Unknown(base)
    return unicodedata.normalize("NFC", base + _ACCENTS[command])


def _replace(match: re.Match[str]) -> str:
    if match["accent"]:
        return _accented(match["accent"], match["a1"] or match["a2"])
    if match["letter_accent"]:
        return _accented(match["letter_accent"], match["l1"] or match["l2"])
    if match["name"]:
        name = match["name"]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _MARKUP:
            return ""
        raise _Unknown(name)
    if match["escaped"]:
        return _ESCAPES[match["escaped"]]
    if match["dash"]:
        return "—" if match["dash"] == "---" else "–"
    if match["quote"]:
        return "“" if match["quote"] == "``" else "”"
    if match["tilde"]:
        return " "
    return ""  # a grouping brace


@lru_cache(maxsize=1)
def _decoder():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    context = get_default_latex_context_db()
    context.add_context_category("readq", prepend=True, macros=[
        MacroTextSpec("url", simplify_repl="%s"),
        *(MacroTextSpec(name, simplify_repl=text.replace("%", "%%")) for name, text in _SYMBOLS.items()
          if name.startswith("text") or name in ("LaTeX", "TeX")),
    ])
    return LatexNodes2Text(latex_context=context, math_mode="verbatim", strict_latex_spaces=True)


def latex_to_text(value: str) -> str:
    """Readable Unicode from a BibTeX value; math segments are kept verbatim."""
    parts = _MATH.split(value)
    if not any(_NEEDS_DECODING.search(part) for part in parts[::2]):
        return value
    try:
        return "".join(part if index % 2 else _TOKEN.sub(_replace, part)
                       for index, part in enumerate(parts))
    except _Unknown:
        pass
    for index in range(0, len(parts), 2):
        parts[index] = _BARE_SPECIALS.sub(r"\\\1", parts[index])
    try:
        return _decoder().latex_to_text("".join(parts))
    except Exception:  # pylatexenc raises assorted errors on broken LaTeX; keep the raw text
        return value
