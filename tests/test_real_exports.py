"""Files as real tools and people write them (issue 11): repeated BibTeX fields
(ScienceDirect, Zotero), the CSV columns of Zotero, Scopus, Web of Science, JabRef
and a Mendeley database, comments on the line under an abstract, first lines that
look like a listing's, two formats in one file, one-word abstracts, random bytes.

The fixtures in tests/data/real are shaped like each tool's output: Zotero's CSV
translator (BOM, every cell quoted, each row *preceded* by a newline), ScienceDirect's
BibTeX (CRLF, one `keywords` line per keyword), Zotero's BibTeX (tabs, trailing
commas, `month = jun`), Scopus' CSV (BOM, quoted, `[No abstract available]`), Web of
Science's "Tab-delimited (UTF-8)" (BOM, CRLF, two-letter tags, unquoted cells, a tab
at the end of each row) and JabRef's OpenOffice CSV layout (abstract in Custom1).
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from readq.cli import cli
from readq.errors import UnusableInput
from readq.importers import arxiv_listing, bibtex, csv_table, detect_format, iter_parse, plain
from readq.importers.comments import looks_like_comment
from readq.importers.common import split_results
from readq.importers.decode import numbered_lines, text_lines
from readq.models import PaperRecord, Problem

REAL = Path(__file__).parent / "data" / "real"


def parse_real(name: str, format: str | None = None) -> tuple[str, list[PaperRecord], list[Problem]]:
    """Detect and parse a fixture through the byte decoder, as `readq import` does."""
    with (REAL / name).open("rb") as handle:
        used, items = iter_parse(numbered_lines(handle, name), format)
        records, problems = split_results(items)
    return used, records, problems


def fields_of(record: PaperRecord, *names: str) -> tuple:
    return tuple(getattr(record, name) for name in names)


def warnings(problems: list[Problem]) -> list[tuple[int, str]]:
    assert all(not problem.rejected for problem in problems), problems
    return [(problem.line, problem.reason) for problem in problems]


def import_cli(tmp_path: Path, path: Path):
    return CliRunner().invoke(cli, ["--db", str(tmp_path / "readq.db"), "import", str(path)])


# ----- 1. repeated BibTeX fields --------------------------------------------------------


def test_sciencedirect_bib_with_keywords_repeated_in_every_entry_keeps_every_entry():
    assert (REAL / "sciencedirect.bib").read_bytes().count(b"\r\n") == 63  # CRLF throughout
    used, records, problems = parse_real("sciencedirect.bib")
    assert used == "bibtex"
    assert [fields_of(r, "line", "title", "doi", "created", "categories") for r in records] == [
        (1, "Sparse attention for long-document summarization", "10.1016/j.patcog.2024.110245", "2024",
         "Summarization, Sparse attention, Long documents"),
        (17, "Calibrated uncertainty for medical image segmentation under domain shift",
         "10.1016/j.eswa.2023.119842", "2023", "Uncertainty estimation, Segmentation, Domain shift, Calibration"),
        (34, "Curriculum reinforcement learning for warehouse robot fleets", "10.1016/j.neunet.2024.106512",
         "2024", "Reinforcement learning, Curriculum learning, Multi-robot systems"),
        (50, "Retrieval-augmented question answering over clinical guidelines", "10.1016/j.artmed.2025.102187",
         "2025", "Question answering, Retrieval augmentation"),
    ]
    first = records[0]
    assert first.authors == "Ada Okonkwo, Lukas Brenner, Mei Tanaka"
    assert first.url == "https://www.sciencedirect.com/science/article/pii/S0031320324001962"
    assert first.abstract.startswith("Summarizing documents longer than a few thousand tokens")
    assert first.abstract.endswith("while using 41% of the memory.")
    assert warnings(problems) == [
        (1, "repeated fields in entry 'OKONKWO2024110245' (keywords: 3 values joined)"),
        (17, "repeated fields in entry 'VERMA2023119842' (keywords: 4 values joined)"),
        (34, "repeated fields in entry 'HALVORSEN2024106512' (keywords: 3 values joined)"),
        (50, "repeated fields in entry 'NAKAMURA2025102187' (keywords: 2 values joined)"),
    ]


def test_zotero_bib_with_doi_twice_keeps_the_first_doi():
    used, records, problems = parse_real("zotero.bib")
    assert used == "bibtex"
    assert [fields_of(r, "line", "title", "authors", "doi", "created") for r in records] == [
        (2, "Graph Transformers for Molecular Property Prediction with Few Labels", "Yifan Chen, Jonas Müller",
         "10.1109/tnnls.2023.3234567", "2023-04"),
        (19, "Robust Test-Time Adaptation under Label Shift", "Chidi Okafor, Anna Lindqvist",
         "10.1109/cvpr52688.2022.00712", "2022-06"),
    ]
    assert records[1].abstract.endswith("where previous methods drop below 60%.")
    assert warnings(problems) == [
        (19, "repeated fields in entry 'okafor_robust_2022' (doi: first of 2 values kept)")]


def test_repeated_fields_differing_in_case_and_semicolon_keywords():
    records, problems = bibtex.parse(
        "@article{k,\n  title = {T},\n  DOI = {10.1/FIRST},\n  doi = {10.1/second},\n"
        "  keywords = {a; b},\n  Keywords = {c},\n  abstract = {Short.}\n}\n")
    assert [fields_of(r, "doi", "categories", "abstract") for r in records] == [("10.1/first", "a, b, c", "Short.")]
    assert warnings(problems) == [
        (1, "repeated fields in entry 'k' (doi: first of 2 values kept; keywords: 2 values joined)")]


# ----- 2. CSV columns of reference tools ----------------------------------------------------


ZOTERO_SUMMARY = ('csv: abstract from "Abstract Note", categories from "Manual Tags" or "Automatic Tags",'
                  ' arXiv id from "Url"')


def test_zotero_csv_with_its_full_header_and_bom():
    data = (REAL / "zotero.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\"Key\",\"Item Type\",\"Publication Year\",\"Author\",\"Title\"")
    used, records, problems = parse_real("zotero.csv")
    assert used == "csv"
    assert [fields_of(r, "line", "title", "authors", "arxiv_id", "doi", "created") for r in records] == [
        (2, "Graph Transformers for Molecular Property Prediction with Few Labels", "Yifan Chen, Jonas Müller",
         None, "10.1109/tnnls.2023.3234567", "2023-04"),
        (3, "Token Merging for Fast Speech Recognition", "Anna Lindqvist, Chidi Okafor, Tomás Ruiz",
         "2401.01234", "10.48550/arxiv.2401.01234", "2024-01-03"),
        (4, "Robust Test-Time Adaptation under Label Shift", "Chidi Okafor, Anna Lindqvist",
         None, "10.1109/cvpr52688.2022.00712", "2022-06"),
    ]
    graph, speech, robust = records
    assert graph.abstract == ("Labelled molecules are expensive, so property predictors must learn from a few"
                              " hundred examples. We pre-train a graph transformer on 2 million unlabelled"
                              " molecules with a masked-substructure objective and fine-tune it on eight"
                              " property benchmarks.")
    assert speech.abstract.endswith('The "merge schedule" is learned once per model size.')
    assert (graph.categories, graph.url) == ("graph learning, to read", "https://ieeexplore.ieee.org/document/10012345/")
    assert speech.categories == ("Computer Science - Computation and Language, Electrical Engineering and"
                                 " Systems Science - Audio and Speech Processing")
    assert speech.url == "http://arxiv.org/abs/2401.01234"
    assert robust.abstract == "" and robust.comments is None  # 84 other columns ignored
    assert warnings(problems) == [(4, "no abstract (imported with its title only)"), (1, ZOTERO_SUMMARY)]


def test_zotero_csv_header_as_newer_zotero_labels_it():
    """The brief's header ("Loc. in Archive", no "Library Catalog"): the same records."""
    text = (REAL / "zotero.csv").read_text(encoding="utf-8-sig")
    header, rest = text.split("\n", 1)
    newer = header.replace('"Archive Location","Library Catalog"', '"Loc. in Archive"')
    rows = [row.replace(',"DOI.org (Crossref)",', ",").replace(',"arXiv.org",', ",") for row in rest.split("\n")]
    records, problems = csv_table.parse("\ufeff" + newer + "\n" + "\n".join(rows))
    _, expected, _ = parse_real("zotero.csv")
    assert records == expected
    assert warnings(problems)[-1] == (1, ZOTERO_SUMMARY)


