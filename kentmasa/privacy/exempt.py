"""Text fields that look personal but hold no citizen's data, each with the reason anonymisation leaves it.

The completeness test (kentmasa/privacy/tests/test_anonymise.py) walks every model: a text, JSON or file field
whose name suggests a person (name, phone, e-mail, address, text, note, data…) must be handled by
kentmasa.privacy.anonymise (its HANDLED table) or listed here, by "app.Model" (every such field of the model)
or "app.Model.field". A new field of either kind makes the test fail until someone decides.
"""

STAFF = "staff and the institution's own organisation, not a citizen (the staff member's own record)"
CONFIG = "configuration written by administrators, no citizen's data"

EXEMPT: dict[str, str] = {
    "places.Area": "administrative areas (il, ilçe, mahalle), public reference data",
    "directory.Institution": CONFIG,
    "directory.Unit": CONFIG,
    "directory.Team": CONFIG,
    "directory.User": STAFF,
    "directory.ApplicationPlace": "the institution's officials named in its public standards table",
    "directory.Service": CONFIG,
    "directory.Category": CONFIG,
    "directory.ApiToken": CONFIG,
    "accounts.SignInEvent": "staff sign-ins (security record of staff, not of citizens)",
    "retention.DestructionRecord.note": "the destruction record itself, written without personal data",
    "notify.Notification.address": "a unit's mailbox (staff), never a citizen's address",
    "notify.Deputy": STAFF,
    "notify.LiveEvent.places": "the case's il/ilçe/mahalle for routing the stream, kept like the case's",
    "routing.RoutingRule": CONFIG,
    "routing.Competence": CONFIG,
    "routing.ExternalMatter": CONFIG,
    "routing.RoutingFlag.body_name": "the name of the competent public body, not a person",
    "channels.ReplyTemplate": CONFIG,
    "foi.FoiSettings": CONFIG,
    "foi.FoiRequest.letter_key": "a random key for the letter's link, no data of the applicant",
    "emergency.DispatchSettings": CONFIG,
    "emergency.ProtectionOrder": (
        "Law 6284 protection orders: a court's record the police keep while the order runs; not a case's "
        "data and never reached by a data-subject request (m.28: judicial and security exceptions)"
    ),
    "emergency.HotlistEntry": "police hotlist of plates (m.28 security exception), its own retention",
    "emergency.PlateReadBatch": "the camera system's answer (counts), destroyed with the reads",
    "emergency.PlateRead": "plate reads: destroyed by their own retention (category plate reads)",
    "emergency.PlateAlert": "police plate alerts (m.28 security exception)",
    "emergency.PlateHit": "hits of a police alert (m.28 security exception)",
    "emergency.Camera": CONFIG,
    "emergency.FootageRequest.note": "an authority's footage request (judicial record), no citizen's case",
    "field.FailureReason": CONFIG,
    "field.Machine": CONFIG,
    "field.Visit": "a public visit (a market, a mahalle meeting): places and questions, nobody named",
    "field.InspectionReport.signer_name": STAFF,
    "reports.Wallboard": CONFIG,
    "privacy.Notice": "the published privacy notices (aydınlatma metinleri)",
    "privacy.AccessLog": (
        "the append-only log of staff reads (m.12 security measures): evidence of who read what, naming the "
        "case and record by id; kept for its own period"
    ),
}
