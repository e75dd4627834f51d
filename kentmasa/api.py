"""The JSON API under /api/v1/ (django-ninja), for staff and the systems they connect.

Schema: /api/v1/openapi.json; browsable documentation: /api/v1/docs.
"""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationErrorContext
from ninja.errors import ValidationError as NinjaValidationError

from kentmasa.cases.api.fields import INVALID
from kentmasa.cases.api.views import refusal
from kentmasa.cases.api.views import router as cases_router
from kentmasa.cases.services import TransitionError
from kentmasa.directory.api import NON_FIELD, ApiError, BearerToken, InvalidInput, StaffSession, add_error
from kentmasa.directory.api import router as directory_router
from kentmasa.emergency.pts_api import router as pts_router
from kentmasa.notify.api import router as notify_router

DESCRIPTION = """
kentmasa's API for staff and the systems they connect (call-centre software, channel gateways).

**Authentication.** `Authorization: Bearer <token>`, with a token issued by
`python manage.py api_token USERNAME`; or the session of a member of staff signed in to the
console (unsafe methods then need the CSRF token in `X-CSRFToken`). The caller sees and acts on
exactly what their role shows them in the console.
A token issued with `api_token USERNAME --scope plate_reads` (a plate recognition camera system's) is
accepted by `POST /pts/reads` only, and answered 401 everywhere else.

**Language.** Messages and labels are in Turkish; send `Accept-Language: en` for English.

**Errors.** Every error body has `detail`, a sentence to show.

* `400` bad input: `{"detail": "…", "errors": {"subject": ["Bu alan zorunludur."],
  "citizen.tc_kimlik": ["…"]}}`. Keys are the request's field names, nested ones joined with
  dots (`citizen.tc_kimlik`, `location.latitude`); `__all__` is for the request as a whole. Each key
  holds a list of messages. Nothing has been written.
  A NUL character (`\\u0000`) in the path or the query string is refused this way, naming the parameter.
* `401` no valid token or session; `403` the caller's role may not do this (`code` says why);
  `404` no such case among those the caller may see; `409` the action is not possible in the case's
  current status (`code: "illegal_transition"`); `422` an `Idempotency-Key` reused for a different
  request (`code: "idempotency_key_reused"`); `414` the address is too long (from the web server in
  front, without this body). Each operation lists the statuses it can answer; there is no rate limit.

**Input.** Free text (subject, description, names, addresses, notes) has NUL characters removed;
an identifier that carries one (TC kimlik no, phone, e-mail, institution, tracking number) is refused.
Every text has the maximum length the schema gives. Ids are positive 64-bit integers. `received_at`
must lie between 2000-01-01 and five minutes after the server's clock; list filters by date take days
from 2000-01-01 to 2099-12-31.

**Times** are ISO 8601 with the offset of the server's time zone (`TIME_ZONE`, Europe/Istanbul:
`+03:00`); a time from before standard time zones, whose offset was not whole minutes, is given in UTC.

**Retries.** `POST /cases` with an `Idempotency-Key` header records at most one case per key: a retry
after a lost answer gets the first case back (201, header `Idempotent-Replayed: true`).
"""


class KentmasaAPI(NinjaAPI):
    def validation_error_from_error_contexts(
        self, error_contexts: list[ValidationErrorContext]
    ) -> InvalidInput:
        """Schema errors in our own shape and language, instead of pydantic's English list (and 422)."""
        errors: dict[str, list[str]] = {}
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                path = _field_path(
                    model.__ninja_param_source__, error["loc"], model.__ninja_flatten_map_reverse__
                )
                add_error(errors, path, _message(error))
        return InvalidInput(errors)