def test_scopus_csv():
    used, records, problems = parse_real("scopus.csv")
    assert used == "csv"
    assert [fields_of(r, "line", "title", "authors", "doi", "created", "categories") for r in records] == [
        (2, "Sparse attention for long-document summarization", "Ada Okonkwo, Lukas Brenner, Mei Tanaka",
         "10.1016/j.patcog.2024.110245", "2024", "Long documents, Sparse attention, Summarization"),
        (3, "Editorial: Trustworthy AI in clinical imaging", "Rohan Verma, Clara Iglesias",
         "10.1016/j.eswa.2023.120311", "2023", None),
        (4, "Curriculum reinforcement learning for warehouse robot fleets", "Ingrid Halvorsen, Tomás Ruiz, Yusuf Demir",
         "10.1016/j.neunet.2024.106512", "2024", "Curriculum learning, Multi-robot systems, Reinforcement learning"),
    ]
    assert records[0].abstract.endswith("a small set of salient sentences. © 2024 Elsevier Ltd")
    assert records[1].abstract == ""  # "[No abstract available]" is no abstract
    assert records[0].url.startswith("https://www.scopus.com/inward/record.uri?eid=2-s2.0-85182345678&")
    assert warnings(problems) == [
        (3, "no abstract (imported with its title only)"),
        (1, 'csv: authors from "Author full names", date from "Year", categories from "Author Keywords",'
            ' url from "Link"'),
    ]


