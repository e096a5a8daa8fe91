"""Import and export formats users already have: BibTeX, arXiv Atom and JSON,
RIS, CSV/TSV and readq's own JSON; merging on re-import; round trips."""

from __future__ import annotations

import io
import json
from pathlib import Path

import bibtexparser
import pytest
from click.testing import CliRunner

from readq.cli import cli
from readq.errors import UnusableInput
from readq.exporters import bibtex_entries, escape_text, write
from readq.importers import (
    arxiv_atom,
    arxiv_json,
    bibtex,
    csv_table,
    detect_format,
    readq_json,
    ris,
)
from readq.importers.decode import numbered_lines, text_lines
from readq.importers.latex import latex_to_text
from readq.importing import import_file
from readq.models import PaperRecord, Problem
from readq.store import Store

DATA = Path(__file__).parent / "data" / "formats"
SEEDS = Path(__file__).parent.parent / "readq" / "samples"


def parse_file(module, name: str):
    """Parse a fixture through the real byte decoder (BOM, CRLF)."""
    with (DATA / name).open("rb") as handle:
        records, problems = [], []
        for item in module.iter_parse(numbered_lines(handle, name)):
            (problems if isinstance(item, Problem) else records).append(item)
    return records, problems


def by_title(records: list[PaperRecord]) -> dict[str, PaperRecord]:
    return {record.title: record for record in records}


# ----- detection ------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("library.bib", "bibtex"), ("arxiv_api.xml", "arxiv-atom"), ("hostile.xml", "arxiv-atom"),
    ("arxiv_snapshot.jsonl", "arxiv-json"), ("zotero.ris", "ris"), ("papers.csv", "csv"),
    ("papers.tsv", "csv"),
])
def test_detects_each_format_by_content(name: str, expected: str):
    with (DATA / name).open("rb") as handle:
        assert detect_format(list(numbered_lines(handle, name))) == expected


def test_detection_of_seed_formats_is_unchanged():
    detected = {}
    for sample in sorted(SEEDS.glob("*.txt")):
        with sample.open("rb") as handle:
            detected[sample.name[:3]] = detect_format(list(numbered_lines(handle, sample.name)))
    assert detected == {"000": "plain", "004": "arxiv"}
    plain_like = "[Background] We study graphs, titles, abstracts and more in this long abstract.\n"
    assert detect_format(text_lines(plain_like)) == "plain"
    assert detect_format(text_lines('{"id": 1, "content_hash": "x", "title": "t"}\n')) == "readq-json"
    assert detect_format(text_lines('[\n  {\n    "id": 1\n  }\n]\n')) == "readq-json"


# ----- BibTeX ---------------------------------------------------------------------


def test_bibtex_fields_accents_macros_crossref_and_bom_crlf():
    records, problems = parse_file(bibtex, "library.bib")
    papers = by_title(records)
    assert list(papers) == [
        "Attention Is All You Need",
        "Über die Bayes'sche Optimierung für $\\mathcal{O}(n \\log n)$ Suche",
        "A Survey of Surveys",
        "Deep Sets Revisited",
        "Sparse MoE Routing",
    ]
    attention = papers["Attention Is All You Need"]
    assert attention.arxiv_id == "1706.03762"  # version dropped
    assert attention.authors == "Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit"
    assert attention.categories == "cs.CL cs.LG"
    assert attention.created == "2017"
    assert attention.abstract.startswith("The dominant sequence transduction models are based on complex recurrent")
    assert "the Transformer, based solely" in attention.abstract  # multi-line, braces gone
    assert attention.line == 8

    bayes = records[1]
    assert bayes.authors == "Jörg Müller, María García, Google Brain Team"
    assert bayes.abstract == (
        "We study Bayesian optimisation with 50% fewer evaluations & show that the naïve "
        "approach costs $O(n^2)$ time – far more than needed."
    )
    assert bayes.doi == "10.5555/abc.123_45"
    assert bayes.created == "2021-07"  # year + month macro

    survey = papers["A Survey of Surveys"]
    assert (survey.abstract, survey.created, survey.authors) == ("", "2020-03-14", "John Smith Jr, et al.")
    assert survey.url == "https://example.org/survey?id=7&lang=en"
    assert papers["Deep Sets Revisited"].doi == "10.1000/icml.2019"  # from its crossref parent
    assert papers["Deep Sets Revisited"].created == "2019"
    moe = papers["Sparse MoE Routing"]
    assert (moe.arxiv_id, moe.authors, moe.created) == ("2211.00001", "Françoise Dupont", "2022-11-02")
    assert moe.abstract.endswith("with $k=1$ suffices when experts are “balanced”.")

    assert [(p.line, p.rejected) for p in problems] == [(34, False), (54, True)]
    assert problems[0].reason.startswith("no abstract")
    assert problems[1].reason.startswith("malformed BibTeX entry")


