"""The names of the formats readq imports and exports, for the CLI's options.

Listed here so that `readq` (and the TUI it opens) starts without importing
every importer and exporter just to name them; tests/test_formats.py checks
that these are the importers' and exporters' own lists.
"""

IMPORT_FORMATS = ("plain", "arxiv", "bibtex", "arxiv-atom", "arxiv-json", "ris", "csv", "readq-json")
EXPORT_FORMATS = ("json", "jsonl", "bibtex", "csv", "markdown")