def test_web_of_science_tab_delimited():
    data = (REAL / "wos_savedrecs.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfPT\tAU\tBA\t") and data.endswith(b"\t\r\n")
    used, records, problems = parse_real("wos_savedrecs.txt")
    assert used == "csv"
    assert [fields_of(r, "line", "title", "authors", "doi", "created", "categories", "url") for r in records] == [
        (2, "Calibrated uncertainty for medical image segmentation under domain shift", "Rohan Verma, Clara Iglesias",
         "10.1016/j.eswa.2023.119842", "2023-11", "Uncertainty estimation, Segmentation, Domain shift, Calibration",
         None),
        (3, '"Do not stop": curriculum reinforcement learning for warehouse robot fleets',
         "Ingrid Halvorsen, Tomas Ruiz, Yusuf Demir", "10.1016/j.neunet.2024.106512", "2024-06",
         "MULTIAGENT, COORDINATION", None),
    ]
    # WoS does not quote cells: a " starting a title or inside an abstract is text.
    assert 'and so-called "confidence maps" hide the problem.' in records[0].abstract
    assert records[0].abstract.endswith("(c) 2023 Elsevier Ltd. All rights reserved.")
    assert warnings(problems) == [
        (1, 'Web of Science tags: abstract from "AB", title from "TI", authors from "AF", date from "PY",'
            ' categories from "DE" or "ID", doi from "DI"')]


