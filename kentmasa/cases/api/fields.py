"""The field types of the cases API's schemas, with the checks every edge applies.

Free text (a citizen's words, a note) has NUL removed, as on every edge (kentmasa.lib.edge); an identifier
that carries one is refused, since it could only be a wrong identifier. Our own checks raise ``invalid``,
whose message kentmasa.api shows as it is (``INVALID``).
"""

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field
from pydantic import BeforeValidator, PlainSerializer
from pydantic_core import PydanticCustomError

from kentmasa.lib import edge

# The error type our own field checks give pydantic; kentmasa.api shows its message as it is.
INVALID = "kentmasa_invalid"
MAX_PAGE = 200
MAX_OFFSET = 1_000_000_000
# The cases list's offset: as far as its count goes (views.COUNT_LIMIT); older cases are found by date.
MAX_CASE_OFFSET = 10_000
MAX_ID = 2**63 - 1  # row ids are 64-bit: a larger number is refused before it reaches the database
MAX_TEXT = 20000
# White space as both Python (str.strip) and JSON Schema (ECMA-262 \s) count it: a subject must have a
# character outside this class, and the schema says so with the same class.
NOT_BLANK = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


V = TypeVar("V")
R = TypeVar("R")


def invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError(INVALID, "{message}", {"message": str(message)})


def django_check(check: Callable[[V], R], value: V) -> R:
    """``check(value)``, its Django ValidationError given as our own field error."""
    try:
        return check(value)
    except DjangoValidationError as error:
        raise invalid(" ".join(error.messages)) from None


def _without_nul(value: Any) -> Any:
    return edge.clean_text(value) if isinstance(value, str) else value


def _refuse_nul(value: Any) -> Any:
    if isinstance(value, str) and edge.NUL in value:
        raise invalid(str(edge.NUL_MESSAGE))
    return value


# Free text (a citizen's words, a note) has NUL removed, as on every edge (kentmasa.lib.edge); an
# identifier that carries one is refused, since it could only be a wrong identifier.
Text = Annotated[str, BeforeValidator(_without_nul)]
Identifier = Annotated[str, BeforeValidator(_refuse_nul)]
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
# Times go out in the configured time zone, with an offset of whole minutes (kentmasa.lib.edge.shown_time).
Timestamp = Annotated[dt.datetime, PlainSerializer(edge.shown_time, return_type=dt.datetime)]
