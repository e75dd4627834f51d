"""Every kind of notification: its label, the media it goes by unless the user or the institution chose
otherwise, whether it falls back to SMS when the user has no push subscription, and whether it is critical
(critical kinds ignore quiet hours)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IN_APP, PUSH, SMS, EMAIL = "in_app", "push", "sms", "email"
MEDIA = (PUSH, SMS, EMAIL)  # in-app is always on
MEDIUM_LABELS = {IN_APP: _("In the app"), PUSH: _("Web Push"), SMS: _("SMS"), EMAIL: _("E-mail")}


@dataclass(frozen=True)
class Kind:
    name: str
    label: Promise
    media: frozenset[str]  # the defaults, besides in-app
    sms_fallback: bool = False  # SMS when the user has no push subscription
    critical: bool = False

    def media_for(self, role: str) -> frozenset[str]:
        """The default media of this kind for a member of staff in ``role`` (ROLE_MEDIA, else the kind's)."""
        return ROLE_MEDIA.get((role, self.name), self.media)


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind("assigned", _("A case was assigned to you"), frozenset({PUSH}), sms_fallback=True),
        Kind("team_assigned", _("A case was assigned to your team"), frozenset({PUSH}), sms_fallback=True),
        Kind("escalated_1", _("Escalated to your first application place"), frozenset({PUSH, EMAIL})),
        Kind(
            "escalated_2",
            _("Escalated to your second application place"),
            frozenset({PUSH, SMS, EMAIL}),
            critical=True,
        ),
        Kind("idle_warning", _("Nobody has acted on a case"), frozenset({EMAIL})),
        Kind("citizen_message", _("The citizen wrote on a case"), frozenset({PUSH})),
        Kind(
            "reply_failed",
            _("An answer did not reach the citizen"),
            frozenset({PUSH, EMAIL}),
            sms_fallback=True,
        ),
        Kind("approval_requested", _("An approval is asked of you"), frozenset({PUSH}), sms_fallback=True),
        Kind("approval_decided", _("Your approval request was decided"), frozenset({PUSH})),
        Kind(
            "approval_forwarded",
            _("An approval waited too long and was passed on"),
            frozenset({PUSH}),
            sms_fallback=True,
        ),
        # For the police side: an emergency reaches every medium at once, at any hour.
        Kind("emergency", _("Emergency"), frozenset({PUSH, SMS}), critical=True),
        # A police team sent to an incident (kentmasa.emergency): at once, by push and SMS, at any hour; and
        # the operator who sent it, when it did not acknowledge in time.
        Kind("dispatched", _("Your team is sent to an incident"), frozenset({PUSH, SMS}), critical=True),
        Kind("dispatch_timeout", _("A team did not acknowledge in time"), frozenset({PUSH}), critical=True),
        # Camera footage (kentmasa.emergency.footage): a request waits for an officer holding the release
        # permission; the officer who recorded it hears how it was decided.
        Kind(
            "footage_approval",
            _("A footage request waits for your approval"),
            frozenset({PUSH, EMAIL}),
            sms_fallback=True,
        ),
        Kind("footage_decided", _("Your footage request was decided"), frozenset({PUSH, EMAIL})),
        # A hotlisted plate seen by a city camera (kentmasa.emergency.pts): the nearest teams, at once.
        Kind("plate_alert", _("A hotlisted plate was seen near you"), frozenset({PUSH, SMS}), critical=True),
        # Field work (kentmasa.field): a work order sent to a team (its leader and members), and the team's
        # report on it (done, not possible, another team needed) to the unit that sent it.
        Kind("work_order", _("A work order was sent to your team"), frozenset({PUSH}), sms_fallback=True),
        Kind("work_order_reported", _("A field team reported on a work order"), frozenset({PUSH})),
        # An inspection report (tutanak) written in the field, attached to a case of the unit as a PDF.
        Kind("inspection_report", _("An inspection report was sent to your unit"), frozenset({PUSH, EMAIL})),
        # The Derman loop (kentmasa.field.derman): an inspection report on a unit's case, with its finding.
        Kind(
            "inspection_warning",
            _("A Derman inspection reported on your unit's case"),
            frozenset({PUSH, EMAIL}),
        ),
        # Feedback (kentmasa.feedback): the citizen said, on the feedback call or the rating page, that the
        # answer did not solve it; the case is open again for the unit (its assignee and managers).
        Kind(
            "feedback_not_satisfied",
            _("A citizen was not satisfied: the case is open again"),
            frozenset({PUSH, EMAIL}),
            sms_fallback=True,
        ),
        # Sign-in (kentmasa.accounts): an account locked after wrong two-factor codes or too many password
        # attempts (to its owner and their institution's administrators), and a recovery code used (to the
        # owner): at any hour, by e-mail as well, since the person may be locked out of the app itself.
        Kind(
            "sign_in_locked",
            _("Signing in to an account was locked"),
            frozenset({PUSH, EMAIL}),
            critical=True,
        ),
        Kind(
            "recovery_code_used",
            _("A recovery code was used to sign in"),
            frozenset({PUSH, EMAIL}),
            critical=True,
        ),
        # Law 4982 (kentmasa.foi): an information request nears a legal limit (the 12th iş günü without an
        # extension when another unit's information is needed; the deemed refusal of İYUK m.10) or passed it.
        Kind(
            "foi_deadline",
            _("An information request (4982) nears its legal deadline"),
            frozenset({PUSH, EMAIL}),
            sms_fallback=True,
        ),
        # KVKK (kentmasa.privacy), to the institution's KVKK officers and administrators: a data-subject
        # application arrived, one nears its 30 days (m.13), and a destruction run finished (its tutanak).
        Kind("kvkk_request", _("A personal-data (KVKK) application arrived"), frozenset({PUSH, EMAIL})),
        Kind(
            "kvkk_deadline",
            _("A personal-data (KVKK) application nears its 30 days"),
            frozenset({PUSH, EMAIL}),
            sms_fallback=True,
        ),
        Kind("destruction_run", _("A destruction run of personal data finished"), frozenset({EMAIL})),
    ]
}
KIND_CHOICES = [(k.name, k.label) for k in KINDS.values()]

# Defaults that differ by role (an institution's own defaults, InstitutionDefault, and each person's choice
# come first): field crews work outdoors with the phone in a pocket, so their team's work comes by SMS as
# well as push; managers read warnings and escalations at their desk, so those come by e-mail too; a police
# operator's emergency comes by every medium at once.
ROLE_MEDIA: dict[tuple[str, str], frozenset[str]] = {
    ("field_team", "assigned"): frozenset({PUSH, SMS}),
    ("field_team", "team_assigned"): frozenset({PUSH, SMS}),
    ("field_team", "work_order"): frozenset({PUSH, SMS}),
    ("unit_manager", "idle_warning"): frozenset({PUSH, EMAIL}),
    ("unit_manager", "escalated_1"): frozenset({PUSH, EMAIL}),
    ("unit_manager", "approval_requested"): frozenset({PUSH, EMAIL}),
    ("police_operator", "emergency"): frozenset({PUSH, SMS, EMAIL}),
}
