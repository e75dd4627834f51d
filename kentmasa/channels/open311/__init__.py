"""Open311 GeoReport v2 at /open311/v2/: existing Open311 client apps report to us and follow their reports.

Endpoints, each as ``.json`` or ``.xml`` (the extension picks the format, as the spec says):

* ``GET services`` — the institution's active categories offered to the public (police-only ones never);
  ``service_code`` is the category id, ``group`` the responsible unit, ``description`` the service
  standard's row and time; ``metadata`` is false.
* ``GET services/<service_code>`` — the definition, with no attributes.
* ``POST requests`` — form-encoded as the spec says, or multipart with ``media`` files. Opens the case at
  once (type ``realtime``): the answer carries the tracking number as ``service_request_id``.
* ``GET requests/<service_request_id>`` and ``GET requests`` (``service_request_id`` list, ``service_code``,
  ``start_date``, ``end_date``, ``status``; 90 days and 1000 requests at most).
* ``GET tokens/<token>`` — the request a token stands for (tokens are given instead of ids when
  ``KENTMASA_OPEN311["type"]`` is ``"batch"``).
* ``GET servicerequestupdates`` — FixMyStreet's updates extension: the public status changes and notes of
  the requests in a ``start_date``–``end_date`` window (``updates``).
* ``GET discovery`` — the discovery document, also at /open311/discovery.json (``discovery``).
* ``media/<id>-<digest>.jpg`` — a photo sent with an Open311 request, linked as ``media_url``.

Every answer may be read by a page on any other origin (CORS, no credentials) and OPTIONS answers a
browser's preflight (``formats.endpoint``).

Settings, all in ``KENTMASA_OPEN311`` (read on every request):

* ``jurisdictions`` — ``{jurisdiction_id: institution slug}``. Without it the jurisdiction_id is the slug of
  any institution that is not an external body.
* ``default_jurisdiction`` — the jurisdiction_id used when a client sends none (with one jurisdiction it
  is that one). Otherwise a missing jurisdiction_id is a 400, an unknown one a 404.
* ``api_keys`` — ``{api_key: app name}``, or ``{api_key: {"name": ..., "rate": "600/m", "jurisdictions":
  [...]}}`` to give a key its own rate of POSTs or limit it to some jurisdictions. A POST without a listed key
  is refused with 403. The keys are not staff API tokens on purpose: an Open311 app ships its key inside a
  phone app, where anybody can read it, and a staff token would open the staff API (and citizens' personal
  data) to whoever did.
* ``key_rate`` — POSTs per api_key whose entry names no rate (``key_rates`` maps keys to rates too; default
  ``access.DEFAULT_KEY_RATE``), then 429: an aggregator sends a whole city's reports from one server.
* ``rate`` — POSTs without a known api_key, per client address (django-ratelimit syntax; default
  ``KENTMASA_PUBLIC_RATE``), then 429 (and a 403 for the missing key before that).
* ``extended_statuses`` — FixMyStreet's states in the updates (default True), else open/closed.
* ``contact``, ``key_service``, ``endpoint_type`` — what the discovery document says.
* ``type`` — ``"realtime"`` (default) or ``"batch"``.
* ``publish_media`` — whether photos sent through Open311 are linked as ``media_url`` (default True).

What GET shows: only cases that came in through Open311 (their reporters used an open API whose requests are
public by design). A tracking number from any other channel is "not found" here, as the public tracking page
asks for its verification code. No name, phone, e-mail or TC kimlik no is ever in an answer; phone numbers,
e-mail addresses, valid TC kimlik numbers and the case's citizen's name are masked in the description, status
notes and updates (kentmasa.lib.redact.mask_personal), other numbers stay. A request sent with an address only
is placed at the centre of the mahalle it names (marked as geocoded from the address).

A retried POST never makes a second case. The same ``Idempotency-Key`` header from the same app and
jurisdiction always answers with the first request. Without one, the same submitter (device_id, else
account_id, else e-mail, else phone, else client address) sending the same service_code, description and
location within a minute is a retry.

The package, by part: ``formats`` (answers as JSON or XML, errors, reading parameters), ``access``
(settings, jurisdiction, api_key, rate), ``definitions`` (the services list), ``report`` (checking a POST),
``intake`` (recording it, once), ``published`` (what a case looks like from outside), ``lookup``
(searching requests, the 90-day window), ``updates`` (servicerequestupdates), ``discovery``, ``views`` and
``urls``.
"""
