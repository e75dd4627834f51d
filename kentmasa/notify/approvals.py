"""Approvals: an action on a case that waits for an approver's yes before it is performed.

An administrator requires approval per category, per service or for the whole institution (ApprovalRule)
of: the answer (resolve), a rejection, a redirect to another body, a transfer to another institution.
``gate`` is registered with kentmasa.cases.services.gates (NotifyConfig.ready), so every such action of a
member of staff through ``services.perform`` is held: it is checked at once (a request that could never be
performed is refused), kept as an Approval, recorded on the case's timeline ("approval_requested") and the
approver is told. Nothing reaches the citizen meanwhile: the case has not changed. The case's deadline
keeps running.

The approver is the rule's named user, else the manager of the case's unit, else the institution's
administrators; a deputy active at the time stands in. Someone who would approve their own action is not
asked (the approver, their deputy). ``approve`` performs the held action as the requester had asked
(``services.perform(…, approved=True)``); if the case changed meanwhile so that it cannot be performed, the
approval stays waiting and the approver is told why. ``send_back`` returns it with a note. Both are
recorded ("approval_decided") and the requester is told. ``forward_waiting`` (the periodic task
``forward_waiting_approvals``) passes an approval that waited longer than its rule's ``wait_hours`` to a
holder of the service's first application place, once (a conditional UPDATE claims it).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from kentmasa.cases import services
from kentmasa.cases.models import Case
from kentmasa.cases.services import Held, TransitionError
from kentmasa.cases.transitions import event_label
from kentmasa.directory.models import User
from kentmasa.notify.models import Action, Approval, ApprovalRule, Deputy
from kentmasa.notify.tell import shown_subject, tell

log = logging.getLogger(__name__)

HELD_ACTIONS = frozenset(Action.values)
# The keyword argument of each held action's domain function that carries its text.
TEXT_PARAM = {"resolve": "resolution", "reject": "reason", "redirect": "note", "transfer": "note"}
# An approval whose rule was deleted waits as long as a new rule would (ApprovalRule.wait_hours).
DEFAULT_WAIT_HOURS = ApprovalRule._meta.get_field("wait_hours").get_default()
PEOPLE_MAX = 20  # approver candidates looked at, application-place holders
FORWARD_BATCH = 200


class DecisionError(Exception):
    """A decision that cannot be taken; ``message`` is translated and safe to show. Nothing was written.

    ``code``: "forbidden" (not this user's to decide), "decided" (no longer waiting), "note" (a note is
    needed), "failed" (the held action cannot be performed on the case as it is now)."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


def name_of(user: User | None) -> str:
    if user is None:
        return "—"
    return user.get_full_name() or user.username


def site_language() -> translation.override:
    """Texts that are stored (notifications, timeline notes) are in the site's language, whoever acts."""
    return translation.override(settings.LANGUAGE_CODE)


def action_label(action: str) -> str:
    return str(Action(action).label) if action in Action.values else action


# --- the rule and the approver --------------------------------------------------------------------------


def matching_rule(case: Case, action: str) -> ApprovalRule | None:
    """The active rule of the case's institution for this action: its category's, else its service's,
    else the institution-wide one (neither service nor category)."""
    scope = Q(category__isnull=True, service__isnull=True)
    if case.service_id is not None:
        scope |= Q(category__isnull=True, service_id=case.service_id)
    if case.category_id is not None:
        scope |= Q(category_id=case.category_id)
    rules = list(
        ApprovalRule.objects.filter(scope, institution_id=case.institution_id, action=action, active=True)
        .select_related("approver")
        .order_by("pk")[:PEOPLE_MAX]
    )

    def rank(rule: ApprovalRule) -> int:
        if rule.category_id is not None:
            return 0
        return 1 if rule.service_id is not None else 2

    return min(rules, key=rank, default=None)


def approvers_for(case: Case, rule: ApprovalRule) -> list[User]:
    """Who may approve under this rule, first the one who is asked: the rule's named user, else the
    managers of the case's unit (up the unit tree: Unit.managers), else the institution's administrators
    (active ones only)."""
    if rule.approver is not None and rule.approver.is_active:
        return [rule.approver]
    managers = case.unit.managers(PEOPLE_MAX) if case.unit is not None else []
    if managers:
        return managers
    active = User.objects.filter(is_active=True).order_by("pk")
    return list(active.filter(role=User.Role.ADMINISTRATOR, institution_id=case.institution_id)[:PEOPLE_MAX])


