"""The staff screens' forms: the console's new case, the queue's filters and bulk assignment, and the
pieces every staff form shares (choosing staff and teams, coordinates, text limits). The case page's
action forms are in kentmasa.cases.action_forms.

Forms only read and check input. ``NewCaseForm.open_case`` hands what the operator recorded to the one
way in (kentmasa.cases.intake.open_from), which writes the citizen and the case in one transaction.
"""

import contextlib
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import access, services, validators
from kentmasa.cases.citizens import STAFF
from kentmasa.cases.intake import Inbound, open_from
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Channel, Citizen, Kind, Priority, Status
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution, Team, Unit, User
from kentmasa.lib import edge, turkish

# The longest text staff may type into one field (a description, a note, an answer): twice what the public
# form allows a citizen, room for a dictated call or a petition copied in full (about three typed A4 pages);
# longer documents are attached as files. Without it a 216,000-character description was saved.
STAFF_TEXT_MAX = 10_000
EMAIL_MAX = 254  # Citizen.email; Django's form field alone would take 320
SEARCH_MAX = 200


def user_may(user: User, transition: str) -> bool:
    """The role allows the transition at all (the case decides the rest)."""
    return user.is_superuser or user.role in TRANSITIONS[transition].roles


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.get_role_display()})"


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} – {obj.unit.name}"


class CoordinateField(forms.DecimalField):
    """Latitude or longitude; accepts a decimal comma as Turkish keyboards type it."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        super().__init__(
            max_digits=9,
            decimal_places=6,
            min_value=Decimal(-limit),
            max_value=Decimal(limit),
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
            **kwargs,
        )

    # django-stubs give DecimalField the to_python of IntegerField (int | None); Django returns a Decimal.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
            # The map writes six decimals; a longer hand-typed value is rounded rather than refused.
            if "." in value and len(value.split(".", 1)[1]) > 6:
                with contextlib.suppress(ArithmeticError):
                    value = str(Decimal(value).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))
        return super().to_python(value)


def choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's model choice field ``name``, to set its queryset."""
    return cast(forms.ModelChoiceField, form.fields[name])


def staff_of(institution: Institution | None) -> QuerySet[User]:
    """Everyone an assignment may name (services.assign checks that they can work the case)."""
    return User.objects.filter(institution=institution, is_active=True).order_by(
        *alphabetical("first_name", "last_name"), "username"
    )


def teams_of(institution: Institution | None) -> QuerySet[Team]:
    return (
        Team.objects.filter(unit__institution=institution, active=True)
        .select_related("unit")
        .order_by(*alphabetical("name"))
    )


# -- who an assign list offers: the unit's own people and teams, anyone else through a search ----------------

FOUND_MAX = 20  # people or teams a search adds to an assign list
M = TypeVar("M", bound=Model)
Found = tuple[list[User], list[Team]]  # the people and the teams a search found


def staff_of_units(institution: Institution | None, unit_ids: Iterable[int]) -> QuerySet[User]:
    members = User.units.through.objects.filter(unit_id__in=list(unit_ids)).values("user_id")
    return staff_of(institution).filter(pk__in=members)


def teams_of_units(institution: Institution | None, unit_ids: Iterable[int]) -> QuerySet[Team]:
    return teams_of(institution).filter(unit_id__in=list(unit_ids))


def _starts_words(words: list[str], *texts: str) -> bool:
    """Each folded word of the search starts some word of the texts ("isik" finds "Hasan Işık")."""
    own = turkish.fold(" ".join(texts)).split()
    return all(any(word.startswith(typed) for word in own) for typed in words)


def _search(
    queryset: QuerySet[M], query: str, texts: Callable[[M], tuple[str, ...]], limit: int = FOUND_MAX
) -> list[M]:
    """The first ``limit`` rows of ``queryset`` (in its alphabetical order) that the search matches; reading
    stops there, so a search costs at most one pass over one institution's staff or teams."""
    words = turkish.fold(query or "").split()
    found: list[M] = []
    if not words:
        return found
    for row in queryset.iterator(chunk_size=200):
        if _starts_words(words, *texts(row)):
            found.append(row)
            if len(found) == limit:
                break
    return found


def find_staff(institution: Institution | None, query: str) -> list[User]:
    return _search(staff_of(institution), query, lambda u: (u.first_name, u.last_name, u.username))


