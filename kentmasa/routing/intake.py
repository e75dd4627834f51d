"""Routing at intake: what a new case is about, who answers it, whether it is ours at all.

``route(case)`` (also ``kentmasa.routing.route``) reads the case and returns a Decision; it writes nothing.
``on_case_event`` runs after every new case is committed ("open") and

1. records the Decision: the classifier's prediction (Prediction) and every finding a person should see
   (RoutingFlag: outside the territory, the other tier's competence, another body's matter, category not
   certain);
2. acts on it, only where nobody has decided yet (KENTMASA_ROUTING_AUTO, on by default):
   - a case that came WITHOUT a category (web, WhatsApp, e-mail, SMS…): another body's matter is
     redirected there with its reason told to the citizen; otherwise, when the classifier is at least
     KENTMASA_ROUTING_THRESHOLD sure (0.6), the case gets the category and the unit the rules give
     (kentmasa.cases.services.categorise), and a district-level category in a metropolitan city then goes
     to the district municipality of the point (services.transfer). Below the threshold the case waits
     for an operator, who picks from the top three on the case page.
   - a case that came WITH a category (an operator or the citizen chose it): only the unit follows the
     rules (services.transfer within the institution, when a rule names another unit than the
     category's own). Territory, competence and other bodies' matters are flagged with a one-click
     action on the case page, not acted on: a person chose that category.

A case outside the institution's territory is flagged and never moved automatically.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kentmasa.cases import services
from kentmasa.cases.models import ACTIVE_STATUSES, Case, Event
from kentmasa.directory import cached as directory_cached
from kentmasa.directory.models import Category, Institution, Unit, User
from kentmasa.lib import turkish
from kentmasa.routing import cached, jurisdiction, rules, training
from kentmasa.routing.jurisdiction import Referral, Whereabouts
from kentmasa.routing.models import Prediction, RouterModel, RoutingFlag, RoutingRule

log = logging.getLogger(__name__)

UNIT_SOURCES = {
    rules.AREA_AND_KEYWORDS: "area_keywords",
    rules.AREA: "area",
    rules.KEYWORDS: "keywords",
}


@dataclass(frozen=True)
class Choice:
    category: Category
    probability: float


@dataclass
class Decision:
    """What the router makes of a case (or of what an operator is typing)."""

    category: Category | None = None  # the case's own, or the classifier's when at least threshold-sure
    category_source: str = ""  # "given", "classifier" or ""
    confidence: float | None = None  # the classifier's probability for its first choice
    suggestions: list[Choice] = field(default_factory=list)  # the classifier's top three
    unit: Unit | None = None
    unit_source: str = ""  # "area_keywords", "area", "keywords", "category" or ""
    rule: RoutingRule | None = None
    where: Whereabouts = field(default_factory=Whereabouts)
    referrals: list[Referral] = field(default_factory=list)
    router_model: RouterModel | None = None

    @property
    def confident(self) -> bool:
        return self.category_source == "classifier"

    def referral(self, kind: str) -> Referral | None:
        return next((r for r in self.referrals if r.kind == kind), None)

    @property
    def action(self) -> str:
        """ "redirect", "forward", "route" or "suggest": what acting on this decision would do."""
        if self.referral(jurisdiction.EXTERNAL) is not None:
            return "redirect"
        competence = self.referral(jurisdiction.COMPETENCE)
        if competence is not None and competence.target is not None:
            return "forward"
        return "route" if self.category is not None else "suggest"


def classify(institution: Institution | int, words: str) -> tuple[RouterModel | None, list[Choice]]:
    """The classifier's top three active categories of the institution for the text (none without a model)."""
    loaded = training.current(institution)
    if loaded is None or not words.strip():
        return None, []
    row, router = loaded
    ranked = router.suggest(words, k=min(len(router.labels), 6))
    choices = []
    for suggestion in ranked:
        # From the per-process set-up cache (kentmasa.directory.cached): the category with its unit.
        category = directory_cached.category(int(suggestion.label)) if suggestion.label.isdigit() else None
        if category is not None and category.active and category.institution_id == row.institution_id:
            choices.append(Choice(category, suggestion.probability))
            if len(choices) == 3:
                break
    return row, choices