def principals_of(user: User, now: dt.datetime | None = None) -> list[int]:
    """The users this user stands in for now (vekâlet)."""
    now = now or timezone.now()
    return list(
        Deputy.objects.filter(deputy=user, starts_at__lte=now, ends_at__gt=now)
        .values_list("principal_id", flat=True)
        .distinct()[:PEOPLE_MAX]
    )


def may_decide(user: User, approval: Approval, now: dt.datetime | None = None) -> bool:
    """The current approver, a deputy standing in for them now, or a superuser."""
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    if approval.approver_id is None:
        return False
    return approval.approver_id == user.pk or approval.approver_id in principals_of(user, now)


# --- the parameters of a held action --------------------------------------------------------------------


def encode_params(params: dict[str, Any]) -> dict[str, Any]:
    """The action's keyword arguments as JSON: a model instance as {"model": label, "pk": id}."""
    encoded: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, models.Model):
            encoded[key] = {"model": value._meta.label_lower, "pk": value.pk}
        elif value is None or isinstance(value, str | int | float | bool):
            encoded[key] = value
        else:
            raise TypeError(f"an action's parameter cannot be kept for approval: {key}={value!r}")
    return encoded


def decode_params(encoded: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments again, with the rows as they are now; DecisionError if one is gone."""
    params: dict[str, Any] = {}
    for key, value in (encoded or {}).items():
        if isinstance(value, dict) and set(value) == {"model", "pk"}:
            model = apps.get_model(value["model"])
            row = model._default_manager.filter(pk=value["pk"]).first()
            if row is None:
                raise DecisionError(
                    _("What the request names (%(what)s) no longer exists.")
                    % {"what": model._meta.verbose_name},
                    "failed",
                )
            params[key] = row
        else:
            params[key] = value
    return params


def proposal(approval: Approval) -> list[tuple[str, str]]:
    """What the approver is asked to allow, as (label, text) lines: the answer, the reason, the target."""
    params = approval.params or {}
    lines: list[tuple[str, str]] = [(_("Action"), action_label(approval.action))]
    text = str(params.get(TEXT_PARAM.get(approval.action, "note")) or "").strip()
    if approval.action == "redirect" and params.get("to"):
        lines.append((_("Redirected to"), str(params["to"])))
    if approval.action == "transfer":
        targets = (("institution", _("Institution")), ("category", _("Category")), ("unit", _("Unit")))
        for key, label in targets:
            value = params.get(key)
            if isinstance(value, dict) and set(value) == {"model", "pk"}:
                model = apps.get_model(value["model"])
                row = model._default_manager.filter(pk=value["pk"]).first()
                lines.append((label, str(row) if row is not None else "—"))
    labels = {
        "resolve": _("Answer to the citizen"),
        "reject": _("Reason for the rejection"),
    }
    if text:
        lines.append((labels.get(approval.action, _("Note")), text))
    return lines


# --- the gate --------------------------------------------------------------------------------------------


def _target_institution_id(params: dict[str, Any]) -> int | None:
    """Where a transfer goes, as services.transfer decides it: the institution, the unit's, the category's."""
    for key in ("institution", "unit", "category"):
        value = params.get(key)
        if value is None:
            continue
        return int(value.pk if key == "institution" else value.institution_id)
    return None


def needs_approval(case: Case, action: str, params: dict[str, Any]) -> ApprovalRule | None:
    """The rule that holds this action on this case, or None. A transfer is held only to another
    institution; moving a case between the units of one institution never is."""
    if action not in HELD_ACTIONS:
        return None
    if action == "transfer":
        target = _target_institution_id(params)
        if target is None or target == case.institution_id:
            return None
    return matching_rule(case, action)


def gate(case: Case, name: str, actor: User, params: dict[str, Any]) -> None:
    """kentmasa.cases.services.gates: hold the action for approval (Held) when a rule requires it."""
    rule = needs_approval(case, name, params)
    if rule is None:
        return
    candidates = approvers_for(case, rule)
    if not candidates:
        log.warning("approval rule %s has nobody to approve on case %s; not held", rule.pk, case.pk)
        return
    own = {user.pk for user in candidates}
    if actor.pk in own or own.intersection(principals_of(actor)):
        return  # the approver (or their deputy) does not ask themselves
    approval = request(case, name, actor=actor, params=params, rule=rule, approver=candidates[0])
    raise Held(_("Sent for approval: %(approver)s") % {"approver": name_of(approval.approver)}, approval.pk)


class _TryOnly(Exception):
    """Rolls back the trial run of a held action."""


def _try(case: Case, action: str, actor: User, params: dict[str, Any], now: dt.datetime) -> None:
    """Run the action on the locked case and undo it: the request is refused now (TransitionError) if it
    could never be performed. Its timeline event and announcement are rolled back with it."""
    try:
        with transaction.atomic():
            services.perform(case, action, actor=actor, approved=True, now=now, **params)
            raise _TryOnly
    except _TryOnly:
        pass


def pending_refusal() -> TransitionError:
    return TransitionError(
        _("An earlier action on this case is waiting for approval; it must be decided first."),
        "approval_pending",
    )


def request(
    case: Case,
    action: str,
    *,
    actor: User,
    params: dict[str, Any],
    rule: ApprovalRule | None,
    approver: User,
    now: dt.datetime | None = None,
) -> Approval:
    """Keep the action as a waiting Approval, record it on the timeline and tell the approver.

    Refused (TransitionError, nothing written) when another approval waits on the case, or when the
    action could not be performed on the case as it is.
    """
    now = now or timezone.now()
    encoded = encode_params(params)
    with transaction.atomic():
        locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if Approval.objects.filter(case=locked, state=Approval.State.PENDING).exists():
            raise pending_refusal()
        _try(locked, action, actor, params, now)
        try:
            with transaction.atomic():
                approval = Approval.objects.create(
                    case=locked,
                    rule=rule,
                    action=action,
                    params=encoded,
                    requested_by=actor,
                    requested_at=now,
                    approver=approver,
                )
        except IntegrityError:  # one asked at the same moment (SQLite locks no row): one waits per case
            raise pending_refusal() from None
        with site_language():
            note = _("Approval asked for: %(action)s. Approver: %(approver)s") % {
                "action": action_label(action),
                "approver": name_of(approver),
            }
            text = _("Your approval is asked for: %(action)s · %(number)s %(subject)s (%(requester)s)") % {
                "action": action_label(action),
                "number": locked.tracking_display,
                "subject": shown_subject(locked),
                "requester": name_of(actor),
            }
        services.record_event(
            locked,
            "approval_requested",
            actor=actor,
            note=note,
            data={"approval": approval.pk, "action": action, "approver": approver.pk},
            now=now,
        )
        link = approval_link(approval)
        tell([approver], "approval_requested", text, case=locked, link=link, actor=actor, now=now)
    return approval


def approval_link(approval: Approval) -> str:
    return reverse("approvals:detail", args=[approval.pk])


def case_link(case: Case) -> str:
    return reverse("cases:detail", args=[case.tracking_number])


# --- deciding --------------------------------------------------------------------------------------------


def _lock_pending(approval_id: int, user: User, now: dt.datetime) -> Approval:
    approval = (
        Approval.objects.select_for_update(of=("self",))
        .select_related("case", "requested_by", "approver")
        .get(pk=approval_id)
    )
    if approval.state != Approval.State.PENDING:
        raise DecisionError(_("This approval was already decided."), "decided")
    if not may_decide(user, approval, now):
        raise DecisionError(_("This approval is not yours to decide."), "forbidden")
    return approval


def approve(approval_id: int, *, user: User, now: dt.datetime | None = None) -> Approval:
    """Onayla: perform the held action as the requester asked, then record and tell the requester.

    DecisionError (nothing written) when it is not the user's to decide, no longer waiting, or the action
    cannot be performed on the case as it is now (the message says why; the approval keeps waiting).
    """
    now = now or timezone.now()
    with transaction.atomic():
        approval = _lock_pending(approval_id, user, now)
        params = decode_params(approval.params)
        try:
            case = services.perform(
                approval.case, approval.action, actor=approval.requested_by, approved=True, now=now, **params
            )
        except TransitionError as error:
            raise DecisionError(
                _("It could not be done: %(reason)s") % {"reason": error.message}, "failed"
            ) from None
        approval.state = Approval.State.APPROVED
        approval.decided_by = user
        approval.decided_at = now
        approval.save(update_fields=["state", "decided_by", "decided_at"])
        _record_decision(approval, case, user, now)
    return approval


def send_back(approval_id: int, *, user: User, note: str, now: dt.datetime | None = None) -> Approval:
    """Geri gönder: the action is not performed; the requester is told why (the note is required)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise DecisionError(_("Please write why you send it back."), "note")
    with transaction.atomic():
        approval = _lock_pending(approval_id, user, now)
        approval.state = Approval.State.RETURNED
        approval.decided_by = user
        approval.decided_at = now
        approval.decision_note = note
        approval.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        _record_decision(approval, approval.case, user, now)
    return approval


def _record_decision(approval: Approval, case: Case, user: User, now: dt.datetime) -> None:
    values = {
        "who": name_of(user),
        "number": case.tracking_display,
        "note": approval.decision_note,
    }
    with site_language():
        values["action"] = action_label(approval.action)
        if approval.state == Approval.State.APPROVED:
            note = _("Approved: %(action)s (%(who)s)") % values
            text = _("Approved: %(action)s · %(number)s (%(who)s)") % values
        else:
            note = _("Sent back: %(action)s (%(who)s): %(note)s") % values
            text = _("Sent back: %(action)s · %(number)s (%(who)s): %(note)s") % values
    services.record_event(
        case,
        "approval_decided",
        actor=user,
        note=note,
        data={"approval": approval.pk, "action": approval.action, "decision": approval.state},
        now=now,
    )
    link = case_link(case)
    tell([approval.requested_by], "approval_decided", text, case=case, link=link, actor=user, now=now)


# --- outrun by another action ------------------------------------------------------------------------------

# Actions after which an approval that waits on the case no longer fits it: the case was answered, rejected,
# moved, merged, closed or reopened some other way (by the approver acting directly, an operator's answer on
# the spot, a transfer to another unit…). Approving it later would do yesterday's action to today's case.
OUTRUNNING_ACTIONS = frozenset(
    {"resolve", "resolve_on_the_spot", "reject", "redirect", "transfer", "merge", "close", "reopen"}
)


def on_case_event(sender: Any, case: Case, event: Any, **kwargs: Any) -> None:
    """Withdraw what waits on a case another action outran (an approval's own action never does: it is
    marked approved in the transaction that performs it)."""
    if event.action not in OUTRUNNING_ACTIONS:
        return
    try:
        withdraw_outrun(case, event.action, actor=event.actor, now=event.at)
    except Exception:  # telling must never fail the action that was done
        log.exception("withdrawing approvals of case %s failed", case.pk)


def withdraw_outrun(case: Case, action: str, *, actor: User | None, now: dt.datetime) -> int:
    """Mark the case's waiting approval withdrawn, record it and tell the requester and the approver."""
    with transaction.atomic():
        waiting = list(
            Approval.objects.select_for_update(of=("self",))
            .select_related("requested_by", "approver")
            .filter(case_id=case.pk, state=Approval.State.PENDING)
        )
        for approval in waiting:
            approval.state = Approval.State.WITHDRAWN
            approval.decided_at = now
            approval.decided_by = actor
            with site_language():
                approval.decision_note = _("Withdrawn: the case was changed meanwhile (%(action)s).") % {
                    "action": event_label(action)
                }
                text = _("No longer waiting: %(action)s · %(number)s (%(reason)s)") % {
                    "action": action_label(approval.action),
                    "number": case.tracking_display,
                    "reason": approval.decision_note,
                }
            approval.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
            services.record_event(
                case,
                "approval_decided",
                note=approval.decision_note,
                data={"approval": approval.pk, "action": approval.action, "decision": approval.state},
                now=now,
            )
            people = [p for p in (approval.requested_by, approval.approver) if p is not None]
            tell(people, "approval_decided", text, case=case, link=case_link(case), actor=actor, now=now)
    return len(waiting)


# --- waiting too long ------------------------------------------------------------------------------------


def _next_approver(approval: Approval) -> User | None:
    """The first active holder of the service's first application place who did not ask for it."""
    service = approval.case.service
    place = service.first_application_place if service is not None else None
    if place is None:
        return None
    holders = place.holders.filter(is_active=True).exclude(pk=approval.requested_by_id).order_by("pk")
    return holders.first()


def _overdue(now: dt.datetime) -> Iterable[int]:
    """Ids of the waiting, not yet forwarded approvals past their rule's wait, oldest first (bounded)."""
    waiting = Approval.objects.filter(state=Approval.State.PENDING, level=0)
    hours = set(ApprovalRule.objects.values_list("wait_hours", flat=True).distinct()[:100])
    due = Q(rule__isnull=True, requested_at__lt=now - dt.timedelta(hours=DEFAULT_WAIT_HOURS))
    for wait in hours:
        due |= Q(rule__wait_hours=wait, requested_at__lt=now - dt.timedelta(hours=wait))
    return waiting.filter(due).order_by("requested_at", "pk").values_list("pk", flat=True)[:FORWARD_BATCH]


def _forward(approval_id: int, now: dt.datetime) -> bool:
    """Pass one approval to the next approver; False if another worker (or a decision) got there first."""
    with transaction.atomic():
        approval = Approval.objects.select_related(
            "case__service__first_application_place", "rule", "requested_by", "approver"
        ).get(pk=approval_id)
        before = approval.approver
        holder = _next_approver(approval)
        after = holder or before
        claimed = Approval.objects.filter(pk=approval_id, state=Approval.State.PENDING, level=0).update(
            level=1, forwarded_at=now, approver=after
        )
        if not claimed:
            return False
        case = approval.case
        values = {
            "number": case.tracking_display,
            "subject": shown_subject(case),
            "hours": approval.rule.wait_hours if approval.rule else DEFAULT_WAIT_HOURS,
            "before": name_of(before),
            "after": name_of(after),
        }
        moved = holder is not None and (before is None or holder.pk != before.pk)
        with site_language():
            values["action"] = action_label(approval.action)
            if moved:
                note = (
                    _(
                        "The approval waited more than %(hours)s hours: passed from %(before)s to %(after)s "
                        "(first application place)"
                    )
                    % values
                )
                text = (
                    _(
                        "An approval waited more than %(hours)s hours and is now yours: %(action)s · "
                        "%(number)s %(subject)s"
                    )
                    % values
                )
            else:
                note = (
                    _(
                        "The approval waited more than %(hours)s hours; no other member of staff holds the "
                        "first application place, so it stays with %(before)s"
                    )
                    % values
                )
                text = (
                    _(
                        "An approval still waits for you after %(hours)s hours: %(action)s · %(number)s "
                        "%(subject)s"
                    )
                    % values
                )
            told = (
                _(
                    "Your approval request waited more than %(hours)s hours and went to %(after)s: "
                    "%(action)s · %(number)s"
                )
                % values
            )
        services.record_event(
            case,
            "approval_forwarded",
            note=note,
            data={
                "approval": approval_id,
                "from": before.pk if before else None,
                "to": after.pk if after else None,
            },
            now=now,
        )
        if after is not None:
            link = reverse("approvals:detail", args=[approval_id])
            tell([after], "approval_forwarded", text, case=case, link=link, now=now)
        if moved:
            tell(
                [approval.requested_by], "approval_forwarded", told, case=case, link=case_link(case), now=now
            )
    return True


def forward_waiting(now: dt.datetime | None = None) -> int:
    """Pass every approval that waited too long to the next approver, once. Safe to run any number of times
    at once. Returns how many this run passed on."""
    now = now or timezone.now()
    return sum(1 for approval_id in list(_overdue(now)) if _forward(approval_id, now))


def pending_for(user: User, now: dt.datetime | None = None) -> models.QuerySet[Approval]:
    """The approvals waiting for this user: their own, and those of whom they stand in for now."""
    return Approval.objects.filter(
        Q(approver=user) | Q(approver_id__in=principals_of(user, now)), state=Approval.State.PENDING
    )


@task()
def forward_waiting_approvals() -> str:
    """Periodic (settings.KENTMASA_PERIODIC_TASKS): approvals that waited too long go to the next approver."""
    return f"forwarded={forward_waiting()}"


def waiting_by_unit(cases: models.QuerySet[Case], limit: int = 100) -> list[dict[str, Any]]:
    """For the overview: per unit of these cases, how many approvals wait and since when (one grouped
    query; the units with the most waiting first)."""
    rows = (
        Approval.objects.filter(state=Approval.State.PENDING, case__in=cases.values("pk"))
        .values("case__unit_id", "case__unit__name")
        .annotate(waiting=Count("pk"), since=Min("requested_at"))
        .order_by("-waiting", "case__unit__name")[:limit]
    )
    return [dict(row) for row in rows]