def find_teams(institution: Institution | None, query: str) -> list[Team]:
    return _search(teams_of(institution), query, lambda t: (t.name, t.unit.name))


def offer(
    field: forms.ModelChoiceField,
    own: Iterable[Model],
    found: Iterable[Model] = (),
    keep: Iterable[Model | None] = (),
) -> None:
    """List the unit's own people (or teams), then what a search found, plus ``keep`` (the current or
    posted choice). The field still accepts anyone of its queryset: a search result posted is valid."""
    listed = list(own)
    seen = {row.pk for row in listed}
    for row in keep:
        if row is not None and row.pk not in seen:
            listed.append(row)
            seen.add(row.pk)
    extra = [row for row in found if row.pk not in seen]
    choices: list = [("", field.empty_label)]
    choices += [(row.pk, field.label_from_instance(row)) for row in listed]
    if extra:
        found_choices = [(row.pk, field.label_from_instance(row)) for row in extra]
        choices.append((_("Found by the search"), found_choices))
    field.widget.choices = choices


def _posted(form: forms.BaseForm, name: str, queryset: QuerySet[M]) -> M | None:
    """The object a bound form posted for ``name`` (to keep it listed when the form is shown again)."""
    value = form.data.get(form.add_prefix(name)) if form.is_bound else None
    if not value or not (str(value).isascii() and str(value).isdecimal()) or len(str(value)) > 18:
        return None
    return queryset.filter(pk=int(value)).first()


def offer_assignees(
    form: forms.BaseForm,
    institution: Institution | None,
    unit_ids: Iterable[int],
    search: str,
    current: tuple[User | None, Team | None] = (None, None),
) -> Found:
    """Set up a form's ``assignee`` and ``team`` fields: any active person or team of the institution is
    accepted, the units' own are listed, and ``search`` lists others. Returns what the search found (the
    form keeps it as ``found``, which its template lists)."""
    assignee = cast(forms.ModelChoiceField, form.fields["assignee"])
    team = cast(forms.ModelChoiceField, form.fields["team"])
    assignee.queryset = staff_of(institution)
    team.queryset = teams_of(institution)
    found = (find_staff(institution, search), find_teams(institution, search)) if search else ([], [])
    keep_assignee = [current[0], _posted(form, "assignee", staff_of(institution))]
    keep_team = [current[1], _posted(form, "team", teams_of(institution))]
    offer(assignee, staff_of_units(institution, unit_ids), found[0], keep_assignee)
    offer(team, teams_of_units(institution, unit_ids), found[1], keep_team)
    return found


# -- the operator console ------------------------------------------------------------------------------------