def decide(
    institution: Institution,
    *,
    subject: str = "",
    description: str = "",
    category: Category | None = None,
    where: Whereabouts | None = None,
    classify_given: bool = True,
) -> Decision:
    """The Decision for a case's fields; the heart of route() and of the console's suggestions."""
    words = training.case_text(subject, description)
    where = where or Whereabouts()
    decision = Decision(where=where)
    if category is None or classify_given:
        decision.router_model, decision.suggestions = classify(institution, words)
    if category is not None:
        decision.category, decision.category_source = category, "given"
    elif decision.suggestions:
        best = decision.suggestions[0]
        decision.confidence = best.probability
        if best.probability >= training.threshold():
            decision.category, decision.category_source = best.category, "classifier"
    if decision.suggestions and decision.confidence is None:
        decision.confidence = decision.suggestions[0].probability
    chosen = rules.choose(
        cached.rules(institution.pk),  # shared between requests: the one chosen is copied below
        rules.Facts.of(decision.category.pk if decision.category else None, where.area_ids, words),
    )
    if chosen is not None and chosen.unit.active:
        chosen = copy.deepcopy(chosen)
        decision.rule, decision.unit = chosen, chosen.unit
        decision.unit_source = UNIT_SOURCES[rules.tier(chosen)]
    elif decision.category is not None and decision.category.unit_id:
        decision.unit, decision.unit_source = decision.category.unit, "category"
    for finding in (
        jurisdiction.external(institution, decision.category, words),
        jurisdiction.competence(institution, decision.category, where),
        jurisdiction.territory(institution, where),
    ):
        if finding is not None:
            decision.referrals.append(finding)
    return decision


def route(case: Case) -> Decision:
    """The Decision for a recorded case. Reads only; see on_case_event for what is done with it."""
    return decide(
        case.institution,
        subject=case.subject,
        description=case.description,
        category=case.category,
        where=jurisdiction.where_case(case),
    )


# -- recording and acting --------------------------------------------------------------------------------


def record(case: Case, decision: Decision, *, applied: bool = False) -> None:
    """Keep the classifier's prediction and flag what a person should see on the case page."""
    flags = [
        RoutingFlag(
            case=case,
            kind=referral.kind,
            target_institution=referral.target,
            body_name=referral.body_name[:200],
            place=referral.place[:200],
            reason=referral.reason,
        )
        for referral in decision.referrals
    ]
    if case.category_id is None and decision.category is None:
        flags.append(RoutingFlag(case=case, kind=RoutingFlag.Kind.CATEGORY))
    if not decision.suggestions and not flags:
        return
    # One transaction, one statement per table: the prediction written or replaced, and each flag kept as
    # it was first raised (a case is flagged once per kind: a second announcement adds nothing).
    with transaction.atomic():
        if decision.suggestions:
            best = decision.suggestions[0]
            prediction = Prediction(
                case=case,
                router_model=decision.router_model,
                category=best.category,
                confidence=best.probability,
                suggestions=[
                    {"category": c.category.pk, "probability": round(c.probability, 4)}
                    for c in decision.suggestions
                ],
                applied=applied,
            )
            Prediction.objects.bulk_create(
                [prediction],
                update_conflicts=True,
                unique_fields=["case"],
                update_fields=["router_model", "category", "confidence", "suggestions", "applied"],
            )
        if flags:
            RoutingFlag.objects.bulk_create(flags, ignore_conflicts=True)


def _category_there(category: Category, institution: Institution) -> Category | None:
    """The category of the same name at the receiving institution, if it has one."""
    key = turkish.fold(category.name)
    for candidate in Category.objects.filter(institution=institution, active=True):
        if turkish.fold(candidate.name) == key:
            return candidate
    return None


def redirect_to_body(case: Case, referral: Referral, *, actor: User | None = None) -> Case:
    """Redirect to the other body and tell the citizen why (the reason as a public message: the case's
    public timeline shows it, the redirect's own note is for staff)."""
    # Through perform, so that a redirect an approval rule holds waits for the approver (services.Held).
    case = services.perform(case, "redirect", actor=actor, to=referral.body_name, note=referral.reason)
    if referral.reason:
        services.comment(case, actor=actor, note=referral.reason, public=True)
    return case


def forward(case: Case, referral: Referral, category: Category | None, *, actor: User | None = None) -> Case:
    """Transfer to the institution the referral names (the competent one, or the one whose territory the
    case lies in), with its category of the same name when it has one."""
    target = referral.target
    if target is None:
        raise ValueError("only a referral that names its institution can be forwarded")
    there = _category_there(category, target) if category is not None else None
    if referral.kind == jurisdiction.TERRITORY:
        note = _("Routing: %(place)s is in %(target)s's territory.") % {
            "place": referral.place or "?",
            "target": target.name,
        }
    else:
        note = _("Routing: this matter is %(target)s's competence.") % {"target": target.name}
    if referral.reason:
        note += " " + referral.reason
    return services.perform(case, "transfer", actor=actor, institution=target, category=there, note=note)