def test_bibtex_string_concatenation_and_duplicate_keys():
    text = (
        '@string{venue = "Proc. of"}\n'
        '@misc{a, title = venue # " Things " # {and Stuff}, abstract = "An abstract that is long enough here."}\n'
        '@misc{a, title = {Second}, abstract = {Another abstract that is long enough.}}\n'
    )
    records, problems = bibtex.parse(text)
    assert [r.title for r in records] == ["Proc. of Things and Stuff", "Second"]
    assert [(p.line, p.reason, p.rejected) for p in problems] == [
        (3, "duplicate key 'a' (imported anyway)", False)
    ]


def test_bibtex_entry_without_title_or_abstract_is_rejected():
    records, problems = bibtex.parse("@misc{x, author = {Nobody}}\n")
    assert records == [] and [(p.line, p.reason) for p in problems] == [(1, "no title and no abstract")]


# ----- arXiv Atom -----------------------------------------------------------------


def test_arxiv_atom_entries():
    records, problems = parse_file(arxiv_atom, "arxiv_api.xml")
    assert problems == []
    first, second = records
    assert first == PaperRecord(
        abstract="The dominant sequence transduction models are based on complex recurrent or "
        "convolutional neural networks in an encoder-decoder configuration. We propose a new "
        "simple network architecture, the Transformer, with $O(1)$ path length & more.",
        line=8, title="Attention Is All You Need", arxiv_id="1706.03762",
        authors="Ashish Vaswani, Noam Shazeer", comments="15 pages, 5 figures",
        categories="cs.CL cs.LG", created="2017-06-12", updated="2023-08-02",
    )
    assert (second.arxiv_id, second.authors, second.doi, second.categories, second.line) == (
        "hep-th/9901001", "Jürgen Groß", "10.1016/s0550-3213(99)00001-x", "hep-th", 31)


@pytest.mark.parametrize("name", ["hostile.xml", "external_entity.xml"])
def test_hostile_xml_is_refused(name: str):
    with pytest.raises(UnusableInput, match="DOCTYPE declaration refused"):
        parse_file(arxiv_atom, name)


def test_entity_declaration_alone_and_broken_xml_are_refused():
    with pytest.raises(UnusableInput, match="ENTITY"):
        arxiv_atom.parse('<feed xmlns="http://www.w3.org/2005/Atom"><!ENTITY x "y"></feed>')
    with pytest.raises(UnusableInput, match="not well-formed"):
        arxiv_atom.parse('<feed xmlns="http://www.w3.org/2005/Atom"><entry></feed>')


