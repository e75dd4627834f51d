"""The router's parts of the staff screens (htmx partials), mounted at /yonlendirme/.

- suggest: the console asks, while the operator types, for the likeliest three categories, whose matter
  it is, and the open cases near it that may be the same report.
- case_panel: on the case page, what intake flagged, the classifier's choices when the category is not
  set, likely duplicates with a merge button, and a way to correct the category.
- categorise / act_on_flag: the buttons of that panel; each is one domain function call.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kentmasa.cases import access, services
from kentmasa.cases.models import ACTIVE_STATUSES, Case
from kentmasa.cases.tracking import clean_tracking_number, format_tracking_number
from kentmasa.cases.transitions import TRANSITIONS
from kentmasa.cases.views import StaffRequest, staff_required
from kentmasa.directory.collation import alphabetical
from kentmasa.directory.models import Category, Institution, User
from kentmasa.routing import duplicates, intake, jurisdiction, training
from kentmasa.routing.intake import Choice
from kentmasa.routing.jurisdiction import Referral
from kentmasa.routing.models import Prediction, RoutingFlag

MIN_TEXT = 4  # characters typed before the classifier is asked


def describe(
    kind: str,
    *,
    target: Institution | None = None,
    body_name: str = "",
    place: str = "",
    reason: str = "",
    institution: Institution | None = None,
) -> str:
    """What a finding means, for staff, in the reader's language."""
    if kind == RoutingFlag.Kind.TERRITORY:
        where = place or _("this place")
        if target is not None:
            return _("%(place)s is outside %(institution)s's territory; it is %(target)s's.") % {
                "place": where,
                "institution": institution.name if institution else _("the institution"),
                "target": target.name,
            }
        return _(
            "%(place)s is outside %(institution)s's territory; no institution in kentmasa answers for it."
        ) % {
            "place": where,
            "institution": institution.name if institution else _("the institution"),
        }
    if kind == RoutingFlag.Kind.COMPETENCE:
        if target is not None:
            text = _("This category is %(target)s's competence.") % {"target": target.name}
        else:
            text = _(
                "This category is the other municipality's competence, but which one is not known: the "
                "district of the point is unknown or its municipality is not in kentmasa."
            )
        return f"{text} {reason}".strip()
    if kind == RoutingFlag.Kind.EXTERNAL:
        return _("This is %(body)s's matter.") % {"body": body_name} + (f" {reason}" if reason else "")
    return _("The category could not be chosen from the text with enough certainty; choose it.")


def _referral_text(referral: Referral, institution: Institution | None) -> str:
    return describe(
        referral.kind,
        target=referral.target,
        body_name=referral.body_name,
        place=referral.place,
        reason=referral.reason,
        institution=institution,
    )


def _choices(choices: Iterable[Choice]) -> list[dict[str, Any]]:
    return [
        {
            "category": choice.category,
            "unit": choice.category.unit,
            "percent": round(choice.probability * 100),
        }
        for choice in choices
    ]


def _candidate_rows(found: Iterable[duplicates.Candidate]) -> list[dict[str, Any]]:
    return [
        {
            "case": candidate.case,
            "tracking": format_tracking_number(candidate.case.tracking_number),
            "score": round(candidate.score * 100),
            "reasons": candidate.reasons,
        }
        for candidate in found
    ]


def _require_intake_role(user: User) -> None:
    if user.institution_id is None or not (user.is_superuser or user.role in access.INSTITUTION_WIDE):
        raise PermissionDenied