def test_jabref_openoffice_csv_reads_abstract_and_keywords_from_custom_columns():
    used, records, problems = parse_real("jabref_openoffice.csv")
    assert used == "csv"
    assert [fields_of(r, "line", "title", "authors", "arxiv_id", "created", "categories") for r in records] == [
        (2, "Attention Is All You Need", "Ashish Vaswani, Noam Shazeer, Niki Parmar", "1706.03762", "2017",
         "cs.CL cs.LG"),
        (3, "Bayesian Optimisation with Fewer Evaluations", "Jörg Müller, María García", None, "2019",
         "Bayesian optimisation, Gaussian processes"),
    ]
    assert records[0].abstract.endswith(r"with a cost of $O(n^2 \cdot d)$ per layer.")  # math kept
    assert records[1].abstract == ("We study Bayesian optimisation with 50% fewer evaluations, as Močkus"
                                   " suggested, and show that the expected improvement rule wastes most of"
                                   " its budget.")
    assert warnings(problems) == [
        (1, 'JabRef CSV: arXiv id from "URL", abstract from "Custom1", date from "Year", comments from "Note",'
            ' categories from "Custom3"')]


def test_mendeley_database_columns():
    """Mendeley Desktop exports BibTeX, RIS and EndNote XML only; a CSV from it is a dump of
    its Documents table (`sqlite3 -header -csv`), with `arxivId` and a numeric `id`."""
    text = ("id,type,abstract,added,title,arxivId,doi,year\n"
            "17,JournalArticle,We prove a lower bound on the sample complexity of learning halfspaces"
            " with margin noise.,1609459200,Halfspaces with Margin Noise,2101.00042,,2021\n")
    records, problems = csv_table.parse(text)
    assert [fields_of(r, "title", "arxiv_id", "created") for r in records] == [
        ("Halfspaces with Margin Noise", "2101.00042", "2021")]
    assert warnings(problems) == [(1, 'csv: date from "year"')]


