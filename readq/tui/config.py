"""The user's config file: key remapping by binding id, the way posting does it.

    # ~/.config/readq/config.toml
    [keymap]
    "queue.toggle_read" = "x"
    "list.down" = "j,down,ctrl+n"

A bad file never stops readq: each problem becomes one line naming the key or
value, and the defaults are used for it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Config:
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_config(path: Path, known_binding_ids: set[str]) -> Config:
    config = Config()
    if not path.exists():
        return config
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        config.problems.append(f"{path}: cannot read ({error}); using the defaults")
        return config
    except tomllib.TOMLDecodeError as error:
        config.problems.append(f"{path}: not valid TOML ({error}); using the defaults")
        return config
    for key in data:
        if key != "keymap":
            config.problems.append(f"{path}: unknown setting {key!r} (ignored)")
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        config.problems.append(f"{path}: [keymap] must be a table of binding id = \"keys\"")
        return config
    for binding_id, keys in keymap.items():
        if binding_id not in known_binding_ids:
            config.problems.append(f"{path}: keymap: unknown binding id {binding_id!r} (ignored)")
        elif not isinstance(keys, str) or not keys.strip():
            config.problems.append(f"{path}: keymap: {binding_id!r} needs keys as a string, like \"x\" or \"x,ctrl+x\"")
        else:
            config.keymap[binding_id] = keys.replace(" ", "")
    return config
