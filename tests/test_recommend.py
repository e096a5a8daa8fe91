"""Recommendations, "more like this" and tags: the store, the CLI, export and import.

tests/data/recommend_subset.jsonl holds 64 real corpus papers: 12 with
"gaussian splatting" in the title, 12 with "speech" in the title, and 40 that
mention neither (arXiv JSON, so real titles). Which papers belong together is
known from the titles.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from readq import recommend
from readq.cli import cli
from readq.errors import ReadqError
from readq.importing import import_file
from readq.recommend import FALLBACK_REASON, recommended_ids, similar_ids, why
from readq.store import Store

SUBSET = Path(__file__).parent / "data" / "recommend_subset.jsonl"


@pytest.fixture(autouse=True)
def no_user_files(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("READQ_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def store(tmp_path: Path):
    with Store.open(tmp_path / "readq.db") as store:
        summary = import_file(store, str(SUBSET))
        assert summary.imported == 64
        yield store


def topic(store: Store, words: str) -> list[int]:
    return [p.id for p in store.iter_papers() if words in p.title.lower()]


def hits(order: list[int], relevant: list[int], k: int) -> int:
    """How many of the first k are relevant (one weak speech paper may rank 10th)."""
    return len(set(order[:k]) & set(relevant))


def like(store: Store, ids: list[int], stars: int) -> None:
    for pid in ids:
        store.rate(pid, stars)
    store.set_read(ids, True)


def run(db: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), *args], input=input)


# ----- the recommended order ------------------------------------------------------------


def test_too_few_positives_fall_back_to_newest_first_and_say_why(store: Store):
    like(store, topic(store, "gaussian splatting")[:2], 5)
    order = recommended_ids(store, "unread")
    assert order.reason == FALLBACK_REASON and not order.ranked and order.model is None
    assert order.ids == store.view_ids("unread", "newest")
    assert why(store, order.ids[0]) == []


def test_liked_topic_comes_first_disliked_topic_does_not(store: Store):
    splatting, speech = topic(store, "gaussian splatting"), topic(store, "speech")
    like(store, splatting[:4], 5)
    like(store, speech[:4], 1)
    order = recommended_ids(store, "all")
    assert order.ranked and (order.positives, order.negatives) == (4, 4)
    assert set(order.ids[:8]) == set(splatting[4:])  # the 8 other splatting papers, all on top
    assert sorted(order.ids) == sorted(store.view_ids("all"))  # every paper of the view once
    assert set(order.ids[-8:]) == set(splatting[:4] + speech[:4])  # the rated ones: judged, last


def test_notes_count_as_liking_and_a_low_rating_overrides_a_note(store: Store):
    speech = topic(store, "speech")
    for pid in speech[:3]:
        store.save_note(pid, "worth a look")
    order = recommended_ids(store, "all")
    assert order.ranked and hits(order.ids, speech[3:], 9) >= 8
    store.rate(speech[0], 2)  # noted but disliked: no longer a positive
    assert recommended_ids(store, "all").reason == FALLBACK_REASON


def test_a_new_rating_changes_the_next_order(store: Store):
    splatting, speech = topic(store, "gaussian splatting"), topic(store, "speech")
    like(store, splatting[:3], 5)
    assert set(recommended_ids(store, "unread").ids[:9]) == set(splatting[3:])
    for pid in splatting[:3]:
        store.rate(pid, 1)
    like(store, speech[:3], 5)
    assert hits(recommended_ids(store, "unread").ids, speech[3:], 9) >= 8


def test_why_names_the_shared_terms(store: Store):
    splatting = topic(store, "gaussian splatting")
    like(store, splatting[:4], 5)
    order = recommended_ids(store, "unread")
    reasons = order.why(store, order.ids[0])
    assert reasons and {"splatting", "gaussian", "gaussian splatting"} & set(reasons)
    assert why(store, order.ids[0]) == reasons  # the same without the order's model
    with recommend._reader(store) as conn:
        scored = recommend.score(conn, order.model)
    unrelated = next(pid for pid in order.ids if pid not in scored)  # shares no model term
    assert why(store, unrelated) == []


def test_page_reads_the_order_a_slice_at_a_time(store: Store):
    like(store, topic(store, "speech")[:3], 5)
    order = recommended_ids(store, "unread")
    assert [p.id for p in order.page(store, 2, 5)] == order.ids[2:7]
    assert order.page(store, 2, 5)[0].abstract == ""  # brief rows, as the list shows them


def test_similar_papers_share_the_topic_and_leave_the_paper_out(store: Store):
    splatting = topic(store, "gaussian splatting")
    found = similar_ids(store, splatting[0], limit=5)
    assert splatting[0] not in found and len(found) == 5
    assert set(found) <= set(splatting)


def test_a_tags_papers_are_the_positives_of_its_ranking(store: Store):
    speech = topic(store, "speech")
    for pid in speech[:3]:
        store.add_tags(pid, ["audio"])
    order = recommended_ids(store, "all", tag="audio")
    assert order.ranked and hits(order.ids, speech[3:], 9) >= 8
    assert set(order.ids[-3:]) == set(speech[:3])  # the tag's own papers come last
    assert "needs 3 papers" in recommended_ids(store, "all", tag="other").reason


def test_recommend_and_tags_never_import_textual():
    code = ("import sys, readq.recommend, readq.tags, readq.cli_triage; "
            "print([m for m in sys.modules if m.split('.')[0] == 'textual'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ----- tags in the store ----------------------------------------------------------------


def test_tags_add_remove_set_and_count_ignoring_case(store: Store):
    assert store.add_tags(1, ["robotics", "RL"]) == ["robotics", "RL"]
    assert store.add_tags(1, ["rl", "new"]) == ["new"]  # rl is RL
    assert store.tags_of(1) == ["new", "RL", "robotics"]
    store.add_tags(2, ["rl"])
    assert store.all_tags() == [("RL", 2), ("new", 1), ("robotics", 1)]
    assert store.tagged_ids("Rl") == [1, 2]
    assert store.remove_tags(1, ["ROBOTICS", "absent"]) == ["robotics"]
    assert store.set_tags(2, ["x", "X", "y"]) == ["rl"]  # returns the previous tags
    assert store.tags_of(2) == ["x", "y"]
    assert store.tags_for([1, 2, 3]) == {1: ["new", "RL"], 2: ["x", "y"]}


@pytest.mark.parametrize("name", ["", "two words", "a,b", "bell\x07", "x" * 61])
def test_a_tag_is_one_printable_word(store: Store, name: str):
    with pytest.raises(ReadqError):
        store.add_tags(1, [name])
    assert store.tags_of(1) == []


def test_tagging_a_missing_paper_fails(store: Store):
    with pytest.raises(ReadqError, match="no paper with id 999"):
        store.add_tags(999, ["x"])


def test_a_deleted_papers_tags_go_with_it(tmp_path: Path, store: Store):
    store.add_tags(3, ["gone"])
    with sqlite3.connect(tmp_path / "readq.db") as conn:  # as an undone import deletes rows
        conn.execute("DELETE FROM papers WHERE id = 3")
    assert store.all_tags() == []


# ----- export and import ----------------------------------------------------------------


def test_tags_round_trip_through_json_and_jsonl(tmp_path: Path, store: Store):
    store.add_tags(1, ["robotics", "to-read"])
    store.add_tags(5, ["to-read"])
    store.set_tags(6, [])  # never tagged: nothing to restore
    for format in ("json", "jsonl"):
        out = tmp_path / f"backup.{format}"
        assert run(store.path, "export", "--format", format, "-o", str(out)).exit_code == 0
        restored = tmp_path / f"restored-{format}.db"
        result = run(restored, "import", str(out))
        assert result.exit_code == 0, result.stderr
        with Store.open(restored) as copy:
            assert copy.all_tags() == store.all_tags() == [("to-read", 2), ("robotics", 1)]
            assert copy.tag_states() == store.tag_states()


def test_importing_an_export_keeps_the_newer_tags(tmp_path: Path, store: Store):
    store.add_tags(1, ["old"])
    out = tmp_path / "backup.json"
    run(store.path, "export", "-o", str(out))
    store.set_tags(1, ["new"])  # changed after the export
    assert run(store.path, "import", str(out)).exit_code == 0
    assert store.tags_of(1) == ["new"]
    backup = json.loads(out.read_text(encoding="utf-8"))
    backup[0].update(tags=["newest"], tags_updated_at="2999-01-01T00:00:00.000+00:00")
    backup[1].update(tags=["filled"], tags_updated_at=None)  # paper 2 was never tagged
    out.write_text(json.dumps(backup), encoding="utf-8")
    assert run(store.path, "import", str(out)).exit_code == 0
    assert (store.tags_of(1), store.tags_of(2)) == (["newest"], ["filled"])


def test_tags_set_while_an_import_runs_beat_the_imports_older_ones(tmp_path: Path, store: Store):
    """The import's tag change is checked again when it is applied (at publishing)."""
    from readq.importers import readq_json

    out = tmp_path / "backup.json"
    run(store.path, "export", "--limit", "1", "-o", str(out))
    backup = json.loads(out.read_text(encoding="utf-8"))
    backup[0].update(tags=["imported"], tags_updated_at="2000-01-01T00:00:00.000+00:00")
    records, _ = readq_json.parse(json.dumps(backup))

    def meanwhile(summary) -> None:  # another process tags the paper during the import
        if not store.tags_of(1):
            store.set_tags(1, ["meanwhile"])

    store.import_records(records, "backup.json", progress=meanwhile)
    assert store.tags_of(1) == ["meanwhile"]
    store.import_records(records, "backup.json")  # the same export again: older, loses
    assert store.tags_of(1) == ["meanwhile"]


