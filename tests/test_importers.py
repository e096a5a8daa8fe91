"""Importers are pure: text (or bytes) in, records and problems out. No database here."""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import sqlite3
import time
from pathlib import Path

import pytest

import readq.importers.decode as decode
from readq.errors import UnusableInput
from readq.importers import arxiv_listing, detect_format, iter_parse, open_source, plain
from readq.importers.common import MAX_ABSTRACT_CHARS, split_results
from readq.importers.decode import numbered_lines, text_lines
from readq.models import PaperRecord, Problem

ARXIV_SEED_IDS = [
    "2210.10485", "2210.10329", "2210.02077", "2210.02871", "2209.07529",
    "2208.12401", "2208.10781", "2208.10922", "2208.10494", "2207.01394",
]
ARXIV_SEED_CREATED = [
    "2022-10-19", "2022-10-19", "2022-10-05", "2022-09-29", "2022-09-15",
    "2022-08-25", "2022-08-23", "2022-08-23", "2022-08-21", "2022-07-04",
]
# The line each block's abstract starts on, as an editor numbers lines.
ARXIV_SEED_LINES = [1, 8, 13, 20, 25, 30, 35, 42, 47, 52]
ARXIV_SEED_COMMENTS = {
    "2210.10485": "*Equal contribution. Author ordering determined by coin flip",
    "2210.02077": "pre-print",
    "2208.10781": "ECCV Workshop 2022",
}

ABSTRACT = "We study how a small change to the loss improves robustness of deep models."


def block(arxiv_id: str, created: str = "2022-01-02", abstract: str = ABSTRACT, comment: str = "") -> str:
    comment_part = f"{comment}\n\n" if comment else ""
    return f"{abstract}\n\n{comment_part}arXiv:{arxiv_id}\nCreated: {created}\n"


def parse_bytes(data: bytes, format: str | None = None):
    """(format, records, problems) of bytes read as a file."""
    used, items = iter_parse(numbered_lines(io.BytesIO(data), "test.txt"), format)
    records, problems = split_results(items)
    return used, records, problems


def rejected(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.rejected]


# ----- the seed files ---------------------------------------------------------------------


def test_plain_seed_has_eleven_abstracts_one_per_line(plain_seed: Path):
    text = plain_seed.read_text(encoding="utf-8")
    records, problems = plain.parse(text)
    assert problems == []
    assert len(records) == 11
    assert [r.line for r in records] == list(range(1, 12))
    lines = text.split("\n")
    assert not text.endswith("\n") and len(lines) == 11  # the last line has no newline
    for record, line in zip(records, lines):
        assert record.abstract == " ".join(line.split())
        assert record.arxiv_id is None and record.created is None and record.title is None


def test_arxiv_seed_ids_dates_comments_and_lines(arxiv_seed: Path):
    records, problems = arxiv_listing.parse(arxiv_seed.read_text(encoding="utf-8"))
    assert problems == []
    assert len(records) == 10
    assert [r.arxiv_id for r in records] == ARXIV_SEED_IDS
    assert [r.created for r in records] == ARXIV_SEED_CREATED
    assert [r.line for r in records] == ARXIV_SEED_LINES
    assert {r.arxiv_id: r.updated for r in records if r.updated} == {"2208.10781": "2022-08-24"}
    assert {r.arxiv_id: r.comments for r in records if r.comments} == ARXIV_SEED_COMMENTS


def test_arxiv_seed_abstracts_are_the_first_paragraph_of_each_block(arxiv_seed: Path):
    lines = arxiv_seed.read_text(encoding="utf-8").split("\n")
    records, _ = arxiv_listing.parse("\n".join(lines))
    for record in records:
        assert record.abstract == " ".join(lines[record.line - 1].split())
        assert "arXiv:" not in record.abstract and "Created:" not in record.abstract
    styletalker = records[ARXIV_SEED_IDS.index("2208.10922")]
    assert styletalker.abstract.startswith("We propose StyleTalker, a novel audio-driven talking head")


def test_formats_are_detected(plain_seed: Path, arxiv_seed: Path):
    plain_text = plain_seed.read_text(encoding="utf-8")
    arxiv_text = arxiv_seed.read_text(encoding="utf-8")
    assert detect_format(text_lines(plain_text)) == "plain"
    assert detect_format(text_lines(arxiv_text)) == "arxiv"
    assert detect_format(text_lines("\n\n\n" + arxiv_text)) == "arxiv"
    used, items = iter_parse(text_lines(arxiv_text), None)
    assert used == "arxiv" and len(split_results(items)[0]) == 10
    used, items = iter_parse(text_lines(plain_text), None)
    assert used == "plain" and len(split_results(items)[0]) == 11


