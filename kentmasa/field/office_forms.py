"""The forms of the field app's office pages (kentmasa.field.office_views): what a unit, a team leader or a
field user types, checked at the edge (kentmasa.lib.edge: NUL, keys past 64 bits) before the domain
functions see it. Photos are checked here too (kentmasa.field.photos.checked), so a bad file is refused with
the form's error before a case or a report exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kentmasa.cases import validators
from kentmasa.cases.forms import STAFF_TEXT_MAX, CoordinateField, choices
from kentmasa.cases.models import Case
from kentmasa.directory.models import Category, Team, Unit, User
from kentmasa.field import machines as field_machines
from kentmasa.field import photos as field_photos
from kentmasa.field.models import InspectionReport, InspectionSettings, Machine, Visit, WorkOrder
from kentmasa.lib import edge, plates

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"]
DAYS_AHEAD = 365  # the latest day a work order may be planned for


def _moment(label: Any, *, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _text(label: Any, max_length: int, *, required: bool = False, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=max_length, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _past_moment(form: forms.Form, name: str) -> None:
    """A time the user says something happened: from 2000 on, not in the future."""
    moment = form.cleaned_data.get(name)
    if moment is not None and not edge.is_plausible(moment):
        form.add_error(name, _("Give a time from 2000 up to now."))


class OfficeForm(edge.EdgeForm, forms.Form):
    """Its ``top_errors`` are the errors shown above the fields: the form's own and its hidden fields'."""

    def top_errors(self) -> list[str]:
        errors = [str(error) for error in self.non_field_errors()]
        for field in self.hidden_fields():
            errors.extend(str(error) for error in field.errors)
        return errors


FORM_ID_ERRORS = {
    "required": _("This form is damaged; open the page again."),
    "invalid": _("This form is damaged; open the page again."),
}


def _form_id() -> forms.UUIDField:
    """The id a form carries from the moment it is shown: a resend of the same form is done once."""
    return forms.UUIDField(widget=forms.HiddenInput, error_messages=FORM_ID_ERRORS)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from the camera or the gallery; cleaned into kentmasa.field.photos.Photo."""

    def __init__(self, **kwargs: Any) -> None:
        # No capture attribute: the phone offers its camera and its gallery, and several photos at once.
        attrs = {"accept": "image/*", "multiple": True}
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [super(PhotosField, self).clean(item, initial) for item in files]
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        return field_photos.checked([item for item in files if item])