def test_cli_prints_the_column_summary_as_a_warning_line(tmp_path: Path):
    path = REAL / "zotero.csv"
    result = import_cli(tmp_path, path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{path}: imported 3, duplicates 0, rejected 0 (csv)\n"
    assert result.stderr.splitlines() == [
        f"{path}:4: warning: no abstract (imported with its title only)",
        f"{path}:1: warning: {ZOTERO_SUMMARY}",
    ]


def test_spreadsheet_csv_needs_no_summary():
    records, problems = csv_table.parse("Title,Abstract,Authors,arXiv_ID,DOI,URL,Date\n"
                                        "T,An abstract that is long enough.,A B,1706.03762,,,2017\n")
    assert len(records) == 1 and problems == []


# ----- 3. comment lines right under the abstract -----------------------------------------


LISTING_COMMENTS = {
    "2503.12341": (1, "IROS2025 under review", "outperforming prior robotic pollination techniques."),
    "2503.12342": (6, "Accepted to CVPR 2025. Project page: https://example-lab.github.io/relight3d/",
                   "over four baselines in 71% of paired comparisons."),
    "2503.12343": (11, "12 pages, 5 figures, 3 tables", "rises by 9 to 14 points."),
    "2503.12344": (16, None, "by 0.31 on a real-world test set."),
    # Two paragraphs on two lines: the second (prose with a URL) is not a comment.
    "2503.12345": (20, "*Equal contribution", "are publicly available at https://github.com/example-lab/longvideo-qa."),
    "2503.12346": (26, "Cross-listed in [cs.LG] [cs.CR]", "fail on image and text tasks."),
    # Hard-wrapped: ".. Code is available at\nhttps://..." continues the sentence.
    "2503.12347": (31, "To appear in ICML 2025", "Code is available at https://github.com/example-lab/gated-gnn."),
    "2503.12348": (40, "Submitted to NeurIPS 2025; code: https://github.com/example-lab/multiconstraint",
                   "compliance falls from 92% with one constraint to 41% with five."),
    # Hard-wrapped, the line before full: "Code is available at ..." is the abstract's last sentence.
    "2503.12349": (48, None, "at 250 steps. Code is available at https://github.com/example-lab/four-step."),
    # Broken by hand mid-sentence: "... the code is\navailable at https://..." continues it.
    "2503.12350": (55, None, "the code is available at https://github.com/example-lab/event-det."),
}


def test_comment_lines_under_abstracts_are_comments():
    used, records, problems = parse_real("listing_comments.txt")
    assert used == "arxiv" and problems == []
    found = {r.arxiv_id: (r.line, r.comments) for r in records}
    assert found == {key: (line, comment) for key, (line, comment, _) in LISTING_COMMENTS.items()}
    for record in records:
        assert record.abstract.endswith(LISTING_COMMENTS[record.arxiv_id][2]), record.arxiv_id
        assert record.comments is None or record.comments not in record.abstract
    assert records[4].abstract.startswith("Benchmarks for video understanding") and len(records[4].abstract) == 195 + 1 + 224


@pytest.mark.parametrize("line", [
    "12 pages, 5 figures", "14pages 3figures", "Accepted to CVPR 2026", "KDD '25", "CVPR2025", "IROS2025 under review",
    "Submitted to ICLR 2026", "To appear in the Proceedings of EMNLP 2025", "Under review",
    "Project page: https://spatial-reasoner.github.io", "Code is available at https://github.com/a/b",
    "*Equal contribution", "Chong Su and Yingbin Fu contributed equally to this work",
    "Comments: [cs.LG] [stat.ML]", "2022 IEEE/RSJ International Conference on Intelligent Robots and Systems (IROS)",
    "pre-print", "ECCV Workshop 2022", "Technical report", "Work in progress",
])
def test_comment_lines_are_recognised(line: str):
    assert looks_like_comment(line)


@pytest.mark.parametrize("line", [
    "We evaluate on ImageNet and COCO and find that accuracy improves by 3 points over the baseline"
    " across all model sizes, while training remains stable and inference cost is unchanged in practice.",
    "These results suggest that scale alone does not explain the gains.",
    "Experimental results on three benchmarks demonstrate that our method outperforms prior work,"
    " and the code will be made available to support reproducibility by other groups working on this task"
    " in medicine, where data are scarce and labels are expensive to obtain at scale.",
    "The model was trained for 300 epochs.",
])
def test_prose_lines_are_not_comments(line: str):
    assert not looks_like_comment(line)


# ----- 4. first lines that look like a listing's ------------------------------------------


@pytest.mark.parametrize(("name", "start"), [
    ("first_line_arxiv.txt", "arXiv:1706.03762 introduced the Transformer"),
    ("first_line_created.txt", "Created: a benchmark of 500 questions"),
    ("first_line_updated.txt", "Updated: 2022-10-24 is the date on which"),
    ("first_line_created_date.txt", "Created: 2021-03-01 marks the release"),
])
def test_a_sentence_starting_like_a_listing_line_is_plain_text(name: str, start: str):
    used, records, problems = parse_real(name)
    assert (used, problems) == ("plain", [])
    assert [r.line for r in records] == [1, 2, 3]
    assert records[0].abstract.startswith(start) and records[0].arxiv_id is None


@pytest.mark.parametrize("text", [
    "An abstract long enough to be one.\n\narXiv:2401.00001\n",
    "An abstract long enough to be one.\n\nCreated: 2024-01-02\n",
    "An abstract long enough to be one.\nCreated: 2024-01-02 Updated: 2024-02-03\n",
])
def test_a_listing_is_still_detected_by_its_structure(text: str):
    assert detect_format(text_lines(text)) == "arxiv"


# ----- 5. two formats in one file ----------------------------------------------------------


def test_plain_abstracts_then_listing_blocks_import_six_records(tmp_path: Path):
    used, records, problems = parse_real("mixed_formats.txt")
    assert used == "arxiv"
    assert [fields_of(r, "line", "arxiv_id", "comments") for r in records] == [
        (1, None, None), (2, None, None), (3, None, None),
        (5, "2504.01001", "Accepted at ACL 2025"), (12, "2504.01002", "14 pages, 7 figures"),
        (17, "2504.01003", None),
    ]
    lines = (REAL / "mixed_formats.txt").read_text(encoding="utf-8").splitlines()
    assert [r.abstract for r in records[:3]] == lines[:3]  # one record per line, none glued
    assert records[3].abstract == lines[4] and records[4].abstract == lines[11]
    assert warnings(problems) == [
        (1, "lines 1-3 are plain text, one abstract per line, before the listing block at line 5:"
            " imported as plain abstracts")]
    result = import_cli(tmp_path, REAL / "mixed_formats.txt")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith(": imported 6, duplicates 0, rejected 0 (arxiv)\n")


def test_listing_blocks_then_plain_abstracts_import_every_record():
    text = (REAL / "mixed_formats.txt").read_text(encoding="utf-8")
    plain_part, blocks = text.split("\n\n", 1)
    records, problems = arxiv_listing.parse(blocks + "\n" + plain_part + "\n")
    assert [r.arxiv_id for r in records] == ["2504.01001", "2504.01002", "2504.01003", None, None, None]
    assert [r.line for r in records[3:]] == [17, 18, 19]
    assert warnings(problems) == [
        (17, "lines 17-19 are plain text, one abstract per line, after the listing blocks:"
             " imported as plain abstracts")]


def test_a_single_plain_abstract_before_a_block_is_still_named_not_glued():
    lines = (REAL / "mixed_formats.txt").read_text(encoding="utf-8").splitlines()
    block = lines[2] + "\n\narXiv:2504.01009\nCreated: 2025-04-03\n"  # a 325-character abstract
    records, problems = arxiv_listing.parse(lines[0] + "\n\n" + block)
    assert [(r.line, r.arxiv_id, r.abstract) for r in records] == [(3, "2504.01009", lines[2])]
    assert [(p.line, p.reason, p.rejected) for p in problems] == [
        (1, "abstract without arXiv: and Created: lines", True)]


# ----- 6. one-word abstracts ---------------------------------------------------------------


def test_a_one_word_abstract_is_kept_with_a_warning(tmp_path: Path):
    used, records, problems = parse_real("short_abstracts.txt")
    assert used == "plain"
    assert [(r.line, r.abstract) for r in records][1] == (2, "Yes.")
    assert len(records) == 3
    assert warnings(problems) == [(2, "very short abstract (4 characters), imported anyway")]
    path = REAL / "short_abstracts.txt"
    result = import_cli(tmp_path, path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{path}: imported 3, duplicates 0, rejected 0 (plain)\n"
    assert result.stderr == f"{path}:2: warning: very short abstract (4 characters), imported anyway\n"


def test_a_one_word_abstract_in_a_listing_and_a_title_less_csv_row():
    records, problems = arxiv_listing.parse("Yes.\narXiv:2401.00001\nCreated: 2024-01-02\n")
    assert [(r.abstract, r.arxiv_id) for r in records] == [("Yes.", "2401.00001")]
    assert warnings(problems) == [(1, "very short abstract (4 characters), imported anyway")]
    records, problems = csv_table.parse("abstract,doi\nNo.,10.1/x\n")
    assert [(r.abstract, r.doi) for r in records] == [("No.", "10.1/x")]
    assert warnings(problems) == [(2, "very short abstract (3 characters), imported anyway")]
    records, problems = plain.parse("   \n\t\n")
    assert (records, problems) == ([], [])  # blank lines are not abstracts


# ----- 7. random bytes ----------------------------------------------------------------------


def test_a_binary_file_is_refused_in_one_line(tmp_path: Path):
    path = tmp_path / "random.bin"
    path.write_bytes(random.Random(7).randbytes(3500))  # about 27 "lines" of bytes
    with pytest.raises(UnusableInput, match=r"random\.bin: not a text file \(looks like binary data, not UTF-8"):
        list(numbered_lines(io.BytesIO(path.read_bytes()), str(path)))
    result = import_cli(tmp_path, path)
    assert result.exit_code == 1
    assert result.stderr == f"readq: {path}: not a text file (looks like binary data, not UTF-8 text)\n"
    assert result.stdout == ""


def test_text_in_another_encoding_is_still_read_line_by_line():
    data = "\n".join(["Caf\xe9 cr\xe8me: na\xefve r\xe9sum\xe9 of a long abstract about caf\xe9s."] * 40).encode("cp1252")
    lines = list(numbered_lines(io.BytesIO(data), "latin.txt"))
    assert len(lines) == 40 and all(text is None for _, text in lines)  # each line named, not refused


# ----- 8. a large .bib is parsed in chunks ------------------------------------------------


def _bib_entry(number: int) -> str:
    return (f"@article{{key{number},\n  title = {{Paper number {number}}},\n"
            f"  abstract = {{An abstract for paper {number}, long enough to be a real one.}},\n}}\n\n")


def test_a_large_bib_is_read_in_chunks_not_whole():
    entries = 1000
    text = "".join(map(_bib_entry, range(entries)))
    total = text.count("\n")
    consumed = 0

    def lines():
        nonlocal consumed
        for number, line in enumerate(text.split("\n"), 1):
            consumed = number
            yield number, line

    items = bibtex.iter_parse(lines())
    first = next(items)
    assert isinstance(first, PaperRecord) and first.title == "Paper number 0"
    assert consumed < total / 4  # the first chunk was parsed before the rest was read
    assert sum(isinstance(item, PaperRecord) for item in items) == entries - 1


def test_chunks_give_the_records_and_problems_of_one_whole_parse(monkeypatch):
    text = (Path(__file__).parent / "data" / "formats" / "library.bib").read_text(encoding="utf-8-sig")
    text += "".join(map(_bib_entry, range(3))) + _bib_entry(1)  # a duplicate key, chunks apart
    whole = bibtex.parse(text)
    monkeypatch.setattr(bibtex, "CHUNK_ENTRIES", 1)
    assert bibtex.parse(text) == whole
    records, problems = whole
    assert [r.title for r in records][-4:] == ["Paper number 0", "Paper number 1", "Paper number 2",
                                                "Paper number 1"]
    assert [(p.line, p.reason) for p in problems][-1] == (82, "duplicate key 'key1' (imported anyway)")


def test_crossref_parent_before_or_after_its_child_across_chunks(monkeypatch):
    monkeypatch.setattr(bibtex, "CHUNK_ENTRIES", 1)
    parent = "@proceedings{conf20,\n  title = {Proceedings of Conf 2020},\n  year = {2020},\n  doi = {10.1/conf20},\n}\n"
    child = ("@inproceedings{paper,\n  title = {A Paper},\n  crossref = {conf20},\n"
             "  abstract = {An abstract that the child has and the parent lacks.},\n}\n")
    other = _bib_entry(7)
    for text in (parent + other + child, child + other + parent):
        records, problems = bibtex.parse(text)
        assert sorted((r.title, r.doi, r.created) for r in records) == [
            ("A Paper", "10.1/conf20", "2020"), ("Paper number 7", None, None)], text
        assert problems == []


def test_each_chunk_is_freed_as_soon_as_it_is_parsed():
    """Without the garbage collector: a failed block's traceback must not keep its chunk alive."""
    import gc
    import tracemalloc

    text = "".join(map(_bib_entry, range(10 * bibtex.CHUNK_ENTRIES)))
    bibtex.parse(_bib_entry(0))  # imports bibtexparser and its modules first
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        for _ in bibtex.iter_parse(text_lines(text)):
            pass
        retained, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        gc.enable()
    assert retained < 1_000_000, f"{retained:,} bytes still held after parsing"