def test_detection_reads_past_undecodable_lines():
    data = b"broken \xc3\x28 abstract line\n\narXiv:2208.10921\nCreated: 2022-01-02\n\n" + block("2208.10922").encode()
    used, records, problems = parse_bytes(data)
    assert used == "arxiv"
    assert [r.arxiv_id for r in records] == ["2208.10922"]
    assert [(p.line, p.reason) for p in problems] == [(1, "not valid UTF-8 text")]


def test_unknown_format_is_refused():
    with pytest.raises(UnusableInput, match="unknown format"):
        iter_parse(text_lines(ABSTRACT), "word-document")


def test_iter_parse_streams_without_reading_everything():
    def endless():
        for number in itertools.count(1):
            yield number, f"Abstract {number} on graph neural networks for molecular property prediction."

    used, items = iter_parse(endless(), None)
    first = list(itertools.islice(items, 3))
    assert used == "plain"
    assert [r.line for r in first] == [1, 2, 3]


# ----- bytes, encodings and line breaks --------------------------------------------------


LINE_ENDINGS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}


@pytest.mark.parametrize("ending", LINE_ENDINGS)
def test_line_endings_give_the_same_records_and_line_numbers(ending, plain_seed: Path, arxiv_seed: Path):
    for seed, expected_count in ((plain_seed, 11), (arxiv_seed, 10)):
        lf = seed.read_bytes().replace(b"\r\n", b"\n")
        reference = parse_bytes(lf)
        converted = parse_bytes(lf.replace(b"\n", LINE_ENDINGS[ending]))
        assert converted == reference
        assert len(converted[1]) == expected_count
    _, records, _ = parse_bytes(arxiv_seed.read_bytes().replace(b"\n", LINE_ENDINGS[ending]))
    assert [r.line for r in records] == ARXIV_SEED_LINES


def test_mixed_line_endings_count_lines_like_an_editor():
    data = b"first abstract about sparse attention models\r\nsecond abstract about dense retrieval models\rthird abstract about graph transformers\n\r\nfifth abstract about diffusion samplers"
    _, records, problems = parse_bytes(data)
    assert problems == []
    assert [r.line for r in records] == [1, 2, 3, 5]


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), id="utf-8-bom"),
        pytest.param(lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), id="utf-16-le"),
        pytest.param(lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), id="utf-16-be"),
        pytest.param(lambda t: codecs.BOM_UTF16_LE + t.replace("\n", "\r\n").encode("utf-16-le"),
                     id="utf-16-le-crlf"),
    ],
)
def test_bom_and_utf16_give_the_same_records(encode, plain_seed: Path, arxiv_seed: Path):
    for seed in (plain_seed, arxiv_seed):
        text = seed.read_text(encoding="utf-8")
        assert parse_bytes(encode(text)) == parse_bytes(text.encode("utf-8"))
    _, records, _ = parse_bytes(encode(arxiv_seed.read_text(encoding="utf-8")))
    assert records[0].abstract.startswith("Existing adversarial")  # no BOM left in front


def test_invalid_utf8_rejects_only_that_line(plain_seed: Path):
    lines = plain_seed.read_bytes().split(b"\n")
    lines[4] = lines[4][:40] + b"\xff\xfe\xc3\x28" + lines[4][40:]
    _, records, problems = parse_bytes(b"\n".join(lines))
    assert [r.line for r in records] == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    assert [(p.line, p.rejected) for p in problems] == [(5, True)]
    assert "UTF-8" in problems[0].reason


def test_invalid_utf8_in_a_listing_rejects_that_block_with_its_line(arxiv_seed: Path):
    data = arxiv_seed.read_bytes().replace(b"We propose StyleTalker", b"We propose \xc3\x28StyleTalker")
    _, records, problems = parse_bytes(data)
    assert [r.arxiv_id for r in records] == [i for i in ARXIV_SEED_IDS if i != "2208.10922"]
    assert [(p.line, p.rejected) for p in problems] == [(42, True)]


def _sqlite_file_bytes(tmp_path: Path) -> bytes:
    path = tmp_path / "some.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda tmp: gzip.compress(b"an abstract\n" * 100), "gzip"),
        (lambda tmp: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (_sqlite_file_bytes, "SQLite"),
        (lambda tmp: b"\x00\x01\x02\x03" * 500, "NUL"),
    ],
    ids=["gzip", "pdf", "sqlite", "nul-bytes"],
)
def test_binary_files_are_unusable_with_a_clear_message(tmp_path: Path, make, kind):
    data = make(tmp_path)
    with pytest.raises(UnusableInput) as raised:
        list(numbered_lines(io.BytesIO(data), "paper.bin"))
    message = str(raised.value)
    assert message.startswith("paper.bin: not a text file") and kind in message
    assert "\n" not in message
    path = tmp_path / "paper.bin"
    path.write_bytes(data)
    with pytest.raises(UnusableInput, match=r"paper\.bin: not a text file"):
        with open_source(str(path)) as source:
            list(source.lines)


