"""The directory side of the JSON API: who the caller is (token or session), the error every app raises for
bad input, and the institution's categories and service standards.

kentmasa.api assembles the API; kentmasa.cases.api imports the auth-independent pieces from here
(directory comes before cases in the order of dependency).
"""

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from kentmasa.deadlines import CompletionTimeError, Duration
from kentmasa.directory.models import ApiToken, ApplicationPlace, Category, Service, Unit, User

NON_FIELD = "__all__"


class ApiRequest(HttpRequest):
    """A request past the API's authentication (BearerToken or StaffSession), whose ``auth`` is the member
    of staff calling. Only the type checker sees it: views take it instead of `HttpRequest`."""

    auth: User


class InvalidInput(NinjaValidationError):
    """Bad input, answered with 400 and ``{"detail": ..., "errors": {"field.path": ["message", ...]}}``.

    Field paths name the request's own fields, nested ones joined with dots ("citizen.tc_kimlik");
    a problem with no single field goes under "__all__". Messages are translated and safe to show.
    """

    def __init__(self, errors: dict[str, list[str]]):
        self.field_errors = errors
        super().__init__(
            [{"loc": field, "msg": message} for field, messages in errors.items() for message in messages]
        )

    @classmethod
    def single(cls, field: str, message: str) -> "InvalidInput":
        return cls({field: [message]})


class ApiError(HttpError):
    """Any other refusal: ``{"detail": "message", "code": "..."}`` with its status (403, 404, 409)."""

    def __init__(self, status_code: int, message: str, code: str | None = None):
        super().__init__(status_code, str(message))
        self.code = code


def add_error(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field or NON_FIELD, []).append(str(message))


class ErrorOut(Schema):
    detail: str
    code: str | None = None
    errors: dict[str, list[str]] | None = Field(
        None, description='400 only: {"field.path": ["message", …]}; "__all__" for the request as a whole'
    )


def answers(ok: dict, *errors: int) -> dict:
    """An operation's documented answers: ``ok`` and ``errors`` (each with ErrorOut), and those every
    request may get: 400 (a NUL in the path or query string, kentmasa.lib.edge), 401, and 414, which the web
    server in front answers (gunicorn refuses a request line over 4094 bytes) before kentmasa sees it.
    """
    return {**ok, **{status: ErrorOut for status in sorted({400, 401, *errors})}, 414: None}


# --- who is calling ---------------------------------------------------------------------------------------


class BearerToken(HttpBearer):
    """``Authorization: Bearer km_…`` with a token from ``manage.py api_token``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip())
        if user is not None:
            # Code below the API (access logs, the domain functions' callers) reads request.user.
            request.user = user
        return user


class StaffSession(APIKeyCookie):
    """A member of staff signed in to the web console; unsafe methods must carry the CSRF token.

    Unlike ninja's SessionAuth the CSRF check runs only when there is a signed-in user, so a request
    with neither a session nor a token is answered 401, not 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __call__(self, request: HttpRequest) -> User | None:
        return self.authenticate(request, request.COOKIES.get(self.param_name))

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if not (key and isinstance(user, User) and user.is_active):  # AnonymousUser is no User
            return None
        if check_csrf(request) is not None:
            raise ApiError(403, _("The security check failed; reload the page and try again."), "csrf")
        return user


def institution_filter(user: User) -> dict:
    """Rows of the caller's own institution; a superuser without one sees every institution's."""
    if user.is_superuser and user.institution_id is None:
        return {}
    return {"institution_id": user.institution_id}


# --- categories and services ------------------------------------------------------------------------------


class NamedOut(Schema):
    id: int
    name: str


class DurationOut(Schema):
    amount: int
    unit: str  # minutes, hours, days or business_days
    text: str  # as Turkish tables write it: "15 iş günü"


class StandardOut(Schema):
    """The completion-time cell as kentmasa reads it."""

    immediate: bool
    deadline: DurationOut | None
    extended: DurationOut | None  # applies when the case concerns several institutions
    retention: DurationOut | None  # how long something is kept; not a deadline
    error: str | None  # why the cell could not be read; no deadline is computed then


class ApplicationPlaceOut(Schema):
    person_name: str
    title: str
    office: str
    address: str
    phone: str
    fax: str
    email: str


class ServiceOut(Schema):
    id: int
    number: int | None
    name: str
    unit: NamedOut | None
    documents: str
    completion_time: str
    standard: StandardOut
    first_application_place: ApplicationPlaceOut | None
    second_application_place: ApplicationPlaceOut | None


class CategoryServiceOut(Schema):
    id: int
    name: str
    completion_time: str


class CategoryOut(Schema):
    id: int
    name: str
    keywords: str
    service: CategoryServiceOut | None
    unit: NamedOut | None


def _named(obj: Unit | None) -> dict[str, Any] | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


def _duration(duration: Duration | None) -> dict | None:
    if duration is None:
        return None
    return {"amount": duration.amount, "unit": duration.unit.value, "text": duration.describe_tr()}


def describe_standard(service: Service) -> dict:
    try:
        completion = service.standard
    except CompletionTimeError as error:
        return {
            "immediate": False,
            "deadline": None,
            "extended": None,
            "retention": None,
            "error": error.message,
        }
    return {
        "immediate": completion.immediate,
        "deadline": _duration(completion.standard),
        "extended": _duration(completion.extended),
        "retention": _duration(completion.retention),
        "error": None,
    }


def _place(place: ApplicationPlace | None) -> dict | None:
    if place is None:
        return None
    return {
        field: getattr(place, field)
        for field in ("person_name", "title", "office", "address", "phone", "fax", "email")
    }


router = Router(tags=["directory"])


@router.get(
    "/categories",
    response=answers({200: list[CategoryOut]}),
    summary="Active categories of the caller's institution",
)
def list_categories(request: ApiRequest) -> list[dict[str, Any]]:
    categories: QuerySet[Category] = (
        Category.objects.filter(active=True, **institution_filter(request.auth))
        .select_related("service", "unit")
        .order_by("name", "pk")
    )
    return [
        {
            "id": category.pk,
            "name": category.name,
            "keywords": category.keywords,
            "service": (
                {
                    "id": category.service.pk,
                    "name": category.service.name,
                    "completion_time": category.service.completion_time,
                }
                if category.service
                else None
            ),
            "unit": _named(category.unit),
        }
        for category in categories
    ]


@router.get(
    "/services",
    response=answers({200: list[ServiceOut]}),
    summary="The caller's institution's service standards",
)
def list_services(request: ApiRequest) -> list[dict[str, Any]]:
    services = (
        Service.objects.filter(**institution_filter(request.auth))
        .select_related("unit", "first_application_place", "second_application_place")
        .order_by("number", "name", "pk")
    )
    return [
        {
            "id": service.pk,
            "number": service.number,
            "name": service.name,
            "unit": _named(service.unit),
            "documents": service.documents,
            "completion_time": service.completion_time,
            "standard": describe_standard(service),
            "first_application_place": _place(service.first_application_place),
            "second_application_place": _place(service.second_application_place),
        }
        for service in services
    ]
