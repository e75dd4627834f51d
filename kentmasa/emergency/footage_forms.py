"""The forms of the KGYS screens (kentmasa.emergency.footage_views): what an officer types, checked at the
edge (kentmasa.lib.edge: NUL, keys past 64 bits, years the database cannot compare) before kentmasa.
emergency.footage sees it. The domain's rules (retention, permissions, who approves) stay in footage.py.

A directorate with more than CAMERA_LIST_MAX cameras gets no list of them all (checkboxes, a select): its
officers type the cameras' codes instead (CameraCodes), checked against the directorate's cameras."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kentmasa.directory.models import Institution
from kentmasa.emergency import footage, recorders
from kentmasa.emergency.models import Camera, FootageRequest
from kentmasa.lib import edge

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M", "%Y-%m-%d %H:%M"]
CAMERA_LIST_MAX = 200  # cameras offered as checkboxes or a select; beyond, typed by code
CODES_SHOWN = 10  # unknown codes named in an error
CODE_SEPARATORS = re.compile(r"[\s,;]+")


def _moment(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=MOMENT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def _check_window(data: dict[str, Any], form: forms.Form) -> None:
    """Times the database can compare (2000 on), the end after the start, not starting in the future."""
    start, end = data.get("window_start"), data.get("window_end")
    for name, moment in (("window_start", start), ("window_end", end)):
        if moment is not None and not edge.is_searchable(moment):
            form.add_error(name, _("Choose times from 2000 on."))
            data.pop(name, None)
    start, end = data.get("window_start"), data.get("window_end")
    if start is not None and end is not None and end <= start:
        form.add_error("window_end", _("The window must end after it starts."))
    if start is not None and start > timezone.now():
        form.add_error("window_start", _("The window must start in the past."))


class CameraChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class CameraChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


def cameras_of(institution: Institution) -> QuerySet[Camera]:
    return Camera.objects.filter(institution=institution, active=True).order_by("code", "pk")


class CameraCodes(forms.CharField):
    """Cameras named by their codes (separated by commas, spaces or new lines), each one of ``queryset``:
    the bounded control for a directorate with too many cameras to list. Cleans to the cameras, in the
    order typed (one camera when ``most`` is 1)."""

    def __init__(self, *, queryset: QuerySet[Camera], most: int, **kwargs: Any):
        self.queryset = queryset
        self.most = most
        kwargs.setdefault("max_length", most * 66)  # codes up to 64 characters and a separator each
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"placeholder": "ESK-KGYS-001, ESK-KGYS-014", "spellcheck": "false"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        codes = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(text or "") if code))
        if not codes:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(codes) > self.most:
            if self.most == 1:
                raise forms.ValidationError(_("Give one camera's code."), code="too_many")
            raise forms.ValidationError(
                _("Choose at most %(count)d cameras in one request.") % {"count": self.most}, code="too_many"
            )
        usable = [code for code in codes if recorders.CAMERA_CODE.fullmatch(code)]
        found = {camera.code: camera for camera in self.queryset.filter(code__in=usable)} if usable else {}
        unknown = [code for code in codes if code not in found]
        if unknown:
            named = ", ".join(unknown[:CODES_SHOWN]) + ("…" if len(unknown) > CODES_SHOWN else "")
            raise forms.ValidationError(
                _("No camera of this directorate has the code: %(codes)s") % {"codes": named}, code="unknown"
            )
        cameras = [found[code] for code in codes]
        return cameras[0] if self.most == 1 else cameras


class RequestForm(edge.EdgeForm, forms.Form):
    """An authority's written request for footage, as the officer records it."""

    requester_kind = forms.ChoiceField(
        label=gettext_lazy("Requested by"), choices=FootageRequest.Requester.choices
    )
    requester = forms.CharField(
        label=gettext_lazy("Authority"),
        max_length=200,
        help_text=gettext_lazy("e.g. Eskişehir Cumhuriyet Başsavcılığı"),
    )
    reference_no = forms.CharField(label=gettext_lazy("Reference no"), max_length=100)
    reference_date = forms.DateField(
        label=gettext_lazy("Reference date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    cameras = CameraChoices(
        label=gettext_lazy("Cameras"), queryset=Camera.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    window_start = _moment(gettext_lazy("Footage from"))
    window_end = _moment(gettext_lazy("Footage until"))
    order = forms.FileField(
        label=gettext_lazy("Written order (scan)"),
        required=False,
        help_text=gettext_lazy("PDF or a scanned image; it may also be attached later."),
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cameras = cameras_of(institution)
        if cameras.count() > CAMERA_LIST_MAX:
            self.fields["cameras"] = CameraCodes(
                label=gettext_lazy("Cameras"),
                queryset=cameras,
                most=footage.MAX_CAMERAS,
                help_text=_(
                    "The cameras' codes, separated by commas (at most %(count)d), e.g. ESK-KGYS-001, "
                    "ESK-KGYS-014. The directorate's cameras are listed under Cameras."
                )
                % {"count": footage.MAX_CAMERAS},
            )
            return
        field = self.fields["cameras"]
        assert isinstance(field, CameraChoices)  # noqa: S101 - narrows the type
        field.queryset = cameras

    def clean_reference_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["reference_date"]
        if not edge.QUERY_FIRST_DAY <= day <= timezone.localdate():
            raise forms.ValidationError(_("Give a date from 2000 up to today."))
        return day

    def clean_cameras(self) -> list[Camera]:
        chosen = list(self.cleaned_data["cameras"])
        if len(chosen) > footage.MAX_CAMERAS:
            raise forms.ValidationError(
                _("Choose at most %(count)d cameras in one request.") % {"count": footage.MAX_CAMERAS}
            )
        return chosen

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_window(data, self)
        start, end = data.get("window_start"), data.get("window_end")
        if start is not None and end is not None and end - start > footage.MAX_WINDOW:
            self.add_error(
                "window_end",
                _("The window may be at most %(days)d days long.") % {"days": footage.MAX_WINDOW.days},
            )
        return data


class OrderForm(edge.EdgeForm, forms.Form):
    order = forms.FileField(label=gettext_lazy("Written order (scan)"))


class RefuseForm(edge.EdgeForm, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for refusal"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HoldForm(edge.EdgeForm, forms.Form):
    """A legal hold placed by hand (an investigation before any written request)."""

    camera = CameraChoice(label=gettext_lazy("Camera"), queryset=Camera.objects.none())
    window_start = _moment(gettext_lazy("Footage from"))
    window_end = _moment(gettext_lazy("Footage until"))
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=footage.REASON_MAX)

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any):
        super().__init__(*args, **kwargs)
        cameras = Camera.objects.filter(institution=institution).order_by("code", "pk")
        if cameras.count() > CAMERA_LIST_MAX:
            self.fields["camera"] = CameraCodes(
                label=gettext_lazy("Camera"),
                queryset=cameras,
                most=1,
                help_text=_(
                    "The camera's code, e.g. ESK-KGYS-014. The directorate's cameras are listed under "
                    "Cameras."
                ),
            )
            return
        field = self.fields["camera"]
        assert isinstance(field, CameraChoice)  # noqa: S101 - narrows the type
        field.queryset = cameras

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_window(data, self)
        start, end = data.get("window_start"), data.get("window_end")
        if start is not None and end is not None and end - start > footage.MAX_HOLD:
            self.add_error(
                "window_end",
                _("The window may be at most %(days)d days long.") % {"days": footage.MAX_HOLD.days},
            )
        return data


class LiftForm(edge.EdgeForm, forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why is the hold lifted?"), max_length=footage.REASON_MAX)


class RequestFilter(edge.EdgeForm, forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *FootageRequest.Status.choices],
    )


class HoldFilter(edge.EdgeForm, forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("Holds"),
        required=False,
        choices=[
            ("", gettext_lazy("Active")),
            ("lifted", gettext_lazy("Lifted")),
            ("all", gettext_lazy("All")),
        ],
    )