def test_open_source_names_missing_files_and_directories(tmp_path: Path):
    with pytest.raises(UnusableInput, match="no such file"):
        with open_source(str(tmp_path / "missing.txt")):
            pass
    with pytest.raises(UnusableInput, match="is a directory"):
        with open_source(str(tmp_path)):
            pass


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\u0085", "\x0c", "\x0b"])
def test_unicode_separators_and_form_feed_are_not_line_breaks(separator: str, plain_seed: Path):
    text = plain_seed.read_text(encoding="utf-8").replace(". ", "." + separator)
    assert text.count(separator) > 20
    _, records, problems = parse_bytes(text.encode("utf-8"))
    assert [r.line for r in records] == list(range(1, 12))
    assert rejected(problems) == []
    for record in records:
        assert separator not in record.abstract


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_unicode_line_separators_become_spaces(separator: str):
    records, problems = plain.parse(f"One sentence about graphs.{separator}Another about attention models.\n")
    assert problems == []
    assert records[0].abstract == "One sentence about graphs. Another about attention models."


@pytest.mark.parametrize("separator", ["\u0085", "\x0c", "\x0b"])
def test_whitespace_control_characters_keep_words_apart(separator: str):
    records, _ = plain.parse(f"One sentence about graphs.{separator}Another about attention models.\n")
    assert records[0].abstract == "One sentence about graphs. Another about attention models."


def test_control_characters_and_escape_sequences_are_stripped_with_a_warning():
    hostile = "Title \x1b]0;pwned\x07grabbing \x1b[31mred\x1b[0m text with \x1b]52;c;Y2xpcA==\x1b\\ a clipboard write \x07\x08 and [bold red]x[/] markup"
    text = f"{ABSTRACT}\n{hostile}\n{ABSTRACT.replace('loss', 'prior')}\n"
    records, problems = plain.parse(text)
    assert [r.line for r in records] == [1, 2, 3]
    assert problems == [Problem(2, "control characters removed", rejected=False)]
    cleaned = records[1].abstract
    assert cleaned == "Title grabbing red text with a clipboard write and [bold red]x[/] markup"
    for bad in ("\x1b", "\x07", "\x08", "pwned", "Y2xpcA"):
        assert bad not in cleaned


def test_listing_control_characters_warn_on_their_line():
    text = block("2208.10922", comment="Accepted \x1b[1mat\x1b[0m a workshop") + "\n" + block("2208.10923")
    records, problems = arxiv_listing.parse(text)
    assert [r.arxiv_id for r in records] == ["2208.10922", "2208.10923"]
    assert records[0].comments == "Accepted at a workshop"
    assert problems == [Problem(3, "control characters removed", rejected=False)]


# ----- arXiv listing details ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("math.AG/0101001", "math.AG/0101001"),
        ("2208.10922v2", "2208.10922"),
        ("2208.10922v12", "2208.10922"),
        ("0704.0001", "0704.0001"),
    ],
)
def test_arxiv_ids_are_normalised_without_version(raw: str, normalised: str):
    records, problems = arxiv_listing.parse(block(raw))
    assert problems == []
    assert [r.arxiv_id for r in records] == [normalised]


@pytest.mark.parametrize("bad_id", ["not-an-id", "2208.10922x", "22081.0922", "2208.109", "HEP-TH/9901001", ""])
def test_malformed_ids_reject_their_block_with_the_line(bad_id: str):
    text = block("2208.10921") + "\n" + block(bad_id) + "\n" + block("2208.10923")
    records, problems = arxiv_listing.parse(text)
    assert [r.arxiv_id for r in records] == ["2208.10921", "2208.10923"]
    assert len(problems) == 1
    assert problems[0].rejected and problems[0].line == 8  # the arXiv: line of the middle block
    assert "malformed arXiv id" in problems[0].reason


@pytest.mark.parametrize(
    "created",
    ["2022-13-01", "2022-02-30", "22-01-01", "yesterday", "2022-1-5", "", "2022-01-01 Updated: soon"],
)
def test_bad_dates_reject_their_block_with_the_line(created: str):
    text = block("2208.10921") + "\n" + block("2208.10922", created=created) + "\n" + block("2208.10923")
    records, problems = arxiv_listing.parse(text)
    assert [r.arxiv_id for r in records] == ["2208.10921", "2208.10923"]
    assert [(p.line, p.rejected) for p in problems] == [(9, True)]  # the Created: line
    assert "date" in problems[0].reason


def test_updated_date_on_its_own_line():
    text = block("2208.10922").rstrip("\n") + "\nUpdated: 2022-09-01\n\n" + block("2208.10923")
    records, problems = arxiv_listing.parse(text)
    assert problems == []
    assert [(r.arxiv_id, r.updated) for r in records] == [("2208.10922", "2022-09-01"), ("2208.10923", None)]