class Located(OfficeForm):
    """Latitude and longitude together or not at all (the phone's position, or typed)."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("latitude") is None) != (data.get("longitude") is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            raise ValidationError(_("Give both latitude and longitude, or neither."), code="location")
        return data


# -- the unit sends a work order -----------------------------------------------------------------------------


class TeamChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} – {obj.unit.name}"


class MachineChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Machine) -> str:
        plate = plates.normalize(obj.plate).display if obj.plate else ""
        return " · ".join(part for part in (obj.name, plate, str(obj.get_kind_display())) if part)


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class WorkOrderForm(OfficeForm):
    team = TeamChoice(label=_("Team"), queryset=Team.objects.none())
    instructions = _text(_("Instructions"), 2000, rows=4)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    machines = MachineChoices(
        label=_("Machines"),
        queryset=Machine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only the available machines of the unit are listed."),
    )
    assignee = MemberChoice(
        label=_("Team member"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("The whole team"),
        help_text=_("Leave empty to give it to the whole team; the leader can reassign it."),
    )

    def __init__(self, *args: Any, case: Case, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.case = case
        teams = (
            Team.objects.filter(unit__institution_id=case.institution_id, kind=Team.Kind.FIELD, active=True)
            .select_related("unit")
            .order_by("unit__name", "name", "pk")
        )
        # The inspection team goes by "Derman'a gönder" (kentmasa.field.derman), beside the unit's own work.
        teams = teams.exclude(
            pk__in=InspectionSettings.objects.filter(institution_id=case.institution_id).values("team_id")
        )
        choices(self, "team").queryset = teams
        unit_ids = set(case.unit.subtree_ids()) if case.unit is not None else set()
        own = field_machines.unit_ids_of(user)
        if own is None:  # an administrator: any unit of the institution
            unit_ids |= set(
                Unit.objects.filter(institution_id=case.institution_id).values_list("pk", flat=True)
            )
        else:
            unit_ids |= set(own)
        choices(self, "machines").queryset = field_machines.bookable(sorted(unit_ids)).filter(
            unit__institution_id=case.institution_id
        )
        choices(self, "assignee").queryset = (
            User.objects.filter(
                Q(teams__in=teams) | Q(led_teams__in=teams),
                institution_id=case.institution_id,
                role=User.Role.FIELD_TEAM,
                is_active=True,
            )
            .distinct()
            .order_by("first_name", "last_name", "username")
        )

    def clean_day(self) -> dt.date:
        day: dt.date = self.cleaned_data["day"]
        today = timezone.localdate()
        if day < today:
            raise ValidationError(_("The day cannot be in the past."), code="past")
        if day > today + dt.timedelta(days=DAYS_AHEAD):
            raise ValidationError(_("Plan at most a year ahead."), code="far")
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        team, member = data.get("team"), data.get("assignee")
        if team is not None and member is not None and not crew(team).filter(pk=member.pk).exists():
            self.add_error("assignee", _("Choose a member of the team."))
        return data


# -- the team leader -----------------------------------------------------------------------------------------


def crew(team: Team) -> Any:
    """The field-team members of a team and its leader, active: who a work order may be given to."""
    return (
        User.objects.filter(Q(teams=team) | Q(led_teams=team), role=User.Role.FIELD_TEAM, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class ReassignForm(OfficeForm):
    client_id = _form_id()
    assignee = MemberChoice(
        label=_("Give to"), queryset=User.objects.none(), required=False, empty_label=_("The whole team")
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "assignee").queryset = crew(team)


# -- machinery -----------------------------------------------------------------------------------------------


class MachineStatusForm(OfficeForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(value, label) for value, label in Machine.Status.choices if value in field_machines.MANUAL],
    )


# -- the unit reviews a report -------------------------------------------------------------------------------


class ReviewFilter(OfficeForm):
    status = forms.ChoiceField(
        label=_("Report"),
        required=False,
        choices=[("", _("All reports"))]
        + [(value, label) for value, label in WorkOrder.Status.choices if value in WorkOrder.REPORTED],
    )


# -- a case opened in the field ------------------------------------------------------------------------------


class FieldCaseForm(Located):
    client_id = _form_id()
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("I don't know: let it be routed"),
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        required=False,
        help_text=_("Empty: the category's name."),
    )
    description = _text(_("What did you see?"), STAFF_TEXT_MAX, required=True, rows=4)
    photos = PhotosField(label=_("Photos"))
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    neighbourhood = forms.CharField(label=_("Neighbourhood (mahalle)"), max_length=120, required=False)
    address_text = forms.CharField(label=_("Address directions"), max_length=400, required=False)
    citizen_name = forms.CharField(label=_("Citizen's name"), max_length=200, required=False)
    citizen_phone = forms.CharField(
        label=_("Citizen's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Not verified: it is kept on this case only and joins no other citizen record."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "category").queryset = Category.objects.filter(
            institution=user.institution, active=True
        ).order_by("name", "pk")

    def clean_citizen_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data["citizen_phone"])


# -- the visit log -------------------------------------------------------------------------------------------


class StaffChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.get_full_name() or obj.username


class VisitForm(Located):
    kind = forms.ChoiceField(label=_("Kind"), choices=Visit.Kind.choices)
    place = forms.CharField(label=_("Place"), max_length=300, help_text=_("e.g. Menderes Mah. 12. Sok. No:4"))
    mahalle = forms.CharField(label=_("Neighbourhood (mahalle)"), max_length=100, required=False)
    started_at = _moment(_("Started"))
    ended_at = _moment(_("Ended"), required=False)
    staff = StaffChoices(
        label=_("Who went"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    people = forms.IntegerField(label=_("People met"), min_value=0, max_value=100_000, initial=0)
    asked = _text(_("What was asked"), 4000, rows=4)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)

    def __init__(self, *args: Any, user: User, staff: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"started_at": timezone.localtime().replace(second=0, microsecond=0)})
        super().__init__(*args, **kwargs)
        choices(self, "staff").queryset = staff
        self.fields["staff"].initial = [user.pk]
        units = Unit.objects.filter(institution=user.institution, active=True)
        if user.role in User.UNIT_ROLES:
            units = units.filter(pk__in=user.scoped_unit_ids)
        choices(self, "unit").queryset = units.order_by("name", "pk")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _past_moment(self, "started_at")
        _past_moment(self, "ended_at")
        started, ended = self.cleaned_data.get("started_at"), self.cleaned_data.get("ended_at")
        if started is not None and ended is not None and ended < started:
            self.add_error("ended_at", _("A visit cannot end before it starts."))
        return data


class RaiseForm(OfficeForm):
    """A request raised at a visit: it becomes a case (channel FIELD) linked to the visit."""

    client_id = _form_id()
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("I don't know: let it be routed"),
    )
    description = _text(_("What was asked"), STAFF_TEXT_MAX, required=True, rows=3)
    citizen_name = forms.CharField(label=_("Citizen's name"), max_length=200, required=False)
    citizen_phone = forms.CharField(
        label=_("Citizen's phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Not verified: it is kept on this case only and joins no other citizen record."),
    )
    address_text = forms.CharField(label=_("Address directions"), max_length=400, required=False)
    photos = PhotosField(label=_("Photos"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices(self, "category").queryset = Category.objects.filter(
            institution=user.institution, active=True
        ).order_by("name", "pk")

    def clean_citizen_phone(self) -> str:
        return validators.clean_phone(self.cleaned_data["citizen_phone"])


# -- the inspection report -----------------------------------------------------------------------------------


class WorkOrderChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: WorkOrder) -> str:
        return f"{obj.team.name} · {obj.scheduled_for:%d.%m.%Y} · {obj.get_status_display()}"


class InspectionForm(Located):
    client_id = _form_id()
    work_order = WorkOrderChoice(
        label=_("Work order"), queryset=WorkOrder.objects.none(), required=False, empty_label=_("None")
    )
    inspected_at = _moment(_("Inspected"))
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    latitude = CoordinateField(label=_("Latitude"), limit=90)
    longitude = CoordinateField(label=_("Longitude"), limit=180)
    findings = _text(_("Findings"), 8000, required=True, rows=6)
    outcome = forms.ChoiceField(
        label=_("Is the problem solved?"),
        choices=[("", _("Not stated")), *InspectionReport.Outcome.choices],
        required=False,
        help_text=_("“Not solved” on an answered case opens it again for the unit."),
    )
    recommendation = _text(_("Recommendation"), 4000, rows=3)
    photos = PhotosField(label=_("Photos"))
    signer_name = forms.CharField(label=_("Signed by (name)"), max_length=200)
    signer_title = forms.CharField(label=_("Title"), max_length=200, required=False)

    def __init__(
        self, *args: Any, case: Case, user: User, work_orders: list[WorkOrder], **kwargs: Any
    ) -> None:
        initial = {
            "inspected_at": timezone.localtime().replace(second=0, microsecond=0),
            "signer_name": user.get_full_name() or user.username,
            "place": case.address_text,
        }
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["work_order"])
        field.queryset = WorkOrder.objects.filter(pk__in=[order.pk for order in work_orders]).select_related(
            "team"
        )
        if not work_orders:
            del self.fields["work_order"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        _past_moment(self, "inspected_at")
        return data