@require_GET
@staff_required
def suggest(request: StaffRequest) -> HttpResponse:
    """htmx partial for the console: top-3 categories, whose matter it is, likely duplicates."""
    user = request.user
    _require_intake_role(user)
    institution = user.institution
    if institution is None:  # _require_intake_role refused it already
        raise PermissionDenied
    params = request.GET
    subject, description = params.get("subject", "")[:200], params.get("description", "")[:5000]
    category = None
    category_id = _int(params.get("category"))
    if category_id is not None:
        category = Category.objects.filter(pk=category_id, institution=institution, active=True).first()
    where = jurisdiction.where(
        latitude=_number(params.get("latitude")),
        longitude=_number(params.get("longitude")),
        province=params.get("province", "")[:60],
        district=params.get("district", "")[:60],
        neighbourhood=params.get("neighbourhood", "")[:120],
    )
    typed = len((subject + description).strip()) >= MIN_TEXT
    decision = intake.decide(
        institution, subject=subject, description=description, category=category, where=where
    )
    probe = duplicates.probe_from_fields(
        institution.pk,
        subject=subject,
        description=description,
        latitude=params.get("latitude"),
        longitude=params.get("longitude"),
        category_id=category.pk if category else (decision.category.pk if decision.category else None),
        neighbourhood=params.get("neighbourhood", "")[:120],
        street=params.get("street", "")[:200],
    )
    found = duplicates.candidates(probe) if (typed or probe.has_point) else []
    visible = set(
        access.visible_cases(user).filter(pk__in=[c.case.pk for c in found]).values_list("pk", flat=True)
    )
    return render(
        request,
        "routing/_suggestions.html",
        {
            "suggestions": _choices(decision.suggestions) if typed else [],
            "sure": decision.confident,
            "threshold": round(training.threshold() * 100),
            "findings": [_referral_text(r, institution) for r in decision.referrals],
            "duplicates": _candidate_rows([c for c in found if c.case.pk in visible]),
        },
    )


def _number(value: str | None) -> float | None:
    try:
        return float(str(value).replace(",", ".")) if value not in (None, "") else None
    except ValueError:
        return None


def _visible_case(request: StaffRequest, tracking_number: str) -> Case:
    number = clean_tracking_number(tracking_number) or tracking_number
    cases = access.visible_cases(request.user).select_related("institution", "category", "unit")
    return get_object_or_404(cases, tracking_number=number)


