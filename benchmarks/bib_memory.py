"""Peak memory of importing a large .bib file (issue 11: any file within 150 MB).

Writes a BibTeX file of N entries (default 20,000) built from the real corpus
(../shared/corpus/arxiv_abstracts.jsonl.gz: title, abstract, id, date, categories),
then measures the peak resident set size of two child processes:

  parser  reads the file through readq's BibTeX parser only (no database);
  import  runs `readq import` into a new database.

    python benchmarks/bib_memory.py [--entries N] [--corpus PATH] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "arxiv_abstracts.jsonl.gz"

PARSE_ONLY = """
import sys
from readq.importers import bibtex
from readq.importers.decode import numbered_lines
from readq.models import PaperRecord
records = problems = 0
with open(sys.argv[1], "rb") as handle:
    for item in bibtex.iter_parse(numbered_lines(handle, sys.argv[1])):
        if isinstance(item, PaperRecord):
            records += 1
        else:
            problems += 1
print(f"{records} records, {problems} problems")
"""


def escape(text: str) -> str:
    return text.replace("\\", "\\textbackslash{}").replace("{", "\\{").replace("}", "\\}")


def write_bib(corpus: Path, count: int, path: Path) -> int:
    written = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for line in source:
            if written == count:
                break
            paper = json.loads(line)
            year, month = paper["created"][:4], int(paper["created"][5:7])
            out.write(
                f"@article{{arxiv{paper['id'].replace('.', '_')},\n"
                f"  title = {{{escape(paper['title'])}}},\n"
                f"  journal = {{arXiv preprint arXiv:{paper['id']}}},\n"
                f"  year = {{{year}}},\n  month = {['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'][month - 1]},\n"
                f"  eprint = {{{paper['id']}}},\n  archivePrefix = {{arXiv}},\n"
                f"  primaryClass = {{{paper['categories'][0]}}},\n"
                f"  keywords = {{{', '.join(paper['categories'])}}},\n"
                f"  abstract = {{{escape(paper['abstract'])}}},\n}}\n\n"
            )
            written += 1
    return written


def peak_rss(command: list[str], cwd: Path) -> tuple[float, float, str]:
    """(peak RSS in MB, seconds, last output line) of a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output}")
    return usage.ru_maxrss / 1024, elapsed, output.strip().splitlines()[-1] if output.strip() else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--keep", type=Path, help="write the .bib and the database here and keep them")
    args = parser.parse_args()
    print(f"$ python benchmarks/bib_memory.py --entries {args.entries}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        bib = folder / f"papers-{args.entries}.bib"
        written = write_bib(args.corpus, args.entries, bib)
        print(f"{bib.name}: {written:,} entries, {bib.stat().st_size / 1e6:.1f} MB")
        baseline, _, _ = peak_rss([sys.executable, "-c", "import readq.importers.bibtex, bibtexparser"], ROOT)
        print(f"  python + imports only   peak RSS {baseline:6.1f} MB")
        rss, seconds, last = peak_rss([sys.executable, "-c", PARSE_ONLY, str(bib)], ROOT)
        print(f"  parser only             peak RSS {rss:6.1f} MB  {seconds:5.1f} s  ({last})")
        database = folder / "readq.db"
        rss, seconds, last = peak_rss(
            [sys.executable, "-m", "readq", "--db", str(database), "import", str(bib)], ROOT)
        print(f"  readq import (full)     peak RSS {rss:6.1f} MB  {seconds:5.1f} s  ({last})")
        print(f"  goal: within 150 MB: {'yes' if rss <= 150 else 'NO'}")


if __name__ == "__main__":
    main()
