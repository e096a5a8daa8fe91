"""Cleaning untrusted text: imported abstracts and anything printed to a terminal.

Imported text is data. Control characters (C0 other than tab and newline, DEL,
C1) and whole escape sequences (CSI, OSC, DCS, APC, PM, SOS) are removed so that
no abstract can move the cursor, retitle the terminal, write the clipboard or
hide text. Markup such as ``[bold]`` is left alone here: the UI shows it as
plain text.
"""

from __future__ import annotations

import re

# An escape sequence, in its 7-bit (ESC ...) or 8-bit (C1) form. String-type
# sequences (OSC, DCS, APC, PM, SOS) run to BEL or ST; an unterminated one runs
# to the end of the text so that its payload is never shown half-interpreted.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?            # CSI
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])       # OSC, DCS, SOS, PM, APC ...
        [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?     # ... up to BEL or ST
  | \x1b[ -/]*[0-~]?                              # any other ESC sequence
    """,
    re.VERBOSE,
)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Unicode line and paragraph separators are not line breaks in readq's formats;
# they become spaces so that a one-line abstract stays one line on screen.
# So do the whitespace control characters (VT, FF, file/group/record/unit
# separators, NEL): removing them would glue two words into one.
_UNICODE_SEPARATORS = str.maketrans(
    {c: " " for c in "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x1f\x85"}
)


def has_control_characters(text: str) -> bool:
    return _CONTROL_CHARACTERS.search(text) is not None


def strip_control(text: str) -> str:
    """Remove escape sequences and control characters, keeping tab and newline."""
    if _CONTROL_CHARACTERS.search(text) is None:
        return text.translate(_UNICODE_SEPARATORS)
    text = _ESCAPE_SEQUENCE.sub("", text).translate(_UNICODE_SEPARATORS)
    return _CONTROL_CHARACTERS.sub("", text)


def terminal_safe(text: str) -> str:
    """Text fit for a terminal: control characters shown as visible escapes.

    Used on output, as a second line of defence for databases written by other
    tools; newlines and tabs are kept.
    """
    if _CONTROL_CHARACTERS.search(text) is None:
        return text
    return _CONTROL_CHARACTERS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())  # str.split splits on the same Unicode whitespace as \s
