"""The user's config file: key remapping by binding id, the way posting does it.

    # ~/.config/readq/config.toml
    [keymap]
    "queue.toggle_read" = "x"
    "list.down" = "j,down,ctrl+n"

A bad file never stops readq: each problem becomes one line naming the key or
value, and the defaults are used for it.
"""

from __future__ import annotations

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
    import tomllib  # here: most users have no config file, and start-up is measured

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


def keymap_conflicts(chains: list[list[tuple[str, str, str, bool]]], keymap: dict[str, str]) -> list[str]:
    """Keys that two bindings answer to where both are active at once.

    Each chain lists (binding id, default keys, description, priority) in the
    order Textual asks them (focused widget first, the app last); a key taken
    twice goes to the first priority binding, else to the first in the chain.
    """
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for chain in chains:
        holders: dict[str, list[tuple[str, str, bool]]] = {}
        for binding_id, default_keys, description, priority in chain:
            keys = keymap.get(binding_id, default_keys)
            for key in {k.strip() for k in keys.split(",") if k.strip()}:
                found = holders.setdefault(key, [])
                if all(binding_id != other for other, _, _ in found):
                    found.append((binding_id, description, priority))
        for key, found in holders.items():
            if len(found) < 2:
                continue
            winner = next((entry for entry in found if entry[2]), found[0])
            for loser in found:
                pair = (key, *sorted((winner[0], loser[0])))
                if loser is winner or pair in seen:
                    continue
                seen.add(pair)
                problems.append(
                    f"keymap: {key!r} is bound to both {winner[0]} ({winner[1]}) and {loser[0]} "
                    f"({loser[1]}); {winner[0]} wins, so {loser[1].lower()} has no key"
                )
    return problems