def test_hostile_xml_import_leaves_database_untouched(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        with pytest.raises(UnusableInput):
            import_file(store, str(DATA / "hostile.xml"))
        assert store.count() == 0


# ----- arXiv JSON lines -----------------------------------------------------------


def test_arxiv_json_lines():
    records, problems = parse_file(arxiv_json, "arxiv_snapshot.jsonl")
    assert [(p.line, p.rejected) for p in problems] == [(3, True)]
    first, second, old = records
    assert first.title == "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    assert first.authors == "C. Balázs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan"
    assert (first.arxiv_id, first.created, first.updated, first.doi, first.categories) == (
        "0704.0001", "2007-04-02", "2008-11-13", "10.1103/physrevd.76.013009", "hep-ph")
    assert first.comments == "37 pages, 15 figures; published version"
    assert first.abstract.startswith("A fully differential calculation")
    assert second.categories == "math.CO cs.CG" and second.created == "2007-03-31"
    assert "$(k,\\ell)$-pebble" in second.abstract
    assert (old.arxiv_id, old.categories, old.comments, old.created, old.line) == (
        "math/0406123", "math.AG", "3 pages", "2004-06-07", 4)


def test_arxiv_json_streams_line_by_line():
    consumed = []

    def lines():
        for number in range(1, 10**6):
            consumed.append(number)
            yield number, json.dumps({"id": f"2401.{number:05d}", "title": f"Paper {number}",
                                      "abstract": "An abstract that is long enough to be kept."})

    stream = arxiv_json.iter_parse(lines())
    assert next(stream).arxiv_id == "2401.00001"
    assert len(consumed) == 1


# ----- RIS and CSV ----------------------------------------------------------------


def test_ris_records():
    records, problems = parse_file(ris, "zotero.ris")
    resnet, elan = records
    assert resnet.title == "Deep Residual Learning for Image Recognition"
    assert resnet.authors == "Kaiming He, Xiangyu Zhang, Shaoqing Ren"
    assert resnet.abstract.endswith("substantially deeper than those used previously.")
    assert (resnet.arxiv_id, resnet.doi, resnet.created, resnet.categories) == (
        "1512.03385", "10.1109/cvpr.2016.90", "2016-06-27", "cs.CV")
    assert "private note" not in repr(resnet)
    assert (elan.title, elan.authors, elan.created, elan.categories, elan.abstract) == (
        "Élan vital: a Study of Naïve Baselines", "Amélie Lefèvre", "2019", "baselines, evaluation", "")
    assert [(p.line, p.reason, p.rejected) for p in problems] == [
        (16, "no abstract (imported with its title only)", False),
        (24, "incomplete record at end of file (no ER line)", True),
    ]


def test_csv_and_tsv():
    records, problems = parse_file(csv_table, "papers.csv")
    gat, title_only, untitled, bad_id = records
    assert (gat.title, gat.arxiv_id, gat.created, gat.line) == (
        "Graph Attention Networks", "1710.10903", "2017-10-30", 2)
    assert gat.authors == "Petar Veličković, Guillem Cucurull"
    assert gat.abstract.startswith("We present graph attention networks (GATs), novel neural network architectures that")
    assert (title_only.title, title_only.doi, title_only.url, title_only.line) == (
        "Title Only, With Comma", "10.48550/arxiv.2001.00001", "https://example.org/t", 4)
    assert untitled.title is None and untitled.line == 5
    assert bad_id.arxiv_id is None and bad_id.line == 7
    assert [(p.line, p.rejected) for p in problems] == [(4, False), (7, False)]
    (tsv,), tsv_problems = parse_file(csv_table, "papers.tsv")
    assert (tsv.title, tsv.categories, tsv_problems) == ("Tab Separated Paper", "cs.AI cs.LG", [])


# ----- store: merging -------------------------------------------------------------


def import_text(store: Store, tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_file(store, str(path))


LISTING = (
    "The dominant sequence transduction models are based on complex recurrent or convolutional "
    "neural networks in an encoder-decoder configuration.\n\narXiv:1706.03762\nCreated: 2017-06-12\n"
)
BIB = (
    "@article{v, title = {Attention Is All You Need}, author = {Vaswani, Ashish},\n"
    "  eprint = {1706.03762}, archivePrefix = {arXiv}, doi = {10.5555/attn}, year = 2017}\n"
)


def test_bib_title_replaces_derived_headline_and_keeps_reading_state(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        import_text(store, tmp_path, "listing.txt", LISTING)
        (paper,) = store.iter_papers()
        assert paper.headline_derived
        store.rate(paper.id, 4)
        store.save_note(paper.id, "read the appendix")
        store.set_read([paper.id], True)
        before = store.get(paper.id)
        summary = import_text(store, tmp_path, "refs.bib", BIB)
        assert (summary.imported, summary.duplicates) == (0, 1)
        after = store.get(paper.id)
        assert (after.title, after.headline_derived) == ("Attention Is All You Need", False)
        assert (after.authors, after.doi, after.created) == ("Ashish Vaswani", "10.5555/attn", "2017-06-12")
        assert (after.rating, after.notes, after.read_at) == (4, "read the appendix", before.read_at)
        assert after.abstract == before.abstract
        # Plain re-import of the same abstract touches nothing.
        import_text(store, tmp_path, "again.txt", LISTING)
        assert store.get(paper.id) == after
        # The real title's words joined the search vocabulary.
        assert store._query("SELECT docs FROM search_terms WHERE term = 'need'") == [(1,)]


def test_merge_by_doi_and_title_only_gains_abstract(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        import_text(store, tmp_path, "a.bib", "@misc{a, title = {Deep Sets Revisited}, doi = {10.1/x}}\n")
        import_text(store, tmp_path, "b.bib", "@misc{a, title = {Only A Title}}\n")
        summary = import_text(store, tmp_path, "c.ris",
                              "TY  - JOUR\nTI  - Deep Sets\nDO  - 10.1/X\nAU  - Zaheer, Manzil\n"
                              "AB  - Permutation invariant functions, characterised once more.\nER  - \n"
                              "TY  - JOUR\nTI  - Only A Title\nAB  - Now with an abstract long enough.\nER  - \n")
        assert (summary.imported, summary.duplicates) == (0, 2)
        deep, only = store.iter_papers()
        assert (deep.title, deep.authors, deep.abstract) == (
            "Deep Sets Revisited", "Manzil Zaheer", "Permutation invariant functions, characterised once more.")
        assert only.abstract == "Now with an abstract long enough."
        # Title-only papers with different titles are different papers.
        assert store.count() == 2


def test_seed_files_reimport_as_duplicates(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        seeds = sorted(SEEDS.glob("*.txt"))
        first = [import_file(store, str(seed)) for seed in seeds]
        again = [import_file(store, str(seed)) for seed in seeds]
        assert all(s.imported == 0 and s.duplicates == f.imported for s, f in zip(again, first))


# ----- export and round trips -----------------------------------------------------


def stateful_store(path: Path) -> Store:
    store = Store.open(path)
    for name in ("library.bib", "arxiv_api.xml", "zotero.ris", "papers.csv"):
        import_file(store, str(DATA / name))
    for seed in sorted(SEEDS.glob("*.txt")):
        import_file(store, str(seed))
    ids = [paper.id for paper in store.iter_papers()]
    store.rate(ids[0], 5)
    store.rate(ids[3], 2)
    store.set_read(ids[:4], True)
    store.save_note(ids[1], "Check {braces}, 100% & $x$ _under_ ~tilde^ and a\nsecond line")
    return store


def export(store: Store, format: str) -> str:
    out = io.StringIO()
    write(store.iter_papers(), format, out)
    return out.getvalue()


def roundtrip(tmp_path: Path, store: Store, format: str, suffix: str) -> tuple[str, str]:
    first = export(store, format)
    (tmp_path / f"out{suffix}").write_text(first, encoding="utf-8")
    with Store.open(tmp_path / f"restored{suffix}.db") as restored:
        summary = import_file(restored, str(tmp_path / f"out{suffix}"))
        assert summary.rejected == 0, summary.problems
        return first, export(restored, format)


@pytest.mark.parametrize(("format", "suffix"), [("json", ".json"), ("jsonl", ".jsonl")])
def test_json_round_trip_is_exact_including_state(tmp_path: Path, format: str, suffix: str):
    with stateful_store(tmp_path / "q.db") as store:
        first, second = roundtrip(tmp_path, store, format, suffix)
    assert first == second  # ids, added_at, source, read state, ratings, notes: all of it
    assert '"rating": 5' in first or '"rating":5' in first


def entries_without_state(text: str) -> list[tuple[str, dict[str, str]]]:
    """Entries as (key, fields), minus the reading state a .bib import never restores."""
    entries = []
    for entry in bibtexparser.parse_string(text).entries:
        values = {field.key: field.value for field in entry.fields if field.key != "annote"}
        keywords = [k for k in values.pop("keywords", "").split(", ") if k and not k.startswith("readq-")]
        if keywords:
            values["keywords"] = ", ".join(keywords)
        entries.append((entry.key, values))
    return entries


def test_bibtex_round_trip_is_exact_apart_from_reading_state(tmp_path: Path):
    with stateful_store(tmp_path / "q.db") as store:
        first, second = roundtrip(tmp_path, store, "bibtex", ".bib")
    assert "readq-rating-5" in first and "annote = {Check" in first
    assert "readq-" not in second and "annote" not in second  # a .bib never sets reading state
    assert entries_without_state(first) == entries_without_state(second)


def test_bibtex_round_trip_is_exact_without_state(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        for name in ("library.bib", "arxiv_api.xml", "zotero.ris", "papers.csv", "arxiv_snapshot.jsonl"):
            import_file(store, str(DATA / name))
        first, second = roundtrip(tmp_path, store, "bibtex", ".bib")
    assert first == second


def test_bibtex_export_parses_cleanly_with_stable_keys(tmp_path: Path):
    with stateful_store(tmp_path / "q.db") as store:
        text = export(store, "bibtex")
        store_count = store.count()
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    keys = [entry.key for entry in library.entries]
    assert len(keys) == len(set(keys)) == store_count
    assert keys[0] == "vaswani2017attention"
    attention = library.entries[0]
    assert attention["eprint"] == "1706.03762" and attention["archivePrefix"] == "arXiv"
    assert "readq-rating-5" in attention["keywords"] and "readq-read" in attention["keywords"]
    note = library.entries[1]["annote"]
    assert note == ("Check \\textbraceleft{}braces\\textbraceright{}, 100\\% \\& $x$ \\_under\\_ "
                    "\\textasciitilde{}tilde\\textasciicircum{} and a\nsecond line")
    assert latex_to_text(note) == "Check {braces}, 100% & $x$ _under_ ~tilde^ and a\nsecond line"


def test_citation_keys_are_deduplicated_with_letters():
    from readq.models import Paper

    def paper(pid: int) -> Paper:
        return Paper(id=pid, title="Attention in Graphs", headline_derived=False, abstract="",
                     authors="Ada Lovelace, Bob Smith", created="2022-01-01")

    keys = [entry.split(",", 1)[0] for entry in bibtex_entries(paper(i) for i in range(3))]
    assert keys == ["@misc{lovelace2022attention", "@misc{lovelace2022attentiona", "@misc{lovelace2022attentionb"]


@pytest.mark.parametrize("text", [
    "plain words", "a {brace} and a } lone one", "50% & #1 _x_ $5 and $y^2$ ~ ^ \\alpha",
    "state-of-the-art -- really --- ``quoted'' ?` !`", "@article{x, and @misc(", "$\\{unbalanced$ $a}$",
    "Ünïcödé – “quotes” ∑",
])
def test_bibtex_escaping_reads_back_unchanged(text: str):
    escaped = escape_text(text)
    library = bibtexparser.parse_string(f"@misc{{k, title = {{{escaped}}}}}\n")
    assert library.failed_blocks == []
    assert latex_to_text(library.entries[0]["title"]) == text
    assert escaped.count("{") == escaped.count("}")  # bibtex counts braces, escaped or not


def test_csv_export_has_every_field_and_guards_formulas(tmp_path: Path):
    with stateful_store(tmp_path / "q.db") as store:
        store.save_note(1, "=HYPERLINK(\"http://evil\")")
        text = export(store, "csv")
    header, first = text.splitlines()[:2]
    assert header.split(",") == ["id", "title", "headline_derived", "abstract", "arxiv_id", "authors",
                                 "comments", "categories", "doi", "url", "created", "updated", "source",
                                 "added_at", "read_at", "rating", "notes", "notes_updated_at", "content_hash"]
    assert ',"\'=HYPERLINK(""http://evil"")",' in first


def test_readq_json_merge_newer_note_wins_and_fills_empty_state(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        import_text(store, tmp_path, "listing.txt", LISTING)
        (paper,) = store.iter_papers()
        store.save_note(paper.id, "old note")
        backup = json.loads(export(store, "json"))
        entry = backup[0]
        entry.update(rating=3, read_at="2024-01-01T00:00:00.000+00:00", notes="newer note",
                     notes_updated_at="2999-01-01T00:00:00.000+00:00")
        import_text(store, tmp_path, "backup.json", json.dumps(backup))
        merged = store.get(paper.id)
        assert (merged.rating, merged.read_at, merged.notes) == (
            3, "2024-01-01T00:00:00.000+00:00", "newer note")
        # An older backup loses to what the queue has now.
        store.rate(paper.id, 5)
        entry.update(rating=1, notes="stale note", notes_updated_at="2000-01-01T00:00:00.000+00:00")
        import_text(store, tmp_path, "old.json", json.dumps(backup))
        kept = store.get(paper.id)
        assert (kept.rating, kept.notes) == (5, "newer note")
        assert store.note_versions(paper.id)[0][1] == "newer note"


def test_plain_import_never_touches_state_even_from_bib_with_state(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        import_text(store, tmp_path, "s.bib",
                    "@misc{a, title = {T}, keywords = {readq-rating-5, readq-read}, annote = {mine},\n"
                    "  abstract = {An abstract that is long enough to import.}}\n")
        (paper,) = store.iter_papers()
        assert (paper.rating, paper.read_at, paper.notes, paper.categories) == (None, None, None, None)


def test_readq_json_bad_element_reported_by_line():
    text = '[\n  {"title": "Good", "abstract": "An abstract that is long enough.", "rating": 9},\n  {"title": oops}\n]\n'
    records, problems = readq_json.parse(text)
    assert [r.title for r in records] == ["Good"]
    assert [(p.line, p.rejected) for p in problems] == [(2, False), (3, True)]


# ----- CLI ------------------------------------------------------------------------


def test_cli_import_reports_and_export_writes_file(tmp_path: Path):
    runner = CliRunner()
    db = str(tmp_path / "q.db")
    result = runner.invoke(cli, ["--db", db, "import", str(DATA / "library.bib")])
    assert result.exit_code == 2  # the malformed entry was rejected
    assert "library.bib:34: warning: no abstract (imported with its title only)" in result.output
    assert "imported 5, duplicates 0, rejected 1 (bibtex)" in result.output
    forced = runner.invoke(cli, ["--db", db, "import", "--format", "ris", str(DATA / "zotero.ris")])
    assert "(ris)" in forced.output
    out = tmp_path / "refs.bib"
    result = runner.invoke(cli, ["--db", db, "export", "--format", "bibtex", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("@misc{vaswani2017attention,")
    assert not list(tmp_path.glob(".*.partial"))
    result = runner.invoke(cli, ["--db", db, "export", "--format", "csv", "--limit", "1"])
    assert len(result.output.splitlines()) == 2


@pytest.mark.parametrize("value", [
    r'{\"U}ber f{\"u}r $\mathcal{O}(n \log n)$', r"Garc{\'\i}a, Fran\c{c}ois and \v{S}koda",
    r"Stra\ss e, \o{}, \AA ngstr\"om", r"50\% \& \_ \# \$", r"``quoted'' -- and --- {\it this} \emph{that}",
    r"\textbraceleft{}x\textbraceright{} \textbackslash{}y \textasciicircum{}",
])
def test_fast_latex_decoding_agrees_with_pylatexenc(value: str):
    from readq.importers import latex

    assert latex_to_text(value) == latex._decoder().latex_to_text(value)


def test_unknown_commands_fall_back_to_pylatexenc():
    assert latex_to_text(r"5\textsuperscript{th} \cite{x}") == "5th <cit.>"


def test_keywords_split_on_commas_else_semicolons():
    from readq.importers.fields import categories, split_keywords

    assert split_keywords("a, b; c") == ["a", " b; c"]
    assert split_keywords("a; b") == ["a", " b"]
    assert categories(["cs.CL", " cs.LG ", "readq-rating-4"]) == "cs.CL cs.LG"
    assert categories(["deep learning", "cs.LG"]) == "deep learning, cs.LG"


def test_readq_csv_export_imports_back_with_derived_headlines(tmp_path: Path):
    with Store.open(tmp_path / "q.db") as store:
        import_file(store, str(DATA / "papers.csv"))
        (tmp_path / "out.csv").write_text(export(store, "csv"), encoding="utf-8")
        titles = [(p.title, p.headline_derived) for p in store.iter_papers()]
    with Store.open(tmp_path / "again.db") as again:
        summary = import_file(again, str(tmp_path / "out.csv"))
        assert (summary.format, summary.imported, summary.rejected) == ("csv", 4, 0)
        assert [(p.title, p.headline_derived) for p in again.iter_papers()] == titles


def test_the_cli_names_every_format_the_importers_and_exporters_have():
    from readq import exporters, formats, importers

    assert formats.IMPORT_FORMATS == importers.FORMATS
    assert formats.EXPORT_FORMATS == exporters.FORMATS