def test_tags_survive_the_parallel_import_of_a_big_export(tmp_path: Path):
    """Files past PARALLEL_FROM_BYTES are parsed in other processes (records marshalled)."""
    from readq.importing import PARALLEL_FROM_BYTES

    filler = " ".join(f"word{i}" for i in range(250))
    lines = [json.dumps({"title": f"Paper {n}", "abstract": f"Study number {n}. {filler}",
                         "added_at": "2025-01-01T00:00:00.000+00:00", "headline_derived": False,
                         "tags": ["big", f"t{n % 3}"], "tags_updated_at": "2025-02-01T00:00:00.000+00:00"})
             for n in range(1200)]
    big = tmp_path / "big.jsonl"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert big.stat().st_size > PARALLEL_FROM_BYTES
    with Store.open(tmp_path / "big.db") as store:
        assert import_file(store, str(big)).imported == 1200
        assert store.all_tags() == [("big", 1200), ("t0", 400), ("t1", 400), ("t2", 400)]


def test_an_export_with_a_bad_tag_imports_the_rest_with_a_warning(tmp_path: Path, store: Store):
    out = tmp_path / "backup.json"
    run(store.path, "export", "--limit", "1", "-o", str(out))
    backup = json.loads(out.read_text(encoding="utf-8"))
    backup[0].update(tags=["good", "two words", 7], tags_updated_at="2025-01-01T00:00:00+00:00")
    out.write_text(json.dumps(backup), encoding="utf-8")
    result = run(tmp_path / "fresh.db", "import", str(out))
    assert result.exit_code == 0 and result.stderr.count("warning: ignored a tag") == 2
    with Store.open(tmp_path / "fresh.db") as fresh:
        assert fresh.all_tags() == [("good", 1)]


