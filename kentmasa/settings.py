"""kentmasa settings: safe local defaults, everything overridable from the environment.

The embedded default is SQLite (WAL) under var/; production sets DATABASE_URL to PostgreSQL and
uses kentmasa.settings_production, which refuses to start without SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from kentmasa.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("KENTMASA_VAR_DIR", BASE_DIR / "var"))
# The shared folder beside the project holds the real data (boundaries, seed documents).
SHARED_DIR = Path(os.environ.get("KENTMASA_SHARED_DIR", BASE_DIR.parent / "shared"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "kentmasa-local-development-key-not-for-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # Two-factor sign-in (kentmasa.accounts): authenticator-app codes and single-use recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "kentmasa.places",
    "kentmasa.directory",
    "kentmasa.accounts",
    "kentmasa.retention",
    "kentmasa.cases",
    "kentmasa.notify",
    "kentmasa.routing",
    "kentmasa.channels",
    "kentmasa.escalation",
    "kentmasa.foi",
    "kentmasa.emergency",
    "kentmasa.field",
    "kentmasa.feedback",
    "kentmasa.reports",
    "kentmasa.privacy",
    "kentmasa.ops",
    "kentmasa.demo",
]

MIDDLEWARE = [
    # First: request ids and metrics for everything below it; answers /health/* and /metrics itself.
    "kentmasa.ops.middleware.OpsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kentmasa.lib.security.ContentSecurityPolicyMiddleware",
    "kentmasa.lib.edge.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sessions that still owe the code step or an enrolment reach only those pages (kentmasa.accounts).
    "kentmasa.accounts.middleware.TwoFactorMiddleware",
    # Writes the personal-data reads a request noted (kentmasa.lib.personal_reads) to the KVKK access log.
    "kentmasa.privacy.middleware.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "kentmasa.urls"
WSGI_APPLICATION = "kentmasa.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kentmasa" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # The header's unread and new-case counts (counted only where a page shows them).
                "kentmasa.notify.context.header_counts",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'kentmasa.sqlite3'}"),
        # The web process is ASGI (kentmasa/asgi.py), where each request's sync code runs in a thread of its
        # own: a connection kept past the request would be left behind with that thread. PostgreSQL reuses
        # connections through the pool below instead; a WSGI-only setup without it may set CONN_MAX_AGE.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and the scheduler read while one of them writes;
    # IMMEDIATE transactions take the write lock up front instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT off for kentmasa's sessions: on a table of millions of cases the planner estimates many small staff
    # queries as expensive, and compiling them cost 0.1-0.9 s for a few ms of work (deploy/postgresql too).
    # Added to what DATABASE_URL's ?options= and PGOPTIONS already ask for (libpq reads PGOPTIONS only when no
    # options are given, and the upgrade recipe's PGOPTIONS='-c lock_timeout=5s' must still apply).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = " ".join(
        part for part in (_options.get("options"), os.environ.get("PGOPTIONS"), "-c jit=off") if part
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("KENTMASA_DB_POOL", True):
    # Connection reuse on PostgreSQL: Django's psycopg pool, one per process. A request borrows a connection
    # and gives it back when it ends (Django closes a request's connections at its end, which for a pooled
    # one means returning it), whichever thread of the ASGI worker ran it; so CONN_MAX_AGE stays 0. The
    # server needs max_connections above (web workers + the task worker + the scheduler) × the max size.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("KENTMASA_DB_POOL_MIN", "2")),
        "max_size": int(os.environ.get("KENTMASA_DB_POOL_MAX", "10")),
        # Seconds a request waits for a free connection before it fails (a 500, logged).
        "timeout": float(os.environ.get("KENTMASA_DB_POOL_TIMEOUT", "10")),
    }
# Seconds an intake's cached set-up (categories, closed days, the privacy notice: kentmasa.lib.process_cache)
# may lag an administrator's change made in another process; 0 reads it afresh for every case.
KENTMASA_CONFIG_CACHE_SECONDS = float(os.environ.get("KENTMASA_CONFIG_CACHE_SECONDS", "30"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "directory.User"

CACHES = {
    # Shared by every web process, so rate limits hold across processes without extra servers.
    # MAX_ENTRIES is high so that rate-limit and lock-out counters are not culled by a flood of new keys.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "kentmasa_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "cases:login"
LOGIN_REDIRECT_URL = "cases:home"
LOGOUT_REDIRECT_URL = "cases:login"

LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", _("Turkish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "kentmasa" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Istanbul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "kentmasa" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (app.3f2a9c.css) with a manifest, so whitenoise serves them cached for ten years.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Files served at the site's root by whitenoise (/favicon.ico), for clients that never read the <link>.
WHITENOISE_ROOT = BASE_DIR / "kentmasa" / "root"
if os.environ.get("MEDIA_STORAGE") == "s3":
    # Shared media for several web machines: any S3-compatible store (AWS, MinIO, Ceph),
    # configured with the AWS_* variables django-storages reads. Needs `pip install django-storages[s3]`.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}

DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "kentmasa@localhost")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))

RATELIMIT_VIEW = "kentmasa.cases.views.public.rate_limited"
# Rate limits count per client address as kentmasa.lib.clientip finds it: REMOTE_ADDR, or behind
# KENTMASA_TRUSTED_PROXIES proxies the X-Forwarded-For entry the outermost of them appended.
RATELIMIT_IP_META_KEY = "kentmasa.lib.clientip.client_ip"
KENTMASA_TRUSTED_PROXIES = int(os.environ.get("KENTMASA_TRUSTED_PROXIES", "0"))

# kentmasa's own knobs
KENTMASA_PRODUCTION = False  # True in kentmasa.settings_production
# The public address of the site, for links in SMS, e-mail and printed receipts (e.g.
# https://basvuru.adana.bel.tr). Locally it follows PORT, which `make run` passes to the web server too.
KENTMASA_PUBLIC_URL = (
    os.environ.get("KENTMASA_PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('PORT') or '8000'}"
)
# Who sends every SMS (answers to citizens and staff notifications; kentmasa.lib.sms): "log" only writes
# to the log and is refused in production, "netgsm" (NETGSM_* below), or a provider class's dotted path.
# Installations that still set KENTMASA_SMS_SENDER=kentmasa.channels.sms.netgsm.NetgsmSender get Netgsm.
KENTMASA_SMS_PROVIDER = os.environ.get("KENTMASA_SMS_PROVIDER") or (
    "netgsm" if os.environ.get("KENTMASA_SMS_SENDER", "").endswith(".NetgsmSender") else "log"
)
# Which sender answers on which channel (dotted paths; see kentmasa.channels.base). The SMS sender texts
# through KENTMASA_SMS_PROVIDER; KENTMASA_SMS_SENDER (older installations) names another sender class.
KENTMASA_SENDERS = {
    "sms": os.environ.get("KENTMASA_SMS_SENDER", "kentmasa.channels.sms.sender.SmsSender"),
    "whatsapp": os.environ.get(
        "KENTMASA_WHATSAPP_SENDER", "kentmasa.channels.whatsapp.sender.WhatsAppSender"
    ),
    "social": os.environ.get("KENTMASA_X_SENDER", "kentmasa.channels.x.sender.XSender"),
    "email": "kentmasa.channels.email.sender.EmailSender",
}


def _pairs(name: str, separator: str = "=") -> dict:
    """ "a=b,c=d" from the environment → {"a": "b", "c": "d"}."""
    return dict(item.split(separator, 1) for item in env_list(name, "") if separator in item)


# SMS (kentmasa.channels.sms): webhooks are refused until a secret is set. NETGSM_* configure the Netgsm
# provider (kentmasa.lib.sms.options); keys set here override the environment.
KENTMASA_SMS = {
    "webhook_secret": os.environ.get("KENTMASA_SMS_WEBHOOK_SECRET", ""),
    "numbers": _pairs("KENTMASA_SMS_NUMBERS"),  # receiving number → slug ("155=eskisehir-emniyet")
}
# WhatsApp Cloud API (kentmasa.channels.whatsapp); every key also has a WHATSAPP_* environment variable.
KENTMASA_WHATSAPP = {
    "VERIFY_TOKEN": os.environ.get("WHATSAPP_VERIFY_TOKEN", ""),
    "APP_SECRET": os.environ.get("WHATSAPP_APP_SECRET", ""),
    "ACCESS_TOKEN": os.environ.get("WHATSAPP_ACCESS_TOKEN", ""),
    "PHONE_NUMBERS": _pairs("WHATSAPP_PHONE_NUMBERS", ":"),  # phone number id → institution slug
    "GRAPH_URL": os.environ.get("WHATSAPP_GRAPH_URL", "https://graph.facebook.com"),
    "GRAPH_VERSION": os.environ.get("WHATSAPP_GRAPH_VERSION", "v26.0"),  # Graph API version we speak
    "TEMPLATE_PARAMETER": os.environ.get("WHATSAPP_TEMPLATE_PARAMETER", ""),  # named variable, if any
    "TEMPLATE_NAME": os.environ.get("WHATSAPP_TEMPLATE_NAME", ""),
    "TEMPLATE_LANGUAGE": os.environ.get("WHATSAPP_TEMPLATE_LANGUAGE", "tr"),
}
# Open311 GeoReport v2 at /open311/v2/ (kentmasa.channels.open311).
KENTMASA_OPEN311 = {
    "jurisdictions": _pairs("KENTMASA_OPEN311_JURISDICTIONS"),  # jurisdiction_id → institution slug
    "default_jurisdiction": os.environ.get("KENTMASA_OPEN311_DEFAULT_JURISDICTION", ""),
    "api_keys": _pairs("KENTMASA_OPEN311_API_KEYS"),  # key → client app name; not staff tokens
    "key_rate": os.environ.get("KENTMASA_OPEN311_KEY_RATE", "300/m"),  # POSTs per api_key
    "key_rates": _pairs("KENTMASA_OPEN311_KEY_RATES"),  # key → its own rate ("key=600/m")
    "contact": os.environ.get("KENTMASA_OPEN311_CONTACT", ""),  # discovery: who answers for the API
    "key_service": os.environ.get("KENTMASA_OPEN311_KEY_SERVICE", ""),  # discovery: where to ask for a key
    "endpoint_type": os.environ.get("KENTMASA_OPEN311_ENDPOINT_TYPE", "production"),  # or "test"
    "rate": os.environ.get("KENTMASA_OPEN311_RATE", "10/m"),
    "type": os.environ.get("KENTMASA_OPEN311_TYPE", "realtime"),
    "publish_media": env_bool("KENTMASA_OPEN311_PUBLISH_MEDIA", True),
}
# X (kentmasa.channels.x) reads its KENTMASA_X_* environment variables itself (kentmasa.channels.x.options).
# E-mail (kentmasa.channels.email, `manage.py email_listener`): mailbox → institution slug.
KENTMASA_EMAIL = {
    "MAILBOXES": _pairs("KENTMASA_EMAIL_MAILBOXES"),  # "alo153@adana.bel.tr=adana-bb"
    "MESSAGE_ID_DOMAIN": os.environ.get("KENTMASA_EMAIL_DOMAIN", ""),
    # The authserv-id our receiving mail server writes in Authentication-Results (e.g. "mx.adana.bel.tr"):
    # a From address counts as the sender's only with that server's dmarc=pass (kentmasa.cases.citizens).
    "AUTHSERV_ID": os.environ.get("KENTMASA_EMAIL_AUTHSERV_ID", ""),
    "MAX_SIZE": int(os.environ.get("KENTMASA_EMAIL_MAX_SIZE", str(50 * 1024 * 1024))),
}
KENTMASA_PERIODIC_INTERVAL = int(os.environ.get("KENTMASA_PERIODIC_INTERVAL", "60"))
# Enqueued every interval by `manage.py run_periodic`; each must be idempotent (several runners may exist).
KENTMASA_PERIODIC_TASKS = [
    "kentmasa.escalation.tasks.sweep_overdue",
    "kentmasa.field.tasks.derman_sweep",
    "kentmasa.channels.tasks.send_due_messages",
    "kentmasa.channels.whatsapp.tasks.fetch_pending_media",
    "kentmasa.channels.sms.reports.poll_sms_provider",
    "kentmasa.channels.x.media.fetch_pending_x_media",
    "kentmasa.routing.tasks.retrain_routers",
    "kentmasa.notify.delivery.send_due_deliveries",
    "kentmasa.notify.digest.send_digests",
    "kentmasa.notify.approvals.forward_waiting_approvals",
    "kentmasa.notify.live.prune_live_events",
    "kentmasa.emergency.teams.prune_team_positions",
    "kentmasa.emergency.pts.purge_plate_reads",
    "kentmasa.emergency.footage.purge_camera_footage",
    "kentmasa.privacy.tasks.destroy_due_personal_data",
    "kentmasa.feedback.tasks.settle_rating_links",
    "kentmasa.foi.tasks.sweep_information_requests",
    "kentmasa.accounts.tasks.prune_sign_in_events",
    "kentmasa.privacy.request_tasks.warn_data_subject_requests",
    "kentmasa.ops.tasks.heartbeat",
    "kentmasa.ops.tasks.housekeep",
    "kentmasa.reports.tasks.compact_rollups",
]
# Daily digests of new cases (kentmasa.notify.digest) go out at this hour, local time; hourly ones every hour.
KENTMASA_DIGEST_HOUR = int(os.environ.get("KENTMASA_DIGEST_HOUR", "8"))
# The police side (kentmasa.emergency). The KADES gateway signs its posts with this secret; an alert whose
# point lies in no loaded province goes to the police institution with this slug.
KENTMASA_KADES_WEBHOOK_SECRET = os.environ.get("KENTMASA_KADES_WEBHOOK_SECRET", "")
KENTMASA_KADES_INSTITUTION = os.environ.get("KENTMASA_KADES_INSTITUTION", "")
# Team positions are deleted after this many hours; a console not seen for this many seconds is not open.
KENTMASA_TEAM_POSITION_KEEP_HOURS = int(os.environ.get("KENTMASA_TEAM_POSITION_KEEP_HOURS", "24"))
KENTMASA_CONSOLE_PRESENCE_SECONDS = int(os.environ.get("KENTMASA_CONSOLE_PRESENCE_SECONDS", "45"))
# The city cameras' video recorder (kentmasa.emergency.recorders): an adapter class by dotted path, and the
# folder of the file-system recorder (tests, the demo).
KENTMASA_RECORDER = os.environ.get("KENTMASA_RECORDER", "kentmasa.emergency.recorders.FileSystemRecorder")
KENTMASA_RECORDER_ROOT = Path(os.environ.get("KENTMASA_RECORDER_ROOT", VAR_DIR / "recorder"))
KENTMASA_PUBLIC_RATE = os.environ.get("KENTMASA_PUBLIC_RATE", "10/m")
# The public form's voice message (recorded in the browser) and video (kentmasa.cases.attachments): size
# limits, the recorder's length, and the largest whole form accepted before it is read (all files and text).
KENTMASA_PUBLIC_VOICE_MAX_BYTES = int(os.environ.get("KENTMASA_PUBLIC_VOICE_MAX_BYTES", 5 * 1024 * 1024))
KENTMASA_PUBLIC_VOICE_SECONDS = int(os.environ.get("KENTMASA_PUBLIC_VOICE_SECONDS", 180))
KENTMASA_PUBLIC_VIDEO_MAX_BYTES = int(os.environ.get("KENTMASA_PUBLIC_VIDEO_MAX_BYTES", 30 * 1024 * 1024))
KENTMASA_PUBLIC_FORM_MAX_BYTES = int(os.environ.get("KENTMASA_PUBLIC_FORM_MAX_BYTES", 52 * 1024 * 1024))
# The public form's point → il, ilçe, mahalle look-up (GET, per client address), and how long a phone
# verified on "Başvurularım" stays verified in that browser.
KENTMASA_PUBLIC_LOCATE_RATE = os.environ.get("KENTMASA_PUBLIC_LOCATE_RATE", "30/m")
KENTMASA_MY_CASES_SECONDS = int(os.environ.get("KENTMASA_MY_CASES_SECONDS", 30 * 60))
# Staff "act on" a case with these timeline events (kentmasa.cases.activity; "note_to_citizen" is a public
# staff comment). A unit that has not acted for KENTMASA_IDLE_WARNING_SHARE of the standard (a service may set
# its own percentage) is warned once per threshold by the escalation sweep.
KENTMASA_ACTED_ON = [
    "assign",
    "start",
    "ask_citizen",
    "note_to_citizen",
    "transfer",
    "redirect",
    "resolve",
    "resolve_on_the_spot",
    "reject",
]
KENTMASA_IDLE_WARNING_SHARE = float(os.environ.get("KENTMASA_IDLE_WARNING_SHARE", "0.5"))
# Phone numbers proven on the public form by SMS code (kentmasa.cases.phone_codes): how long a code lives,
# and how many codes one number and one client address may ask for (SMS cost money: "SMS pumping").
KENTMASA_PHONE_CODE_SECONDS = 5 * 60
KENTMASA_PHONE_CODE_LIMITS = {
    "per_number_hour": 3,
    "per_number_day": 5,
    "per_address_hour": 5,
    "per_address_day": 10,
}
# SMS answers to numbers nobody proved (typed on the public form or in an app): a day, per number and per
# institution in all (kentmasa.channels.replies); proven numbers are not limited.
KENTMASA_UNPROVEN_SMS_LIMITS = {"per_number_day": 5, "per_day": 2000}
# Tracking look-ups (kentmasa.cases.views.public.look_up). Wrong codes lock the client address after
# TRACK_FAILURES for TRACK_LOCK_SECONDS. Per tracking number they only slow down, so a stranger can never
# lock the rightful citizen out: past each (window, free wrong look-ups) below, that number's code is
# checked at most once every so many seconds, whoever asks. 6-digit codes: README "Tracking".
KENTMASA_TRACK_FAILURES = 5
KENTMASA_TRACK_LOCK_SECONDS = 60 * 60
KENTMASA_TRACK_NUMBER_LIMITS = [(60 * 60, 10, 60), (24 * 60 * 60, 30, 10 * 60)]
# Staff log-in POSTs per client address and per user name.
KENTMASA_LOGIN_RATE_PER_IP = "10/m"
KENTMASA_LOGIN_RATE_PER_USERNAME = "5/m"
# Two-factor sign-in (kentmasa.accounts). Required for superusers, staff who can open /admin/,
# administrators and the roles each institution lists; off only for trials (`check --deploy` warns).
# Wrong codes: FAILURES within WINDOW seconds lock the account's code step for LOCK seconds.
KENTMASA_2FA_REQUIRED = env_bool("KENTMASA_2FA_REQUIRED", True)
KENTMASA_2FA_FAILURES = int(os.environ.get("KENTMASA_2FA_FAILURES", "5"))
KENTMASA_2FA_WINDOW_SECONDS = int(os.environ.get("KENTMASA_2FA_WINDOW_SECONDS", str(15 * 60)))
KENTMASA_2FA_LOCK_SECONDS = int(os.environ.get("KENTMASA_2FA_LOCK_SECONDS", str(15 * 60)))
KENTMASA_2FA_ISSUER = os.environ.get("KENTMASA_2FA_ISSUER", "kentmasa")
# Sign-in events (success, failures, lock-outs, resets) are kept this long (kentmasa.accounts.tasks).
KENTMASA_SIGN_IN_EVENTS_KEEP_DAYS = int(os.environ.get("KENTMASA_SIGN_IN_EVENTS_KEEP_DAYS", "365"))
# Our own lock-out counts wrong codes (above); django-otp's per-device back-off would refuse a right code
# typed a second after a wrong one, so it is off.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_TOTP_ISSUER = KENTMASA_2FA_ISSUER
KENTMASA_MAP_TILES = os.environ.get(
    "KENTMASA_MAP_TILES", ""
)  # e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png
# Web Push to staff browsers and phones (kentmasa.notify.webpush). `manage.py vapid_keys` prints a new pair:
# the public key is the browsers' applicationServerKey (base64url), the private key base64url of the raw
# 32-byte key (a PEM works too). The subject is the contact push services write to (mailto: or https:;
# default mailto:DEFAULT_FROM_EMAIL). Without both keys the header's push button stays hidden.
KENTMASA_VAPID_PUBLIC_KEY = os.environ.get("KENTMASA_VAPID_PUBLIC_KEY", "")
KENTMASA_VAPID_PRIVATE_KEY = os.environ.get("KENTMASA_VAPID_PRIVATE_KEY", "")
KENTMASA_VAPID_SUBJECT = os.environ.get("KENTMASA_VAPID_SUBJECT", "")
KENTMASA_PUSH_TTL = int(os.environ.get("KENTMASA_PUSH_TTL", "86400"))  # seconds kept for a phone that is off
KENTMASA_PUSH_TIMEOUT = 10  # seconds, per push service request
KENTMASA_PUSH_MAX_PER_USER = 10  # browsers and phones per user; subscribing an 11th drops the oldest
# Push endpoints are URLs a browser gives us, and the server POSTs to them: only https at these services
# (and their subdomains; empty: any https host). Plain http on this machine only when the flag is on.
KENTMASA_PUSH_SERVICES = env_list(
    "KENTMASA_PUSH_SERVICES",
    "fcm.googleapis.com,updates.push.services.mozilla.com,push.apple.com,notify.windows.com",
)
KENTMASA_PUSH_ALLOW_HTTP_LOCAL = env_bool("KENTMASA_PUSH_ALLOW_HTTP_LOCAL", DEBUG)

# Live screens (kentmasa.notify.live and .stream). Live events are kept this long: a screen that was away
# longer reloads instead of catching up. SQLite web processes read the table every POLL seconds; PostgreSQL
# ones are woken by NOTIFY and read it every PG_POLL seconds besides, in case a wake-up was lost. A gap in
# the ids (a transaction that has not committed yet, or rolled back) is waited for GAP_WAIT seconds before
# a resuming client's position moves past it. Streams send a comment every HEARTBEAT seconds, re-read who
# the user is every SCOPE_REFRESH seconds, and tell browsers to reconnect after RETRY_MS.
KENTMASA_LIVE_KEEP_HOURS = int(os.environ.get("KENTMASA_LIVE_KEEP_HOURS", "48"))
KENTMASA_LIVE = {
    "POLL": float(os.environ.get("KENTMASA_LIVE_POLL", "0.25")),
    "PG_POLL": 2.0,
    "GAP_WAIT": 10.0,
    "HEARTBEAT": 15.0,
    "SCOPE_REFRESH": 60.0,
    "RETRY_MS": 3000,
    "CATCH_UP_LIMIT": 1000,
}
# The overview's figures are counted at most once per this many seconds for each set of cases seen (the
# cache), however many open overviews refresh themselves at once; 0 counts them on every request.
KENTMASA_LIVE_FIGURES_SECONDS = int(os.environ.get("KENTMASA_LIVE_FIGURES_SECONDS", "5"))

# Operations (kentmasa.ops). Paths answered before sign-in, two-factor, rate limits and the host check.
KENTMASA_PUBLIC_PATHS = ["/health/live", "/health/ready", "/metrics"]
# /health/ready fails when no task worker ran the heartbeat task (enqueued every periodic interval) for this
# long, or when the longest-waiting runnable task has waited this long.
KENTMASA_HEALTH_WORKER_SECONDS = int(
    os.environ.get("KENTMASA_HEALTH_WORKER_SECONDS", str(2 * KENTMASA_PERIODIC_INTERVAL + 30))
)
KENTMASA_HEALTH_QUEUE_SECONDS = int(os.environ.get("KENTMASA_HEALTH_QUEUE_SECONDS", "300"))
# /metrics: off until a bearer token or client networks (CIDRs, the address kentmasa.lib.clientip finds)
# are set; with both, a scrape needs both. Windowed figures cover the last WINDOW seconds; counts stop at CAP.
KENTMASA_METRICS_TOKEN = os.environ.get("KENTMASA_METRICS_TOKEN", "")
KENTMASA_METRICS_ALLOW = env_list("KENTMASA_METRICS_ALLOW", "")
KENTMASA_METRICS_WINDOW = int(os.environ.get("KENTMASA_METRICS_WINDOW", "3600"))
KENTMASA_METRICS_COUNT_CAP = 100_000
# Periodic housekeeping (kentmasa.ops.housekeeping): finished task results and staff notifications'
# delivery attempts are deleted after so many days, in batches.
KENTMASA_HOUSEKEEPING = {
    "TASK_RESULT_DAYS": int(os.environ.get("KENTMASA_TASK_RESULT_DAYS", "14")),
    "DELIVERY_DAYS": int(os.environ.get("KENTMASA_DELIVERY_DAYS", "90")),
    "BATCH": 1000,
    "MAX_BATCHES": 50,
}

# Log lines: the message only, or with KENTMASA_LOG_FORMAT=json one JSON object per line with the request id
# (and task id) of kentmasa.ops.requestid.
LOGGING = logging_config(os.environ.get("KENTMASA_LOG_FORMAT", "text"), os.environ.get("LOG_LEVEL", "INFO"))

# bench/over_http.py only: mounts the bare views /bench/bare and /bench/insert (kentmasa.lib.bench_views)
KENTMASA_BENCH_VIEWS = env_bool("KENTMASA_BENCH_VIEWS", False)
