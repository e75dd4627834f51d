"""SMS: intake from a signed webhook, replies through the provider chosen in settings, delivery reports.

Intake (:mod:`.views`, :mod:`.intake`). ``POST /kanal/sms/gelen/`` is provider-neutral: the provider (or
a small relay in front of it) posts one received SMS as a JSON object or form fields — ``message_id`` (the
provider's id), ``from`` (the citizen's number), ``to`` (the number it was sent to: 155, 444 01 53…, which
picks the institution), ``text`` and optionally ``received_at`` (ISO 8601) — and signs the raw body with
HMAC-SHA256 under the shared secret: ``X-Kentmasa-Signature: sha256=<hex>`` (see :func:`.views.sign`). A
delivery seen before answers 200 and changes nothing. A reply threads onto a case: one of the citizen's
tracking numbers in the text, else the citizen's case waiting for their answer, else the case we last
sent them an SMS about within ``reply_window_days``.

Replies (:mod:`.sender`). :class:`~.sender.SmsSender` texts through :mod:`kentmasa.lib.sms` (the provider
``settings.KENTMASA_SMS_PROVIDER`` names, which staff notifications use as well) and records the provider,
encoding and parts on the message. Netgsm's sending half is :mod:`kentmasa.lib.sms.netgsm` (REST v2,
``msgheader``, ``encoding: "TR"``, ``iysfilter: "0"``; permanent and temporary refusals told apart; a text
longer than six parts or 917 characters refused before sending). ``KENTMASA_SMS_SENDER`` naming
:class:`~.netgsm.NetgsmSender` (older installations) fixes Netgsm as the provider.

Delivery reports (:mod:`.reports`). Netgsm's REST v2 API gives them on request: ``poll_provider`` (the
periodic task ``poll_sms_provider``) asks ``POST /sms/rest/v2/report`` for the job ids still "sent" —
paced so that all workers together stay under Netgsm's 10 report requests a minute — and, when
``netgsm_inbox`` is on, reads received SMS from ``GET /sms/rest/v2/inbox`` into the same intake. A
provider or relay that pushes reports posts them, signed like the intake, to ``POST /kanal/sms/rapor/``
(``message_id``, ``status``: delivered / failed / pending, optional ``error`` and ``at``).

What a text costs (:mod:`kentmasa.lib.sms.encoding`) is pure: GSM 7-bit, the Turkish single shift table,
UCS-2. Settings: ``settings.KENTMASA_SMS`` (a dict) over environment variables; see :func:`.options.config`
(the channel's keys) and :mod:`kentmasa.lib.sms.options` (the provider's).
"""