def test_bibtex_lists_tags_among_the_keywords(store: Store):
    store.add_tags(1, ["to-read"])
    result = run(store.path, "export", "--format", "bibtex", "--limit", "1")
    keywords = next(line for line in result.stdout.splitlines() if "keywords" in line)
    assert "to-read" in keywords and "cs." in keywords


# ----- the command line -----------------------------------------------------------------


def test_cli_tag_untag_and_tags(store: Store):
    db = store.path
    assert run(db, "tag", "1", "robotics", "rl").stdout == "tagged paper 1 robotics, rl (tags: rl, robotics)\n"
    run(db, "tag", "2", "RL")
    assert run(db, "tags").stdout == "     2  rl\n     1  robotics\n"
    assert json.loads(run(db, "tags", "--json").stdout) == [{"tag": "rl", "papers": 2},
                                                           {"tag": "robotics", "papers": 1}]
    assert run(db, "untag", "1", "ROBOTICS").stdout == "removed robotics from paper 1 (tags: rl)\n"
    listed = run(db, "list", "--tag", "rl").stdout.splitlines()
    assert [int(line.split()[0]) for line in listed] == [1, 2]


@pytest.mark.parametrize(("args", "message"), [
    (("tag", "1", "two words"), "one word"),
    (("untag", "1", "never"), "has none of these tags"),
    (("tag", "999", "x"), "no paper '999'"),
    (("list", "--tag", "nobody"), "no paper has the tag"),
    (("similar", "999"), "no paper '999'"),
])
def test_cli_triage_errors_are_one_line(store: Store, args: tuple[str, ...], message: str):
    result = run(store.path, *args)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("readq: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_cli_list_recommended_falls_back_then_ranks(store: Store):
    db = store.path
    result = run(db, "list", "--unread", "--sort", "recommended", "--limit", "3")
    assert result.exit_code == 0 and FALLBACK_REASON in result.stderr
    newest = run(db, "list", "--unread", "--sort", "created", "--limit", "3").stdout
    assert result.stdout == newest
    splatting = topic(store, "gaussian splatting")
    like(store, splatting[:4], 5)
    ranked = json.loads(run(db, "list", "--unread", "--sort", "recommended", "--limit", "8", "--json").stdout)
    assert {p["id"] for p in ranked} == set(splatting[4:])


def test_cli_list_recommended_for_a_tag(store: Store):
    speech = topic(store, "speech")
    for pid in speech[:3]:
        run(store.path, "tag", str(pid), "audio")
    result = run(store.path, "list", "--sort", "recommended", "--tag", "audio", "--limit", "9", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert hits([p["id"] for p in json.loads(result.stdout)], speech[3:], 9) >= 8


def test_cli_similar(store: Store):
    splatting = topic(store, "gaussian splatting")
    result = run(store.path, "similar", str(splatting[0]), "--limit", "4", "--json")
    found = [p["id"] for p in json.loads(result.stdout)]
    assert len(found) == 4 and set(found) <= set(splatting[1:])
    arxiv_id = store.get(splatting[0]).arxiv_id
    assert run(store.path, "similar", arxiv_id, "--limit", "4", "--json").stdout == result.stdout


def test_words_common_in_a_big_queue_are_no_model_terms(store: Store, monkeypatch):
    """A word in more than MAX_DOC_SHARE of a big queue's papers carries no topic."""
    splatting = topic(store, "gaussian splatting")
    with recommend._reader(store) as conn:
        assert "splatting" in recommend.build_model(conn, splatting[:4], []).weights
        monkeypatch.setattr(recommend, "MAX_DOC_SHARE_FROM", 0)  # as if 64 papers were many
        model = recommend.build_model(conn, splatting[:4], [])
        docs = recommend._document_counts(conn, set(model.weights))
    assert "splatting" not in model.weights and model.weights
    assert all(docs[t] <= recommend.MAX_DOC_SHARE * 64 for t in model.weights if " " not in t)