def act(case: Case, decision: Decision) -> Case:
    """Do what nobody has decided yet (see the module's docstring). Returns the case as it now is."""
    outside = decision.referral(jurisdiction.TERRITORY) is not None
    if case.category_id is None:
        external = decision.referral(jurisdiction.EXTERNAL)
        by_category = (
            external is not None
            and external.matter is not None
            and decision.category is not None
            and external.matter.category_id == decision.category.pk
        )
        if external is not None and (by_category or decision.category is None):
            return redirect_to_body(case, external)
        if decision.category is None:
            return case
        note = _("Routing: category chosen from the text (%(percent)d%% sure).") % {
            "percent": round((decision.confidence or 0) * 100)
        }
        case = services.categorise(
            case,
            category=decision.category,
            unit=decision.unit,
            actor=None,
            note=note,
            source="router",
            confidence=decision.confidence,
        )
        competence = decision.referral(jurisdiction.COMPETENCE)
        if competence is not None and competence.target is not None and not outside:
            return forward(case, competence, decision.category)
        return case
    if decision.rule is not None and decision.unit is not None and decision.unit.pk != case.unit_id:
        default_unit = case.category.unit_id if case.category else None
        if case.unit_id in (None, default_unit):
            note = _("Routing rule: %(rule)s") % {"rule": decision.rule}
            return services.transfer(case, actor=None, unit=decision.unit, note=note)
    return case


def intake(case: Case) -> Case:
    """Route a newly opened case: record the decision and act on it."""
    decision = route(case)
    acting = getattr(settings, "KENTMASA_ROUTING_AUTO", True)
    record(case, decision, applied=acting and case.category_id is None and decision.confident)
    if not acting:
        return case
    return act(case, decision)


def relocated(case: Case) -> Case:
    """Route a case whose point came after it was opened (services.set_location) as if it had come with it:
    the territory and competence findings are recorded, and while no person has acted on the case the
    router acts as at opening — the area rules choose the unit, and a category the router itself chose
    takes a district matter to the district municipality of the point."""
    by_router = case.category_id is not None and _category_by_router(case)
    decision = decide(
        case.institution,
        subject=case.subject,
        description=case.description,
        category=case.category,
        where=jurisdiction.where_case(case),
        classify_given=False,  # a category the router chose keeps its prediction as it was recorded
    )
    acting = getattr(settings, "KENTMASA_ROUTING_AUTO", True)
    record(case, decision, applied=acting and case.category_id is None and decision.confident)
    people = case.events.filter(actor__isnull=False).exclude(action__in=("open", "comment")).exists()
    if not acting or people:
        return case
    competence = decision.referral(jurisdiction.COMPETENCE)
    outside = decision.referral(jurisdiction.TERRITORY) is not None
    if by_router and competence is not None and competence.target is not None and not outside:
        return forward(case, competence, case.category)
    return act(case, decision)


def _category_by_router(case: Case) -> bool:
    last = case.events.filter(action=services.CATEGORISE).order_by("-at", "-pk").first()
    return last is not None and last.data.get("source") == "router"


# -- signal receivers ----------------------------------------------------------------------------------

CLEARING_ACTIONS = {"redirect", "merge", "reject", "close", "resolve", "resolve_on_the_spot"}


def on_case_event(sender: object, case: Case, event: Event, **kwargs: Any) -> None:
    """Runs after the event's transaction committed. Nothing here may turn the caller's committed success
    into an error: a failure is logged and noted on the case for staff."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _handle(case, event)
    except Exception as error:
        log.exception("routing failed for event %s (%s) of case %s", event.pk, event.action, case.pk)
        try:
            with translation.override(settings.LANGUAGE_CODE):
                services.comment(
                    case,
                    actor=None,
                    public=False,
                    note=_("Automatic routing failed (%(error)s); route this case by hand.")
                    % {"error": type(error).__name__},
                )
        except Exception:  # noqa: BLE001, S110 - already logged above; the note is a courtesy
            pass


def _handle(case: Case, event: Event) -> None:
    if event.action == "open":
        # Routing is for a case as it was opened. When the announcement comes after people already worked
        # on it (a replay of history committed in one transaction), they have routed it themselves. The
        # case and that question in one query.
        later = Event.objects.filter(case_id=OuterRef("pk"), pk__gt=event.pk)
        opened = (
            Case.objects.select_related("institution", "category", "category__unit")
            .annotate(worked_on=Exists(later.exclude(action__in=("comment", services.LOCATE))))
            .get(pk=case.pk)
        )
        if opened.status in ACTIVE_STATUSES and not opened.worked_on:
            intake(opened)
    elif event.action == services.LOCATE:
        fresh = Case.objects.select_related("institution", "category", "category__unit").get(pk=case.pk)
        if fresh.status in ACTIVE_STATUSES:
            relocated(fresh)
    elif event.action in ("resolve", "resolve_on_the_spot") and not event.data.get("group_event"):
        services.share_resolution(case, event)
    if event.action in CLEARING_ACTIONS or (
        event.action == "transfer" and event.data.get("to_institution") != event.data.get("from_institution")
    ):
        RoutingFlag.objects.filter(case_id=case.pk, cleared_at__isnull=True).update(cleared_at=timezone.now())
    elif event.action == services.CATEGORISE:
        RoutingFlag.objects.filter(
            case_id=case.pk, kind=RoutingFlag.Kind.CATEGORY, cleared_at__isnull=True
        ).update(cleared_at=timezone.now())