def _field_path(source: str, loc: tuple, flattened: dict) -> str:
    """The name the client used: "citizen.tc_kimlik" in a body, "status" for ?status=x&status=y."""
    parts = list(loc)
    if source == "body":
        parts = parts[1:] or parts  # the view's parameter name ("payload") is not part of the request
    else:
        # Query and path parameters are flat; a schema of them nests them under the view's parameter name.
        for end in range(len(parts), 0, -1):
            if tuple(parts[:end]) in flattened:
                parts = list(flattened[tuple(parts[:end])]) + parts[end:]
                break
        parts = [part for part in parts if not isinstance(part, int)]  # a repeated parameter is one name
    return ".".join(str(part) for part in parts) or NON_FIELD


def _message(error: Mapping[str, Any]) -> str:
    """A translated message for one pydantic error; Django's own msgids where it has one."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == INVALID:
        return str(error["msg"])
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    if kind == "string_too_short":
        limit, length = ctx.get("min_length", 0), len(error.get("input") or "")
        return ngettext(
            "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
            limit,
        ) % {"limit_value": limit, "show_value": length}
    if kind == "string_too_long":
        limit, length = ctx.get("max_length", 0), len(error.get("input") or "")
        return ngettext(
            "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
            "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
            limit,
        ) % {"limit_value": limit, "show_value": length}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind in ("less_than_equal", "less_than"):
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt"))
        }
    if kind in ("greater_than_equal", "greater_than"):
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt"))
        }
    if kind == "decimal_max_places":
        places = ctx.get("decimal_places", 0)
        return ngettext(
            "Ensure that there are no more than %(max)s decimal place.",
            "Ensure that there are no more than %(max)s decimal places.",
            places,
        ) % {"max": places}
    if kind == "decimal_max_digits":
        digits = ctx.get("max_digits", 0)
        return ngettext(
            "Ensure that there are no more than %(max)s digit in total.",
            "Ensure that there are no more than %(max)s digits in total.",
            digits,
        ) % {"max": digits}
    if kind.startswith("datetime"):
        return _("Enter a valid date/time.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind in ("enum", "literal_error"):
        return _("Select a valid choice. %(value)s is not one of the available choices.") % {
            "value": error.get("input")
        }
    if kind == "list_type":
        return _("Enter a list of values.")
    return _("Enter a valid value.")


api = KentmasaAPI(
    title="kentmasa",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[BearerToken(), StaffSession()],
)
api.add_router("", cases_router)
api.add_router("", directory_router)
api.add_router("", notify_router)
api.add_router("", pts_router)


def _error(
    request: HttpRequest,
    status: int,
    detail: str,
    code: str | None = None,
    errors: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body: dict = {"detail": str(detail)}
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return api.create_response(request, body, status=status)


@api.exception_handler(NinjaValidationError)
def invalid_input(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    if isinstance(exc, InvalidInput):
        errors = exc.field_errors
    else:
        errors = {}
        for error in exc.errors:
            add_error(errors, str(error.get("loc", "")), error.get("msg", _("Enter a valid value.")))
    return _error(request, 400, _("The data sent is not valid."), errors=errors)


@api.exception_handler(TransitionError)
def transition_refused(request: HttpRequest, exc: TransitionError) -> HttpResponse:
    return api.on_exception(request, refusal(exc))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, _("Send a valid API token (Authorization: Bearer …) or sign in."), "not_authenticated"
    )
    response["WWW-Authenticate"] = 'Bearer realm="kentmasa"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, ApiError):
        return _error(request, exc.status_code, exc.message, exc.code)
    if exc.status_code == 400:  # ninja could not read the body
        message = _("The request body is not valid JSON.")
        return _error(request, 400, message, errors={NON_FIELD: [message]})
    return _error(request, exc.status_code, exc.message)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    message = _("The request body is too large.")
    return _error(request, 400, message, errors={NON_FIELD: [message]})


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."), "not_found")


def unknown_address(request: HttpRequest) -> HttpResponse:
    """Any other address under /api/v1/ (a tracking number with "/" in it, a mistyped path): 404 in the
    API's own shape rather than the site's HTML page."""
    return _error(request, 404, _("Not found."), "not_found")
