"""Fixtures for the store, importer, search and CLI tests: the two seed files and a store."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from readq.importing import import_file
from readq.store import Store

DATA = Path(__file__).parent / "data"
PLAIN_SEED = "000_8c560ef06214dede.txt"  # 11 abstracts, one per line
ARXIV_SEED = "004_2f5e7a374057ada3.txt"  # 10 arXiv listing blocks


def seed_file(name: str) -> Path:
    """tests/data/seeds/NAME, else the bundled copy in readq/samples/."""
    local = DATA / "seeds" / name
    if local.is_file():
        return local
    return Path(str(resources.files("readq").joinpath("samples", name)))


@pytest.fixture
def plain_seed() -> Path:
    return seed_file(PLAIN_SEED)


@pytest.fixture
def arxiv_seed() -> Path:
    return seed_file(ARXIV_SEED)


@pytest.fixture(scope="session")
def template(tmp_path_factory) -> Path:
    """The bundled samples in a database, built once: copy it, never change it."""
    from tests.tui_support import build_sample_db

    return build_sample_db(tmp_path_factory.mktemp("template") / "readq.db")


@pytest.fixture
def db(tmp_path: Path, template: Path) -> Path:
    """A private copy of the sample database (test files may define their own)."""
    target = tmp_path / "readq.db"
    shutil.copy(template, target)  # keeps its 0600 mode: no privacy warning
    return target


@pytest.fixture
def seeded_store(tmp_path: Path, plain_seed: Path, arxiv_seed: Path):
    """A database file in tmp_path holding both seeds (ids 1–11 plain, 12–21 arXiv)."""
    with Store.open(tmp_path / "readq.db") as store:
        import_file(store, str(plain_seed))
        import_file(store, str(arxiv_seed))
        yield store
