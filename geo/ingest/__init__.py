"""Import files of a record kind: read, map headers, validate rows, convert coordinates, store.

Rooms: :mod:`~geo.ingest.files` reads every format users bring, :mod:`~geo.ingest.columns` maps
their headers, :mod:`~geo.ingest.values` parses a column's text, :mod:`~geo.ingest.validate` checks
rows and converts coordinates to WGS-84, :mod:`~geo.ingest.load` stores one file in one
transaction (:mod:`~geo.ingest.stream` a CSV, workbook or Parquet file in chunks, in bounded
memory), :mod:`~geo.ingest.mapping` applies a mapping of columns, values and defaults
(given on the command line, on the Data page or as a saved profile), :mod:`~geo.ingest.report`
says what happened (every rejected row with its file, row,
column and reason).

Headers in English or Chinese are mapped onto canonical columns by the alias table of
:mod:`geo.domain.schema`. A row with a missing or unparsable required value, coordinates outside
the configured region (or with latitude and longitude swapped) or an unknown category is rejected
with its file, row number, column and reason (every problem of the row, one entry per column);
the rest lands, all in one transaction. A point outside every stored area is no reject: the row
is stored flagged ``outside`` and listed in the report as such; reads leave it out. Row numbers
are the ones a user sees: the header is row 1 of a sheet or CSV, the first feature is row 1 of a
vector file.
"""

from __future__ import annotations

from geo.ingest.columns import map_headers, norm_header, suggest_mapping
from geo.ingest.files import read_table, sheet_names
from geo.ingest.load import import_frame
from geo.ingest.mapping import ImportMapping, MappingError
from geo.ingest.report import (
    FileError,
    ImportSummary,
    StoreBusy,
    in_language,
    rejects_csv,
    why,
)
from geo.ingest.stream import import_file
from geo.ingest.validate import validate
from geo.ingest.values import parse_ts

__all__ = [
    "FileError",
    "ImportMapping",
    "ImportSummary",
    "MappingError",
    "StoreBusy",
    "import_file",
    "import_frame",
    "in_language",
    "map_headers",
    "norm_header",
    "parse_ts",
    "read_table",
    "rejects_csv",
    "sheet_names",
    "suggest_mapping",
    "validate",
    "why",
]