@require_GET
@staff_required
def case_panel(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """htmx partial for the case page (routing/_case_hook.html): flags, choices, duplicates, correction."""
    user = request.user
    case = _visible_case(request, tracking_number)
    active = case.status in ACTIVE_STATUSES
    flags = []
    for flag in case.routing_flags.filter(cleared_at__isnull=True).select_related("target_institution"):
        if not active or (flag.kind == RoutingFlag.Kind.CATEGORY and case.category_id):
            continue
        flags.append(
            {
                "flag": flag,
                "text": describe(
                    flag.kind,
                    target=flag.target_institution,
                    body_name=flag.body_name,
                    place=flag.place,
                    reason=flag.reason,
                    institution=case.institution,
                ),
                "actionable": _flag_action(user, case, flag) is not None,
            }
        )
    may_categorise = active and services.may_categorise(user, case)
    choices = []
    if may_categorise and case.category_id is None:
        prediction = Prediction.objects.filter(case=case).first()
        if prediction is not None and prediction.suggestions:
            by_id = (
                Category.objects.filter(pk__in=[s["category"] for s in prediction.suggestions], active=True)
                .select_related("unit")
                .in_bulk()
            )
            choices = [
                {
                    "category": by_id[s["category"]],
                    "unit": by_id[s["category"]].unit,
                    "percent": round(s["probability"] * 100),
                }
                for s in prediction.suggestions
                if s["category"] in by_id
            ]
        else:
            _row, ranked = intake.classify(
                case.institution, training.case_text(case.subject, case.description)
            )
            choices = _choices(ranked)
    may_merge = (
        active and access.may_perform(user, case, "merge") and case.status in TRANSITIONS["merge"].sources
    )
    rows = []
    if active:
        found = duplicates.candidates(case)
        visible = set(
            access.visible_cases(user).filter(pk__in=[c.case.pk for c in found]).values_list("pk", flat=True)
        )
        rows = _candidate_rows([c for c in found if c.case.pk in visible])
    categories = (
        Category.objects.filter(institution=case.institution, active=True).order_by(*alphabetical("name"))
        if may_categorise
        else Category.objects.none()
    )
    return render(
        request,
        "routing/_case_panel.html",
        {
            "case": case,
            "flags": flags,
            "choices": choices,
            "duplicates": rows,
            "may_merge": may_merge,
            "may_categorise": may_categorise,
            "categories": categories,
        },
    )


@require_POST
@staff_required
def categorise(request: StaffRequest, tracking_number: str) -> HttpResponse:
    """Set or correct the case's category (an operator's pick teaches the classifier)."""
    user = request.user
    case = _visible_case(request, tracking_number)
    if not services.may_categorise(user, case):
        raise PermissionDenied
    chosen = _int(request.POST.get("category"))
    category = (
        Category.objects.filter(pk=chosen, institution_id=case.institution_id, active=True).first()
        if chosen is not None
        else None
    )
    if category is None:
        messages.error(request, _("Choose a category from the list."))
        return redirect("cases:detail", tracking_number=case.tracking_number)
    try:
        updated = services.categorise(
            case, category=category, actor=user, note=request.POST.get("note", "")[:1000], source="operator"
        )
    except services.TransitionError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", tracking_number=case.tracking_number)
    messages.success(request, _("Category set: %(category)s.") % {"category": category.name})
    if not access.can_see(user, updated):
        return redirect("cases:home")
    return redirect("cases:detail", tracking_number=case.tracking_number)


def _int(value: str | None) -> int | None:
    """An id from the request: ASCII digits only ("²".isdigit() is True but int("²") fails), bounded."""
    return int(value) if value and value.isascii() and value.isdecimal() and len(value) <= 18 else None


def _flag_action(user: User, case: Case, flag: RoutingFlag) -> str | None:
    """ "transfer" or "redirect" when the user may act on the flag with one click, else None."""
    if flag.kind in (RoutingFlag.Kind.TERRITORY, RoutingFlag.Kind.COMPETENCE) and flag.target_institution_id:
        name = "transfer"
    elif flag.kind == RoutingFlag.Kind.EXTERNAL and flag.body_name:
        name = "redirect"
    else:
        return None
    if case.status not in TRANSITIONS[name].sources or not access.may_perform(user, case, name):
        return None
    return name


@require_POST
@staff_required
def act_on_flag(request: StaffRequest, tracking_number: str, flag_id: int) -> HttpResponse:
    """Send the case where the flag says: the other institution (transfer) or the other body (redirect)."""
    user = request.user
    case = _visible_case(request, tracking_number)
    flag = get_object_or_404(RoutingFlag, pk=flag_id, case=case, cleared_at__isnull=True)
    action = _flag_action(user, case, flag)
    if action is None:
        raise PermissionDenied
    referral = Referral(
        kind=flag.kind,
        target=flag.target_institution,
        body_name=flag.body_name,
        place=flag.place,
        reason=flag.reason,
    )
    try:
        if action == "redirect":
            updated = intake.redirect_to_body(case, referral, actor=user)
        else:
            updated = intake.forward(case, referral, case.category, actor=user)
    except services.Held as held:
        messages.success(request, held.message)
        return redirect("cases:detail", tracking_number=case.tracking_number)
    except services.TransitionError as error:
        messages.error(request, error.message)
        return redirect("cases:detail", tracking_number=case.tracking_number)
    messages.success(request, _("Done: %(action)s.") % {"action": TRANSITIONS[action].label})
    if not access.can_see(user, updated):
        messages.info(
            request,
            _("Case %(number)s is no longer in your queue.")
            % {"number": format_tracking_number(updated.tracking_number)},
        )
        return redirect("cases:home")
    return redirect("cases:detail", tracking_number=case.tracking_number)
