"""Settings of the logistics supervision product.

One module, driven by environment variables (see README, "Environment variables"). Every default is safe
for development: SQLite in the project folder, tasks run eagerly in-process, DEBUG on.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import pgettext_lazy

from logistics import env as envparse

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ

DEBUG = envparse.env_bool(ENV, "DJANGO_DEBUG", True)
SECRET_KEY = envparse.secret_key(ENV, DEBUG)
ALLOWED_HOSTS = envparse.env_list(
    ENV, "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] + (["testserver"] if DEBUG else [])
)
CSRF_TRUSTED_ORIGINS = envparse.env_list(ENV, "DJANGO_CSRF_TRUSTED_ORIGINS", [])
INSTITUTION_NAME = ENV.get("INSTITUTION_NAME", "")  # empty: the translated default name is used
# The landing page lists the demo logins in development, or when asked to (a demo server with DEBUG off).
SHOW_DEMO_LOGINS = envparse.env_bool(ENV, "SHOW_DEMO_LOGINS", DEBUG)

INSTALLED_APPS = [
    "logistics.apps.LogisticsConfig",
    "contracts.apps.ContractsConfig",
    "inspections.apps.InspectionsConfig",
    "feedback.apps.FeedbackConfig",
    "scoring.apps.ScoringConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "csp",
    "logistics.apps.AxesConfig",  # django-axes, under a translated name
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "logistics.middleware.RequestLimitsMiddleware",  # before anything reads the body
    "whitenoise.middleware.WhiteNoiseMiddleware",  # serves static files itself (compressed at collectstatic)
    # gzip for pages and JSON: outside everything below that writes or reads a response's body (Django's advice)
    "logistics.middleware.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "logistics.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "logistics.security.SecurityLogMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its response
]

ROOT_URLCONF = "logistics.urls"
WSGI_APPLICATION = "logistics.wsgi.application"
ASGI_APPLICATION = "logistics.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "logistics.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASES = {"default": envparse.database_config(ENV, BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "logistics.User"

# --- Cache ----------------------------------------------------------------------------------------------
CACHES = envparse.cache_config(ENV)

# --- Auth -----------------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out username + address before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------------------------------
LANGUAGE_CODE = ENV.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = ENV.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(ENV.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: uploads go through permission-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envparse.env_bool(ENV, "STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024  # the fields of a request (its files stream to disk)
# A whole request body, files included, refused by its Content-Length before it is read (413): five photos of
# at most 10 MB each and the form. Keep nginx's client_max_body_size (deploy/nginx) the same.
REQUEST_BODY_MAX_BYTES = envparse.env_int(ENV, "REQUEST_BODY_MAX_MB", 60) * 1024 * 1024
API_ANON_RATE = ENV.get("API_ANON_RATE", "60/m")  # anonymous API calls per client address
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envparse.env_int(ENV, "SESSION_COOKIE_AGE", 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True  # expiry counts from the last request: sessions end after inactivity
SESSION_COOKIE_SECURE = envparse.env_bool(ENV, "DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envparse.env_bool(ENV, "DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envparse.env_int(ENV, "DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envparse.env_bool(ENV, "DJANGO_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envparse.env_bool(ENV, "DJANGO_HSTS_PRELOAD", not DEBUG)
if envparse.env_bool(ENV, "DJANGO_BEHIND_TLS_PROXY", False):
    # The reverse proxy (nginx) terminates TLS and sets X-Forwarded-Proto; see README "Production".
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = envparse.env_list(ENV, "DJANGO_SILENCED_SYSTEM_CHECKS", [])

# Content-Security-Policy (django-csp): no inline script anywhere (JSON data travels in json_script blocks,
# which are not executed); inline <style> only with the request's nonce (the pygal charts of the dashboard).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "worker-src": [SELF],  # the service worker of the tablet app (/inspect/sw.js)
        "manifest-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Login throttling (django-axes): a username is locked for AXES_COOLOFF_MINUTES after AXES_FAILURE_LIMIT
# failed logins from one address; attempts live in the database (a superuser unlocks in the admin, or
# `manage.py axes_reset_username`). The address is the one the rate limits use (CLIENT_IP_HEADER).
AXES_FAILURE_LIMIT = envparse.env_int(ENV, "AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envparse.env_int(ENV, "AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# a failure during a lockout does not restart it: a stranger typing a wrong password for someone else's name
# (from the same address) cannot keep them out for longer than one cool-off
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "logistics.security.client_ip"
AXES_LOCKOUT_CALLABLE = "logistics.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_ENABLE_ADMIN = True

# --- Email ----------------------------------------------------------------------------------------------
EMAIL_BACKEND = ENV.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = ENV.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envparse.env_int(ENV, "EMAIL_PORT", 25)
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envparse.env_bool(ENV, "EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "logistics@localhost")

# --- Other notice channels (logistics.channels) ------------------------------------------------------------
# SMS: the console backend logs each message (development); AppriseBackend sends through SMS_APPRISE_URL, an
# apprise address with {phone} where the number goes (e.g. twilio://SID:TOKEN@+8613800000000/{phone}).
SMS_BACKEND = ENV.get("SMS_BACKEND", "logistics.sms.ConsoleBackend")
SMS_APPRISE_URL = ENV.get("SMS_APPRISE_URL", "")
SMS_MAX_CHARS = envparse.env_int(ENV, "SMS_MAX_CHARS", 200)
# a formal notice the vendor has not acknowledged this many days after it was issued is listed for the office
NOTICE_ACK_DAYS = envparse.env_int(ENV, "NOTICE_ACK_DAYS", 3)
# Group robots go to the public WeCom / DingTalk / Feishu services unless ROBOT_ENDPOINTS (JSON) sends a kind
# elsewhere, e.g. {"wecom": "https://wecom.intranet.example/cgi-bin/webhook/send?key={token}"}.
ROBOT_ENDPOINTS = __import__("json").loads(ENV.get("ROBOT_ENDPOINTS", "") or "{}")

# The empty choice of a list's filters reads "all" (全部), not "---------"
FILTERS_EMPTY_CHOICE_LABEL = pgettext_lazy("filter", "All")

# --- REST API -------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["logistics.api.permissions.ScopedModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "logistics.api.filters.StrictDjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "logistics.api.schema.AutoSchema",
    # throttles count after the permissions (DRF's order): an anonymous call refused by them is counted by
    # the API's own limit in logistics.middleware.RequestLimitsMiddleware
    "DEFAULT_THROTTLE_CLASSES": [
        "logistics.api.throttles.AnonRateThrottle",
        "logistics.api.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": ENV.get("API_RATE_ANON", "60/minute"),
        "user": ENV.get("API_RATE_USER", "1200/minute"),
    },
    "DEFAULT_PARSER_CLASSES": [
        "logistics.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Logistics supervision API",
    "DESCRIPTION": "Vendors, contracts, inspections, complaints and quarterly evaluations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # the schema: signed-in users only
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # choice sets that share a field name ("kind", "status") get their own schema names
    "ENUM_NAME_OVERRIDES": {
        "CheckResultEnum": "logistics.models.admission.CheckResult",
        "VendorStatusEnum": "logistics.models.vendors.VendorStatus",
        "TenderStatusEnum": "logistics.models.tenders.TenderStatus",
        "AdmissionReviewStatusEnum": "logistics.models.admission.AdmissionReview.Status",
        "DepartmentKindEnum": "logistics.models.reference.Department.Kind",
        "ContractStatusEnum": "contracts.models.ContractStatus",
        "SettlementStatusEnum": "contracts.models.SettlementStatus",
        "ClauseKindEnum": "contracts.clause_kinds.choices",
        "LedgerKindEnum": "contracts.models.LedgerKind",
        "InspectionKindEnum": "inspections.models.inspections.InspectionKind",
        "InspectionStatusEnum": "inspections.models.inspections.InspectionStatus",
        "RectificationStatusEnum": "inspections.models.rectifications.RectificationStatus",
        "RectificationEventKindEnum": "inspections.models.rectifications.RectificationEvent.Kind",
    },
}

# --- Product rules ---------------------------------------------------------------------------------------
# After a tender is awarded these run in the same transaction (the contracts app creates the draft contract).
TENDER_AWARD_HANDLERS: list[str] = ["contracts.services.contract_create_from_award"]
# Facts of bidders kept by the apps above logistics, for the qualification checks (logistics.selectors.bidder_facts)
TENDER_BIDDER_FACTS: list[str] = [
    "contracts.selectors.bidder_termination_facts",
    "scoring.selectors_year.bidder_annual_facts",
]
# A vendor's latest annual appraisal on its pages (the office's vendor page, the vendor's portal), kept by the
# scoring app: ``provider(vendor_ids) -> {vendor_id: summary}`` (logistics.selectors.vendor_annual_appraisal)
VENDOR_ANNUAL_APPRAISAL = "scoring.selectors_year.vendor_annual_summary"

# Monthly feedback forms (feedback.services): sent from this day of the month, valid until this many days
# after the month's end, reminded this many times this many days apart.
FEEDBACK_ISSUE_DAY = envparse.env_int(ENV, "FEEDBACK_ISSUE_DAY", 25)
FEEDBACK_LINK_DAYS = envparse.env_int(ENV, "FEEDBACK_LINK_DAYS", 10)
FEEDBACK_REMINDERS = envparse.env_int(ENV, "FEEDBACK_REMINDERS", 2)
FEEDBACK_REMIND_EVERY_DAYS = envparse.env_int(ENV, "FEEDBACK_REMIND_EVERY_DAYS", 3)

# The service desk (README, "The service desk"): working hours for the work orders' clocks, the clocks of a
# category and priority without its own row (minutes: respond, on site, complete; working hours only), the
# share of closed work orders called back besides those the rules always call back, the days to do a callback
# and for the requester to confirm a completed job (then the office may close it), and the usernames the
# passed clocks escalate to (the office head; empty: every office user).
DESK_WORKING_HOURS = (ENV.get("DESK_OPENS", "08:30"), ENV.get("DESK_CLOSES", "17:30"))
DESK_DEFAULT_CLOCKS = {
    "urgent": (30, 120, 480, False),
    "normal": (120, 480, 1440, True),
    "low": (480, 1440, 4800, True),
}
DESK_CALLBACK_SAMPLE_PERCENT = envparse.env_int(ENV, "DESK_CALLBACK_SAMPLE_PERCENT", 20)
DESK_CALLBACK_DAYS = envparse.env_int(ENV, "DESK_CALLBACK_DAYS", 3)
DESK_CONFIRM_DAYS = envparse.env_int(ENV, "DESK_CONFIRM_DAYS", 3)
DESK_ESCALATE_TO = [name for name in ENV.get("DESK_ESCALATE_TO", "").split(",") if name.strip()]
ADMISSION_BAD_RECORD_YEARS = 3
# The address printed in QR codes and emails (what employees' phones open).
PUBLIC_BASE_URL = ENV.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# Behind a proxy, the header that carries the client's address (used only for rate limits, never stored).
# The client's address behind a reverse proxy (rate limits, login throttling, the security log): a header the
# proxy sets from its own peer address (e.g. HTTP_X_REAL_IP with deploy/nginx/logistics.conf), or the number of
# trusted proxies that append to X-Forwarded-For. Neither: REMOTE_ADDR (a system check warns behind a proxy).
CLIENT_IP_HEADER = ENV.get("CLIENT_IP_HEADER", "")
TRUSTED_PROXY_HOPS = envparse.env_int(ENV, "TRUSTED_PROXY_HOPS", 0)
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
ADMISSION_MIN_EXPERIENCE_YEARS = 3

# --- Celery ---------------------------------------------------------------------------------------------
_celery = envparse.celery_config(ENV)
CELERY_BROKER_URL = _celery["broker_url"]
CELERY_RESULT_BACKEND = _celery["result_backend"]
CELERY_TASK_ALWAYS_EAGER = _celery["task_always_eager"]
CELERY_TASK_EAGER_PROPAGATES = _celery["task_eager_propagates"]
CELERY_TASK_DEFAULT_QUEUE = ENV.get("CELERY_DEFAULT_QUEUE", "logistics")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 3, "socket_timeout": 5}
# A publish attempt while the broker is down gives up quickly: the outbox keeps the message (logistics.outbox).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
DJANGO_CELERY_BEAT_TZ_AWARE = True

# --- Logging --------------------------------------------------------------------------------------------
LOG_LEVEL = ENV.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "celery.app.trace": {"level": ENV.get("CELERY_TRACE_LOG_LEVEL", "WARNING")},
        "fontTools": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
        # failed logins and access denials (logistics/security.py); django-axes' own lines say the same
        "logistics.security": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

APP_VERSION = "0.1.0"
