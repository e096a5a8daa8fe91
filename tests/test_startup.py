"""What `readq` imports before the TUI's first frame: not the importers,
exporters, import engine or edit-distance library, which the first screen never
uses (issue 15: start-up within reach of an empty Textual app)."""

from __future__ import annotations

import json
import subprocess
import sys

NOT_AT_START = ("readq.importers", "readq.exporters", "readq.import_engine", "readq.headline",
                "rapidfuzz", "tomllib", "bibtexparser", "pylatexenc")


def test_starting_the_tui_imports_nothing_the_first_frame_does_not_use():
    code = ("import json, sys; import readq.cli, readq.tui.app; "
            "print(json.dumps(sorted(sys.modules)))")
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                       check=True).stdout)
    assert [name for name in loaded if name.startswith(NOT_AT_START)] == []
