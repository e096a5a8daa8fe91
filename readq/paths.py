"""Where readq keeps its files: `--db`, then `READQ_DB`, then the user data dir."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "readq"
DB_ENV = "READQ_DB"
CONFIG_ENV = "READQ_CONFIG"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "readq.db"


def resolve_db_path(option: str | os.PathLike | None) -> Path:
    if option:
        return Path(option).expanduser()
    from_env = os.environ.get(DB_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return default_db_path()


def config_path() -> Path:
    from_env = os.environ.get(CONFIG_ENV)
    if from_env:
        return Path(from_env).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"
