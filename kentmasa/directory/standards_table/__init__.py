"""Read a service standards table (hizmet standartları tablosu) as institutions publish it.

Every institution must publish its services in a table with the same four columns — row number,
service name, the documents asked for, the completion time — followed by the first and second
application place (ilk / ikinci müracaat yeri) a citizen turns to when the standard is missed.
What reaches us is that table copied out of a PDF or a Word file: cells separated by tabs, long
cells wrapped onto following lines, the document's title repeated at a page break, a paragraph of
text before the table, and the two application places one below the other or side by side.

`read_standards_table` reads such a text without any hand editing and reports every line it could
not read as a `Problem` (line number, Turkish message). A completion time is kept exactly as
written and checked with `parse_completion_time`: a cell we cannot read is a problem, never a zero
or a missing deadline.

Pure Python: no Django import.
"""

from kentmasa.directory.standards_table.places import FIELD_NAMES_TR
from kentmasa.directory.standards_table.result import (
    ApplicationPlaceBlock,
    Problem,
    ServiceRow,
    StandardsTable,
)
from kentmasa.directory.standards_table.rows import TableReader

__all__ = [
    "ApplicationPlaceBlock",
    "Problem",
    "ServiceRow",
    "StandardsTable",
    "field_name_tr",
    "read_standards_table",
]


def read_standards_table(text: str) -> StandardsTable:
    """Read a service standards table copied out of a PDF or Word file (see the module docstring)."""
    return TableReader(text).read()


def field_name_tr(name: str) -> str:
    """The Turkish name of an application place's field, for messages."""
    return FIELD_NAMES_TR.get(name, name)
