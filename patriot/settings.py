"""Django settings, read from PATRIOT_* environment variables with secure defaults."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PATRIOT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """The key from the environment, or one generated once and kept under var/."""
    if key := os.environ.get("PATRIOT_SECRET_KEY"):
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("PATRIOT_DEBUG")
# Demo mode seeds demo accounts for every role; never on in a real deployment.
PATRIOT_DEMO = env_flag("PATRIOT_DEMO")
# The logging SMS gateway writes numbers and codes to the log only in the demo (or when asked, for development).
PATRIOT_SMS_LOG_MESSAGES = env_flag("PATRIOT_SMS_LOG_MESSAGES", default=PATRIOT_DEMO or DEBUG)
# Production mode (deploy/): the web app, the worker and every `patriot` command refuse to start with debug, demo mode,
# demo accounts or secrets, a missing or weak secret key or any host allowed (core/checks.py); static file names carry
# a content hash so the proxy may cache them for a year. Off for `make run` and the tests.
PATRIOT_PRODUCTION = env_flag("PATRIOT_PRODUCTION")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("PATRIOT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("PATRIOT_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "patriot.core",
    "patriot.geo",
    "patriot.accounts",
    "patriot.cases",
    "patriot.events",
    "patriot.opscentre",
    "patriot.citizens",
    "patriot.callcentre",
    "patriot.open311",
    "patriot.larvae",
    "patriot.referrals",
    "patriot.emergency",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "patriot.core.request_log.RequestLogMiddleware",
    "patriot.core.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "patriot.core.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "patriot.core.middleware.PageLanguageMiddleware",
    "patriot.core.middleware.ApiErrorShapeMiddleware",
    "patriot.core.middleware.RetryAfterMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "patriot.accounts.middleware.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "patriot.urls"
ASGI_APPLICATION = "patriot.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "patriot.core.context_processors.city",
                "patriot.citizens.context_processors.citizen_menu",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("PATRIOT_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'patriot.sqlite3'}"
# Django's ASGI handler runs each request in a fresh thread, so persistent per-thread connections would
# pile up until PostgreSQL refuses more: connections come from psycopg's pool instead.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 2,
            "max_size": int(os.environ.get("PATRIOT_DATABASE_POOL_SIZE", "20")),
            "timeout": 10,
        }
    }
    # Checks each pooled connection before use: after a PostgreSQL restart the dead ones are replaced, not used.
    DATABASES["default"]["ENGINE"] = "patriot.core.postgresql_backend"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "patriot.core.sqlite_backend"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; NORMAL sync is durable against a killed process.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        # Writers take the lock at BEGIN, so two writers queue instead of failing mid-transaction.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A SQLite connection costs ~1–8 ms to open (the PRAGMAs, Django's SQL functions), more than a case's
    # statements. Django keeps connections per request context under ASGI, so a kept one was never met again:
    # each request closes its connection and the backend hands it to the next (core/sqlite_backend, a pool per process).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests run on a WAL file as production does, not on SQLite's shared-cache memory database, whose table
    # locks fail ("database table is locked") when the live-event reader thread reads beside a writer.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and fan-out ----------------------------------------------------------------------
PATRIOT_REDIS_URL = os.environ.get("PATRIOT_REDIS_URL", "")
# Connect and read timeout of every Redis call: a Redis that hangs counts as down after this (core/redis_health.py).
PATRIOT_REDIS_TIMEOUT_SECONDS = float(os.environ.get("PATRIOT_REDIS_TIMEOUT_SECONDS", "0.25"))
if PATRIOT_REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "patriot.core.redis_health.GuardedRedisCache",
            "LOCATION": PATRIOT_REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": PATRIOT_REDIS_TIMEOUT_SECONDS,
                "socket_timeout": PATRIOT_REDIS_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "patriot"}}

# --- Accounts and security ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["patriot.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/masuk/"
# Login throttling (accounts/throttle.py): past a number of failed attempts, each further attempt waits a delay
# that doubles from 1 s up to a ceiling, never a long hard lock. Counted per account and address, per address across
# accounts (password spraying) and per account across addresses (slow distributed guessing; addresses and devices
# that signed in to the account before skip that one, and its ceiling is short).
PATRIOT_LOGIN_FREE_FAILURES = int(os.environ.get("PATRIOT_LOGIN_FREE_FAILURES", "5"))
PATRIOT_LOGIN_ADDRESS_FREE_FAILURES = int(os.environ.get("PATRIOT_LOGIN_ADDRESS_FREE_FAILURES", "20"))
PATRIOT_LOGIN_ACCOUNT_FREE_FAILURES = int(os.environ.get("PATRIOT_LOGIN_ACCOUNT_FREE_FAILURES", "10"))
PATRIOT_LOGIN_MAX_DELAY_SECONDS = int(os.environ.get("PATRIOT_LOGIN_MAX_DELAY_SECONDS", "300"))
PATRIOT_LOGIN_ACCOUNT_MAX_DELAY_SECONDS = int(os.environ.get("PATRIOT_LOGIN_ACCOUNT_MAX_DELAY_SECONDS", "30"))
# Failures are forgotten this long after the last one.
PATRIOT_LOGIN_WINDOW_SECONDS = int(os.environ.get("PATRIOT_LOGIN_WINDOW_SECONDS", "3600"))
# The second sign-in factor (accounts.totp): wrong codes per account before the code step closes for the window,
# and how long a password-checked sign-in waits for its code (or enrolment) before the password is asked again.
PATRIOT_TOTP_MAX_FAILURES = int(os.environ.get("PATRIOT_TOTP_MAX_FAILURES", "5"))
PATRIOT_TOTP_LOCKOUT_SECONDS = int(os.environ.get("PATRIOT_TOTP_LOCKOUT_SECONDS", "900"))
PATRIOT_TOTP_PENDING_SECONDS = int(os.environ.get("PATRIOT_TOTP_PENDING_SECONDS", "300"))
# Public case intake per client address per minute.
PATRIOT_INTAKE_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_INTAKE_RATE_PER_MINUTE", "30"))
# Concurrent intakes and jumantik inspections of one process share one transaction (core/group_commit.py): on SQLite by
# default, where one process writes one transaction at a time anyway; off on PostgreSQL, where concurrent
# connections overlap their round trips and the server already shares WAL flushes between commits.
PATRIOT_INTAKE_GROUP_COMMIT = env_flag(
    "PATRIOT_INTAKE_GROUP_COMMIT", default=DATABASES["default"]["ENGINE"] == "patriot.core.sqlite_backend"
)
# Requests that add photos to an existing case, per client address and per account per minute.
PATRIOT_PHOTO_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_PHOTO_RATE_PER_MINUTE", "20"))
# The largest request body in bytes, refused with 413 before it is read (five 10 MB photos and a form fit).
PATRIOT_MAX_REQUEST_BYTES = int(os.environ.get("PATRIOT_MAX_REQUEST_BYTES", str(60 * 1024 * 1024)))
# Photos decoded at the same time in one process (one may take about 210 MB while it is decoded and scaled).
PATRIOT_IMAGE_DECODES_PER_PROCESS = int(os.environ.get("PATRIOT_IMAGE_DECODES_PER_PROCESS", "1"))
# A citizen's photos are public only once the POC has verified the case (off: public from the start).
PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY = env_flag("PATRIOT_PUBLIC_PHOTOS_AFTER_VERIFY", default=True)
# Proof of work: staff see a proof photo flagged when its camera position is farther than this from the case, or
# when it was taken more than this many hours before its upload (or before the case was reported).
PATRIOT_PROOF_MAX_DISTANCE_M = float(os.environ.get("PATRIOT_PROOF_MAX_DISTANCE_M", "500"))
PATRIOT_PROOF_MAX_AGE_HOURS = float(os.environ.get("PATRIOT_PROOF_MAX_AGE_HOURS", "48"))

# Secure mode: plain-HTTP loopback serving (`make run`) turns it off; everywhere else the site is HTTPS only:
# secure cookies, HSTS, and plain HTTP redirected (except the health check, which load balancers ask over HTTP).
SECURE_COOKIES = env_flag("PATRIOT_SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = SECURE_COOKIES
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("PATRIOT_HSTS_SECONDS", "31536000")) if SECURE_COOKIES else 0
# HSTS for the city's subdomains or the browsers' preload list would bind sites Patriot does not run (a city's go.id
# domain holds other agencies' services): the city decides that at its domain's apex, not here.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
# Proxies whose X-Forwarded-For / X-Forwarded-Proto count (addresses or networks, comma-separated); the server must
# not trust them itself: uvicorn runs with --no-proxy-headers.
PATRIOT_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("PATRIOT_TRUSTED_PROXIES", "").split(",") if p.strip()]
# Staff sessions end after this long without a click, and this long after signing in; citizens keep Django's two weeks.
PATRIOT_STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("PATRIOT_STAFF_SESSION_IDLE_SECONDS", "7200"))
PATRIOT_STAFF_SESSION_MAX_SECONDS = int(os.environ.get("PATRIOT_STAFF_SESSION_MAX_SECONDS", "43200"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only a trusted proxy's X-Forwarded-Proto reaches Django (core.security.TrustedProxyMiddleware drops the others').
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PATRIOT_TRUSTED_PROXIES else None
# Street base map: OpenStreetMap's standard tiles by default (their usage policy asks for the attribution and a
# light load; a busy city runs its own tile server). Set it empty to draw only the kelurahan polygons.
PATRIOT_TILE_URL = os.environ.get("PATRIOT_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
PATRIOT_TILE_ATTRIBUTION = os.environ.get("PATRIOT_TILE_ATTRIBUTION", "© OpenStreetMap contributors")
PATRIOT_TILE_ATTRIBUTION_URL = os.environ.get("PATRIOT_TILE_ATTRIBUTION_URL", "https://www.openstreetmap.org/copyright")
# Optional Nominatim-compatible geocoder for the place search (asked by the server, never by the browser).
PATRIOT_GEOCODER_URL = os.environ.get("PATRIOT_GEOCODER_URL", "")
PATRIOT_GEOCODER_TIMEOUT_SECONDS = float(os.environ.get("PATRIOT_GEOCODER_TIMEOUT_SECONDS", "3"))
PATRIOT_GEOCODER_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_GEOCODER_RATE_PER_MINUTE", "30"))

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "patriot" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- City -----------------------------------------------------------------------------------
# Prefix of tracking numbers (BKS-2611-000123) and the country whose public holidays stop SLA clocks.
PATRIOT_CITY_CODE = os.environ.get("PATRIOT_CITY_CODE", "BKS")
PATRIOT_CITY_NAME = os.environ.get("PATRIOT_CITY_NAME", "Kota Bekasi")
# The 1500444 call centre: the phone system's hook (POST /callcentre/api/incoming, "Authorization: Bearer <secret>");
# an empty secret switches the hook off (503).
PATRIOT_CALLCENTRE_HOOK_SECRET = os.environ.get("PATRIOT_CALLCENTRE_HOOK_SECRET", "")
# The phone lines that ring at the PSC 119 (comma-separated line names as the phone system's hook sends them);
# every other line rings on the 1500444 console.
PATRIOT_PSC_LINES = tuple(
    line.strip() for line in os.environ.get("PATRIOT_PSC_LINES", "119").split(",") if line.strip()
)
PATRIOT_CALLCENTRE_HOOK_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_CALLCENTRE_HOOK_RATE_PER_MINUTE", "120"))
# Open311 GeoReport v2 (/open311/v2/): the jurisdiction this server answers for, and its rate limits.
PATRIOT_OPEN311_JURISDICTION_ID = os.environ.get("PATRIOT_OPEN311_JURISDICTION_ID", "bekasi.go.id")
PATRIOT_OPEN311_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_OPEN311_RATE_PER_MINUTE", "120"))
PATRIOT_OPEN311_KEY_RATE_PER_MINUTE = int(os.environ.get("PATRIOT_OPEN311_KEY_RATE_PER_MINUTE", "60"))
PATRIOT_HOLIDAY_COUNTRY = "ID"
# PSC 119 dispatch (emergency/dispatch.py): estimated arrival = straight-line km × road factor ÷ the speed of the hour
# band ("from-to:km/h,…", local hours, covering 0–24), and the board's response targets per triage level in minutes
# from the call to the first unit on scene, "level:amber/red,…" (defaults: NHS England Ambulance Response Programme).
PATRIOT_EMERGENCY_ROAD_FACTOR = float(os.environ.get("PATRIOT_EMERGENCY_ROAD_FACTOR", "1.4"))
PATRIOT_EMERGENCY_SPEEDS = os.environ.get("PATRIOT_EMERGENCY_SPEEDS", "0-6:40,6-9:18,9-16:26,16-20:16,20-24:32")
PATRIOT_EMERGENCY_RESPONSE_TARGETS = os.environ.get(
    "PATRIOT_EMERGENCY_RESPONSE_TARGETS", "p1:7/15,p2:18/40,p3:60/120,p0:60/120"
)
# Sirine's bed figures: a figure older than this many hours is shown as stale (never as current free beds) on the
# public board, its live stream, the map, the API and the hospital's own page.
PATRIOT_BED_STALE_HOURS = float(os.environ.get("PATRIOT_BED_STALE_HOURS", "6"))

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("PATRIOT_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"


def media_storage(environ: Mapping[str, str]) -> dict[str, Any]:
    """The "default" entry of STORAGES: the local disk, or the bucket named by PATRIOT_S3_BUCKET."""
    bucket = environ.get("PATRIOT_S3_BUCKET", "")
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    endpoint = environ.get("PATRIOT_S3_ENDPOINT_URL", "")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint or None,
            "region_name": environ.get("PATRIOT_S3_REGION", "") or None,
            # Unset: boto3's own chain (AWS_* variables, an instance or pod role).
            "access_key": environ.get("PATRIOT_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": environ.get("PATRIOT_S3_SECRET_ACCESS_KEY", "") or None,
            "location": environ.get("PATRIOT_S3_PREFIX", "").strip("/"),
            # Most self-hosted stores (MinIO, Ceph, Garage) answer path-style requests only.
            "addressing_style": environ.get("PATRIOT_S3_ADDRESSING_STYLE") or ("path" if endpoint else "virtual"),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
        },
    }


# Photos live on the local disk under MEDIA_ROOT, or in an S3-compatible bucket shared by several app servers when
# PATRIOT_S3_BUCKET is set. Either way they are read only through Django's storage API and served by Patriot's own
# access-checked views (streamed from the store), never by a URL of the store: objects get no ACL (the bucket's
# private default), and a signed URL, should anything ask for one, expires within minutes.
# In production `patriot collectstatic` (deploy/patriot-migrate.service) writes hashed copies and the manifest pages
# link to, so the proxy may cache static files for a year.
STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": "patriot.core.staticfiles.HashedStaticFilesStorage"
        if PATRIOT_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 5

# --- Citizen accounts (SOROT): email, SMS, notifications -------------------------------------
# SMTP from PATRIOT_EMAIL_HOST/PORT/USER/PASSWORD/TLS; without a host (or in demo mode) mail goes to the console.
PATRIOT_EMAIL_HOST = os.environ.get("PATRIOT_EMAIL_HOST", "")
# Every message goes through core.mail.CountingEmailBackend (patriot_emails_total), which hands it on to this one.
EMAIL_BACKEND = "patriot.core.mail.CountingEmailBackend"
if PATRIOT_EMAIL_HOST and not PATRIOT_DEMO:
    PATRIOT_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = PATRIOT_EMAIL_HOST
    EMAIL_PORT = int(os.environ.get("PATRIOT_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("PATRIOT_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("PATRIOT_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_flag("PATRIOT_EMAIL_TLS", default=True)
    EMAIL_TIMEOUT = 10
else:
    PATRIOT_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("PATRIOT_EMAIL_FROM", "Patriot <no-reply@localhost>")
# Links in emails sent by the worker (no request to take the host from).
PATRIOT_SITE_URL = os.environ.get("PATRIOT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# SMS: an HTTP gateway when its URL is set, else the logging gateway (codes appear in the log; demo only).
PATRIOT_SMS_GATEWAY_URL = os.environ.get("PATRIOT_SMS_GATEWAY_URL", "")
PATRIOT_SMS_GATEWAY_TOKEN = os.environ.get("PATRIOT_SMS_GATEWAY_TOKEN", "")
PATRIOT_SMS_GATEWAY_TIMEOUT = float(os.environ.get("PATRIOT_SMS_GATEWAY_TIMEOUT", "5"))
PATRIOT_SMS_GATEWAY = os.environ.get("PATRIOT_SMS_GATEWAY", "http" if PATRIOT_SMS_GATEWAY_URL else "log")
# Reports per signed-in account per minute (on top of the per-address limit).
PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE = int(os.environ.get("PATRIOT_INTAKE_RATE_PER_ACCOUNT_PER_MINUTE", "10"))


# Retention (UU PDP): days after which the worker's daily job removes personal data; 0 or empty keeps it for ever.
# Reporter contact details: name, phone and email of cases finished (closed, rejected, merged) that long ago.
# Access audit: the log of staff reads of reporter data. Notifications: citizens' case-change notifications.
def _retention_days(name: str) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else 0


PATRIOT_RETENTION_REPORTER_CONTACT_DAYS = _retention_days("PATRIOT_RETENTION_REPORTER_CONTACT_DAYS")
PATRIOT_RETENTION_ACCESS_AUDIT_DAYS = _retention_days("PATRIOT_RETENTION_ACCESS_AUDIT_DAYS")
PATRIOT_RETENTION_NOTIFICATIONS_DAYS = _retention_days("PATRIOT_RETENTION_NOTIFICATIONS_DAYS")
# Finished one-off tasks (their arguments hold addresses and message texts): deleted after 30 days unless set; 0 keeps.
PATRIOT_RETENTION_TASKS_DAYS = int(os.environ.get("PATRIOT_RETENTION_TASKS_DAYS", "30") or 0)
# Referrals are medical records: kept 25 years (Permenkes 24/2022, rekam medis) after they were made, then deleted
# with their timeline and attachments (finished ones only).
PATRIOT_RETENTION_REFERRALS_DAYS = int(os.environ.get("PATRIOT_RETENTION_REFERRALS_DAYS", "9131") or 0)
# PSC 119 (emergency/services/retention.py): finished incidents with the crews' patient reports are medical records,
# 25 years like referrals; the crews' status-tap receipts and an ambulance's last shared position 90 days.
PATRIOT_RETENTION_EMERGENCY_DAYS = int(os.environ.get("PATRIOT_RETENTION_EMERGENCY_DAYS", "9131") or 0)
PATRIOT_RETENTION_CREW_RECEIPTS_DAYS = int(os.environ.get("PATRIOT_RETENTION_CREW_RECEIPTS_DAYS", "90") or 0)
PATRIOT_RETENTION_CREW_POSITIONS_DAYS = int(os.environ.get("PATRIOT_RETENTION_CREW_POSITIONS_DAYS", "90") or 0)

# The SQLite web process runs the SLA sweep itself unless a separate `patriot worker` does.
PATRIOT_INPROCESS_WORKER = env_flag("PATRIOT_INPROCESS_WORKER")

# One-off jobs (email, SMS; core/tasks.py): Django's tasks framework with django-tasks-db, so a task is a row
# written in the transaction that asks for it, and `patriot worker` (or the in-process worker) runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A task marked @retried is tried this many times in all; the pause after the n-th failure is
# PATRIOT_TASK_RETRY_SECONDS × 3^(n−1), at most 12 hours (1 min, 3, 9, 27 min, 1.4 h, 4 h, 12 h by default).
PATRIOT_TASK_MAX_ATTEMPTS = int(os.environ.get("PATRIOT_TASK_MAX_ATTEMPTS", "8"))
PATRIOT_TASK_RETRY_SECONDS = float(os.environ.get("PATRIOT_TASK_RETRY_SECONDS", "60"))
# A task still running this long after it started belongs to a worker that died: it is queued again (at least once).
PATRIOT_TASK_STALE_SECONDS = int(os.environ.get("PATRIOT_TASK_STALE_SECONDS", "900"))

# --- Operations: readiness, metrics, logs ----------------------------------------------------
# /readyz fails when no background job finished within this many seconds, or when the oldest case event the
# citizens' notification relay has not passed is older than this (the relay holds events back for 60 s).
PATRIOT_READY_WORKER_SECONDS = int(os.environ.get("PATRIOT_READY_WORKER_SECONDS", "120"))
PATRIOT_READY_OUTBOX_LAG_SECONDS = int(os.environ.get("PATRIOT_READY_OUTBOX_LAG_SECONDS", "300"))
# /metrics answers these client addresses (networks allowed; behind a trusted proxy, the forwarded client), and
# anyone sending "Authorization: Bearer <PATRIOT_METRICS_TOKEN>" when a token is set.
PATRIOT_METRICS_ALLOWED_ADDRESSES = [
    a.strip() for a in os.environ.get("PATRIOT_METRICS_ALLOWED_ADDRESSES", "127.0.0.1,::1").split(",") if a.strip()
]
PATRIOT_METRICS_TOKEN = os.environ.get("PATRIOT_METRICS_TOKEN", "")

# One JSON object per line on stderr for every logger (core/logging.py); patriot.request writes one per request,
# patriot.job one per background job run. Django's own request warnings repeat the access line: errors only.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "patriot.core.logging.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("PATRIOT_LOG_LEVEL", "INFO")},
    # django-tasks logs every task's start and end at INFO; its warnings and failures are enough (core/tasks.py logs
    # retries and give-ups itself).
    "loggers": {"django.request": {"level": "ERROR"}, "django_tasks": {"level": "WARNING"}},
}

# --- The city health agency (Dinkes) -------------------------------------------------------------------------------
# The code (accounts.Agency.code, accounts/data/agencies.json) of the city's health agency, Dinas Kesehatan: its health
# officers are "Dinkes": they read every referral (referrals.access) and the whole city's household inspections
# (larvae.scope); another agency's health officers read neither.
PATRIOT_HEALTH_AGENCY_CODE = os.environ.get("PATRIOT_HEALTH_AGENCY_CODE", "dinkes")

# --- Referrals (Sirine) ----------------------------------------------------------------------
# A receiving hospital answers a referral within this many minutes by urgency; a later answer is escalated to Dinkes
# and the POC by the worker's referral-escalation job.
PATRIOT_REFERRAL_RESPONSE_MINUTES_EMERGENCY = int(os.environ.get("PATRIOT_REFERRAL_RESPONSE_MINUTES_EMERGENCY", "10"))
PATRIOT_REFERRAL_RESPONSE_MINUTES_URGENT = int(os.environ.get("PATRIOT_REFERRAL_RESPONSE_MINUTES_URGENT", "30"))
PATRIOT_REFERRAL_RESPONSE_MINUTES_ROUTINE = int(os.environ.get("PATRIOT_REFERRAL_RESPONSE_MINUTES_ROUTINE", "120"))
# Travel estimate for suggesting hospitals: straight-line distance × road factor at an average speed.
PATRIOT_REFERRAL_ROAD_FACTOR = float(os.environ.get("PATRIOT_REFERRAL_ROAD_FACTOR", "1.4"))
PATRIOT_REFERRAL_SPEED_KMH = float(os.environ.get("PATRIOT_REFERRAL_SPEED_KMH", "30"))
# An emergency may be sent to at most this many hospitals at once (the first to accept wins).
PATRIOT_REFERRAL_MAX_PARALLEL = int(os.environ.get("PATRIOT_REFERRAL_MAX_PARALLEL", "3"))

# --- Si Tik Tik (larvae) field work -----------------------------------------------------------------------------------
# A jumantik's phone keeps inspections made without signal and sends them later with their own time: one older than
# this many days is refused (a phone left in a drawer, a clock set wrong), so a late send cannot rewrite an old week.
PATRIOT_LARVAE_MAX_DELAY_DAYS = int(os.environ.get("PATRIOT_LARVAE_MAX_DELAY_DAYS", "14"))
# Houses a jumantik's RT should inspect each week when its coordinator or puskesmas has set no figure of its own.
PATRIOT_LARVAE_RT_TARGET_DEFAULT = int(os.environ.get("PATRIOT_LARVAE_RT_TARGET_DEFAULT", "25"))
# Data quality for supervisors: two inspections of one week this close (metres) are the same house; a point this far
# (metres) from the jumantik's RT (or its RW, or kelurahan, whichever has a boundary) is outside it; a jumantik
# with inspections in each of the last UNIFORM_WEEKS weeks, at least UNIFORM_MIN_HOUSES houses and never a positive
# one has implausibly uniform results.
PATRIOT_LARVAE_SAME_HOUSE_METRES = float(os.environ.get("PATRIOT_LARVAE_SAME_HOUSE_METRES", "15"))
PATRIOT_LARVAE_OUTSIDE_RT_METRES = float(os.environ.get("PATRIOT_LARVAE_OUTSIDE_RT_METRES", "300"))
PATRIOT_LARVAE_UNIFORM_WEEKS = int(os.environ.get("PATRIOT_LARVAE_UNIFORM_WEEKS", "4"))
PATRIOT_LARVAE_UNIFORM_MIN_HOUSES = int(os.environ.get("PATRIOT_LARVAE_UNIFORM_MIN_HOUSES", "40"))