def test_truncated_last_block_keeps_the_earlier_records():
    head = block("2208.10921") + "\n" + block("2208.10922") + "\n"
    after_id = head + ABSTRACT + "\n\narXiv:2208.10923\n"
    records, problems = arxiv_listing.parse(after_id)
    assert [r.arxiv_id for r in records] == ["2208.10921", "2208.10922"]
    assert [(p.line, p.rejected) for p in problems] == [(13, True)]
    assert "Created" in problems[0].reason

    abstract_only = head + ABSTRACT[:50]
    records, problems = arxiv_listing.parse(abstract_only)
    assert [r.arxiv_id for r in records] == ["2208.10921", "2208.10922"]
    assert [(p.line, p.rejected) for p in problems] == [(11, True)]


def test_blocks_without_blank_line_separators():
    text = "".join(block(f"2208.1092{n}", abstract=f"{ABSTRACT} Variant {n}.") for n in range(3))
    records, problems = arxiv_listing.parse(text)
    assert problems == []
    assert [(r.arxiv_id, r.line) for r in records] == [("2208.10920", 1), ("2208.10921", 5), ("2208.10922", 9)]
    assert records[1].abstract.endswith("Variant 1.")


def test_hard_wrapped_abstract_lines_are_joined():
    text = "We study how a small change\n  to the loss improves\nrobustness of deep models.\n\narXiv:2208.10922\nCreated: 2022-01-02\n"
    records, problems = arxiv_listing.parse(text)
    assert problems == []
    assert records[0].abstract == ABSTRACT and records[0].line == 1


# ----- plain text details -----------------------------------------------------------------


def test_plain_blank_lines_are_skipped_and_line_numbers_kept():
    text = "\n\n   \t\n" + ABSTRACT + "\n\n\n" + ABSTRACT.replace("loss", "prior") + "\n\n"
    records, problems = plain.parse(text)
    assert problems == []
    assert [r.line for r in records] == [4, 7]


def test_plain_short_lines_are_kept_with_a_warning_naming_them():
    records, problems = plain.parse(f"{ABSTRACT}\nshort\n{ABSTRACT} Again.\n")
    assert [r.line for r in records] == [1, 2, 3]
    assert [(p.line, p.rejected) for p in problems] == [(2, False)]


@pytest.mark.parametrize("format", ["plain", "arxiv"])
def test_a_one_megabyte_line_is_rejected_quickly(format: str):
    huge = ("tokens " * 150_000)[:1_000_000]
    assert len(huge) > MAX_ABSTRACT_CHARS
    if format == "plain":
        text = f"{ABSTRACT}\n{huge}\n{ABSTRACT} Again.\n"
        expected_lines, bad_line = [1, 3], 2
    else:
        text = block("2208.10921") + "\n" + block("2208.10922", abstract=huge) + "\n" + block("2208.10923")
        expected_lines, bad_line = [1, 11], 6
    started = time.perf_counter()
    used, records, problems = parse_bytes(text.encode("utf-8"), format)
    assert time.perf_counter() - started < 2.0
    assert [r.line for r in records] == expected_lines
    assert [(p.line, p.rejected) for p in problems] == [(bad_line, True)]
    assert "longer than" in problems[0].reason


def test_records_are_records_and_problems_are_problems(plain_seed: Path):
    _, items = iter_parse(numbered_lines(io.BytesIO(plain_seed.read_bytes()), "seed"), None)
    assert all(isinstance(item, (PaperRecord, Problem)) for item in items)


# ----- line breaks that straddle a read chunk ------------------------------------------------


def test_crlf_across_the_read_chunk_boundary_is_one_line_break():
    line = b"x" * 98 + b" abstract about sparse attention and graph learning models"
    lines: list[bytes] = []
    size = 0
    while size + len(line) + 2 < decode.CHUNK_SIZE:
        lines.append(line)
        size += len(line) + 2
    # Pad the last line so that its CR is the last byte of the first chunk.
    lines.append(b"y" * (decode.CHUNK_SIZE - size - 1))
    lines += [line, line]
    data = b"\r\n".join(lines)
    assert data[decode.CHUNK_SIZE - 1 : decode.CHUNK_SIZE + 1] == b"\r\n"
    numbers = [number for number, _ in numbered_lines(io.BytesIO(data), "big.txt")]
    assert numbers == list(range(1, len(lines) + 1))


def test_utf16_crlf_across_read_chunks(monkeypatch, arxiv_seed: Path):
    text = arxiv_seed.read_text(encoding="utf-8").replace("\n", "\r\n")
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    expected = parse_bytes(data)
    monkeypatch.setattr(decode, "CHUNK_SIZE", 3)
    assert parse_bytes(data) == expected