class NewCaseForm(edge.EdgeForm, forms.Form):
    """What an operator records while the citizen is on the line, in the order they hear it."""

    citizen = forms.ModelChoiceField(
        queryset=Citizen.objects.none(), required=False, widget=forms.HiddenInput
    )
    citizen_name = forms.CharField(
        label=_("Citizen's name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    citizen_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    citizen_tc_kimlik = forms.CharField(
        label=_("TC identity no"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    citizen_email = forms.EmailField(
        label=_("E-mail"),
        max_length=EMAIL_MAX,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Choose a category from the list."),
            "invalid_choice": _("Choose a category from the list."),
        },
    )
    category_search = forms.CharField(label=_("Category"), max_length=SEARCH_MAX, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.REQUEST)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=STAFF_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    province = forms.CharField(label=_("Province (il)"), max_length=60, required=False)
    district = forms.CharField(label=_("District (ilçe)"), max_length=60, required=False)
    neighbourhood = forms.CharField(label=_("Neighbourhood (mahalle)"), max_length=120, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    building_no = forms.CharField(label=_("Building no"), max_length=20, required=False)
    address_text = forms.CharField(label=_("Address directions"), max_length=400, required=False)
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    several_institutions = forms.BooleanField(label=_("Concerns several institutions"), required=False)
    resolve_now = forms.BooleanField(label=_("Resolved on the spot"), required=False)
    resolution = forms.CharField(
        label=_("What the citizen was told"),
        max_length=STAFF_TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        institution = user.institution
        choices(self, "category").queryset = Category.objects.filter(institution=institution, active=True)
        # Only a caller the operator could have found in the lookup may be picked.
        choices(self, "citizen").queryset = Citizen.objects.filter(
            institution=institution,
            pk__in=access.visible_cases(user).filter(citizen__isnull=False).values("citizen_id"),
        )
        if institution is not None:
            self.fields["province"].initial = institution.province
            self.fields["district"].initial = institution.district
        if not user_may(user, "resolve_on_the_spot"):
            del self.fields["resolve_now"]
            del self.fields["resolution"]

    def clean_citizen_tc_kimlik(self) -> str:
        return validators.clean_tc_kimlik(self.cleaned_data["citizen_tc_kimlik"])

    def clean_citizen_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data["citizen_phone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            raise ValidationError(_("Give both latitude and longitude, or neither."), code="location")
        if data.get("resolve_now") and not (data.get("resolution") or "").strip():
            self.add_error("resolution", _("Write what the citizen was told."))
        return data

    def location(self) -> dict:
        return {
            field: self.cleaned_data.get(field)
            for field in (
                "latitude",
                "longitude",
                "province",
                "district",
                "neighbourhood",
                "street",
                "building_no",
                "address_text",
            )
        }

    def inbound(self) -> Inbound:
        """The case this form describes, as the one way in takes it (kentmasa.cases.intake).

        What the operator recorded about the caller is proven (staff checked it, see cases.citizens); the
        caller picked in the look-up is filled in with it, unless a different TC kimlik no was typed.
        """
        data = self.cleaned_data
        institution = self.user.institution
        if institution is None:  # the console and the desk let in only staff of an institution
            raise services.TransitionError(
                str(_("Your account is not linked to an institution, so it cannot record cases.")),
                "institution",
            )
        return Inbound(
            channel=data["channel"],
            institution=institution,
            subject=data["subject"],
            text=data["description"],
            name=data["citizen_name"].strip(),
            tc_kimlik=data["citizen_tc_kimlik"],
            phone=data["citizen_phone"],
            email=data["citizen_email"],
            proven=STAFF,
            citizen=data.get("citizen"),
            kind=data["kind"],
            category=data["category"],
            priority=data["priority"],
            several_institutions=data["several_institutions"],
            location=self.location(),
            actor=self.user,
        )

    def open_case(self) -> Case:
        """Record the citizen and open the case this form describes, in one transaction (joining the
        caller's, if any).

        The console and the desk both record cases with this form; the desk adds its own checks around it.
        """
        return open_from(self.inbound())


# -- the unit queue ------------------------------------------------------------------------------------------


class QueueFilterForm(edge.EdgeForm, forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=SEARCH_MAX,
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Tracking no, name, phone, words…")}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    unit = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.none(), required=False, empty_label=_("All units")
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.none(), required=False, empty_label=_("All categories")
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [("", _("All open statuses"))] + [
            (value, label) for value, label in Status.choices if value in ACTIVE_STATUSES
        ]
        own = Q(institution_id=user.institution_id)
        units = Unit.objects.filter(own)
        if not (user.is_superuser or user.role in access.INSTITUTION_WIDE):
            units = Unit.objects.filter(pk__in=user.scoped_unit_ids)
        choices(self, "unit").queryset = units.order_by(*alphabetical("name"))
        choices(self, "category").queryset = Category.objects.filter(own)


class BulkAssignForm(edge.EdgeForm, forms.Form):
    cases = forms.ModelMultipleChoiceField(
        queryset=Case.objects.none(),
        error_messages={
            "required": _("Tick the cases to assign."),
        },
    )
    assignee = StaffChoiceField(
        label=_("Assign to"), queryset=User.objects.none(), required=False, empty_label=_("(nobody)")
    )
    team = TeamChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label=_("(no team)")
    )

    found: Found

    def __init__(
        self,
        *args: Any,
        user: User,
        unit_ids: Iterable[int] | None = None,
        search: str = "",
        **kwargs: Any,
    ) -> None:
        """``unit_ids``: the units whose staff and teams are listed (the queue's unit filter, else the user's
        own units); ``search`` adds up to FOUND_MAX others of the institution."""
        super().__init__(*args, **kwargs)
        if unit_ids is None:
            unit_ids = user.scoped_unit_ids if user.role in User.UNIT_ROLES else []
        choices(self, "cases").queryset = access.visible_cases(user)
        self.found = offer_assignees(self, user.institution, unit_ids, search)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("assignee") or data.get("team")):
            raise ValidationError(_("Choose a person or a team to assign the case to."), code="assignee")
        return data
