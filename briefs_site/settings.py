"""Settings for the Briefs site: one module, driven by environment variables.

Every variable is optional in development; `.env.example` lists them all. With
DJANGO_DEBUG=0 the site refuses to start without a real secret key and allowed hosts.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name):
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-used-with-debug-off"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (
    # Django's own test of a weak key (security.W009), made a refusal to start.
    SECRET_KEY == DEVELOPMENT_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure-")
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a default or weak value; with DJANGO_DEBUG=0 it must be at least "
        "50 random characters, for example from: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "axes",
    "csp",
    # Two-factor sign-in for people who may publish (briefs_site.two_factor): authenticator
    # app codes (TOTP) and recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # experts comes before briefs: the editorial groups are set up on briefs'
    # post_migrate signal, when the permissions of both apps exist.
    "events",
    "experts",
    "briefs",
    # Readers who follow briefs by email, and the mail they get: above briefs, which it reads.
    "subscriptions",
    # The content API (/api/v1/) and the webhooks that tell other systems of public changes:
    # beside subscriptions, above briefs.
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "api",
    "webhooks",
    # The benchmark's tools (generate_briefs, the floor page): above briefs, never imported by it.
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy on every response, static files too; the admin's query parameters
    # without control characters (briefs_site.security).
    "briefs_site.security.PermissionsPolicyMiddleware",
    "briefs_site.security.AdminQueryCleaningMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # ETags and 304s for every page; then public pages kept whole (briefs.public.middleware),
    # before the middleware that a kept page does not need.
    "django.middleware.http.ConditionalGetMiddleware",
    # The content API may be read from any origin's pages (CORS, GET only), and each client
    # address has its allowance of API requests, kept ones included (api.limits).
    "corsheaders.middleware.CorsMiddleware",
    "api.limits.ApiAllowanceMiddleware",
    "briefs.public.middleware.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session gave a second factor; then the admin
    # holds back whoever must give one and has not (briefs_site.two_factor).
    "django_otp.middleware.OTPMiddleware",
    "briefs_site.two_factor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "briefs_site.urls"
WSGI_APPLICATION = "briefs_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "briefs.public.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long analytical queries, not for a page's short ones,
    # where compiling costs more than it saves (https://www.postgresql.org/docs/current/jit-decision.html).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            # Redis down or hanging costs speed, not pages (common.cache).
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Lists keep an entry per page (briefs.public.listings): room for a large archive's.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["briefs_site.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico, /apple-touch-icon.png), served by
# WhiteNoise before any view.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# Uploads are served by the web server in front in production; with this on, by the app (the
# loopback layout of deploy/, which has none).
BRIEFS_SERVE_MEDIA = env_bool("BRIEFS_SERVE_MEDIA", False)
STORAGES = {
    # The file system, with uploads of a failed save removed (common.storage).
    "default": {"BACKEND": "common.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Issue names are matched without regard to case, so "Iran" and "iran" stay one issue.
TAGGIT_CASE_INSENSITIVE = True

SITE_NAME = os.environ.get("BRIEFS_SITE_NAME", "Meridian Briefs")
# The site's address, for links that leave it without a request to go by (mail, events):
# never taken from a request's Host header.
SITE_URL = os.environ.get("BRIEFS_SITE_URL", "").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
)
BRIEFS_PAGE_SIZE = 20
# Keep public pages whole in the cache (briefs.public.middleware); off only to measure the site
# without it (bench/pages.py).
BRIEFS_PAGE_CACHE = env_bool("BRIEFS_PAGE_CACHE", True)
# The HTTP cache in front of the app servers (deploy/, docs/deploy.md): how long it may keep a
# public page (never past the next scheduled change), how long it may go on serving one while
# no app server answers, and the Varnish servers purged when content changes. Without purge
# addresses there is no edge to purge (common.edge.NoEdge).
BRIEFS_EDGE_MAX_AGE = int(os.environ.get("BRIEFS_EDGE_MAX_AGE", str(24 * 60 * 60)))
BRIEFS_EDGE_STALE_IF_ERROR = int(os.environ.get("BRIEFS_EDGE_STALE_IF_ERROR", str(60 * 60)))
BRIEFS_EDGE_PURGE_URLS = env_list("BRIEFS_EDGE_PURGE_URLS")
BRIEFS_EDGE_BACKEND = os.environ.get("BRIEFS_EDGE_BACKEND", "") or (
    "common.edge.Varnish" if BRIEFS_EDGE_PURGE_URLS else "common.edge.NoEdge"
)
# A purge that takes longer is retried by the worker rather than holding a save's response.
BRIEFS_EDGE_PURGE_TIMEOUT = 2
# How long a shared preview link works unless its maker chooses otherwise (briefs.public.previews).
BRIEFS_PREVIEW_HOURS = int(os.environ.get("BRIEFS_PREVIEW_HOURS", "72"))

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "briefs@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Subscription mail (subscriptions/): who it comes from and where replies go.
BRIEFS_MAIL_FROM = os.environ.get("BRIEFS_MAIL_FROM", "") or f"{SITE_NAME} <{DEFAULT_FROM_EMAIL}>"
BRIEFS_MAIL_REPLY_TO = os.environ.get("BRIEFS_MAIL_REPLY_TO", "") or DEFAULT_FROM_EMAIL
# Messages per second per sending task (0: as fast as the mail server takes them), and how many
# sending tasks a mailing starts: together they bound what the mail server is asked to take.
BRIEFS_MAIL_RATE = float(os.environ.get("BRIEFS_MAIL_RATE", "50"))
BRIEFS_MAIL_SENDERS = int(os.environ.get("BRIEFS_MAIL_SENDERS", "2"))

if not DEBUG:
    # Production is served over HTTPS, usually behind a proxy that terminates TLS.
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # The load balancer's health probe speaks plain HTTP to each app server.
    SECURE_REDIRECT_EXEMPT = [r"^_health/$"]
    if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    # Subdomains and the browsers' preload list commit more than this site to HTTPS for a long
    # time (every subdomain; leaving the list takes months): only when the operator says so.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    if SECURE_HSTS_PRELOAD and not SECURE_HSTS_INCLUDE_SUBDOMAINS:
        raise ImproperlyConfigured(
            "DJANGO_HSTS_PRELOAD=1 needs DJANGO_HSTS_INCLUDE_SUBDOMAINS=1: the preload list "
            "takes only sites whose HSTS header covers their subdomains."
        )
    # check --deploy warns about each one left off (W005, W021); off is the choice made above,
    # so exactly those warnings, and only while they are off, are silenced.
    SILENCED_SYSTEM_CHECKS = [
        check
        for check, on in [
            ("security.W005", SECURE_HSTS_INCLUDE_SUBDOMAINS),
            ("security.W021", SECURE_HSTS_PRELOAD),
        ]
        if not on
    ]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

SESSION_COOKIE_HTTPONLY = True
# No script of ours or the admin's reads the CSRF cookie: forms carry the token.
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp), in development too so that a page that would break
# under it breaks at once. Scripts and styles come only from our own files: no inline
# script or style, and nothing from another site. JSON-LD blocks are data, not scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sign-in throttling (django-axes, recorded in the database). Five failed sign-ins within the
# cool-off, from one address (whichever accounts it tries) or for one account (from whichever
# addresses), lock further attempts from that address or for that account for 15 minutes;
# each attempt while locked starts the 15 minutes again. Every attempt already costs a full
# password hash. A successful sign-in clears the account's and the address's failures.
AUTHENTICATION_BACKENDS = [
    "briefs_site.security.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "briefs_site.security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "common.clients.client_ip_address"
AXES_VERBOSE = False  # no banner in the output of every manage.py command
# Behind proxies every request comes from the nearest one: the client is the address the
# farthest trusted proxy added to X-Forwarded-For, that many entries from its right (the ones
# before it are whatever the client sent). One proxy by default behind a TLS proxy, else none.
BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
_HOPS = os.environ.get("DJANGO_TRUSTED_PROXY_HOPS", "").strip() or (
    "1" if BEHIND_TLS_PROXY else "0"
)
if not (_HOPS.isascii() and _HOPS.isdigit()):
    raise ImproperlyConfigured(
        "DJANGO_TRUSTED_PROXY_HOPS must be a whole number: how many proxies, each adding to "
        "X-Forwarded-For, stand between clients and the site (0 when none)."
    )
TRUSTED_PROXY_HOPS = int(_HOPS)

# Two-factor sign-in (briefs_site.two_factor): required of everyone who may publish
# (briefs.publish_brief; superusers too). On unless set otherwise, except with DJANGO_DEBUG on,
# where `make run`'s demo accounts sign in with their passwords alone.
BRIEFS_REQUIRE_2FA = env_bool("BRIEFS_REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = SITE_NAME
# Wrong codes are throttled per account like passwords: after n failures in a row, no code
# (not even the right one) is checked for 2**(n-1) seconds. django-otp's default, written
# here because a factor of 0 would turn throttling off.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # django-axes: failed sign-ins and lockouts (warnings), not every successful sign-in.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Publication events (events/): written with each public change, handed to these handlers by
# the worker (`celery -A briefs_site worker -B`, started by `make run`) or by
# `manage.py dispatch_events`.
EVENT_HANDLERS = [
    "events.handlers.record_activity",
    "briefs.editorial.workflow.mail_editors_of_submission",
    "subscriptions.delivery.queue_brief_mail",
    "subscriptions.delivery.cancel_brief_mail",
    "briefs.public.edge.purge_edge",
    "webhooks.delivery.queue_webhooks",
]
# Panels that apps above briefs add to a brief's admin change page: each a callable taking
# (request, brief) and returning HTML, so that briefs shows them without importing those apps.
BRIEF_ADMIN_PANELS = ["subscriptions.admin.brief_mail_panel"]
# Redis in production. Without REDIS_URL (development) the broker is a folder of files
# (kombu's filesystem transport), so `make run` needs no server.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL", "")
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "filesystem://localhost/"
    _BROKER_FOLDER = str(BASE_DIR / "var" / "broker")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _BROKER_FOLDER,
        "data_folder_out": _BROKER_FOLDER,
        "control_folder": str(BASE_DIR / "var" / "broker-control"),
    }
else:
    # Longer than the ETA horizon (events.outbox), so no message waiting for its time is
    # handed out twice (https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged when done, and given back if its worker dies: nothing is lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A save never waits long for a queue that is down: the sweep takes the event instead.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = "UTC"
# The sweep hands over whatever is due and unhandled: scheduled events, retries, and anything
# a stopped worker missed.
EVENTS_SWEEP_SECONDS = float(os.environ.get("BRIEFS_EVENTS_SWEEP_SECONDS", "2"))
CELERY_BEAT_SCHEDULE = {
    "sweep-due-events": {"task": "events.tasks.sweep", "schedule": EVENTS_SWEEP_SECONDS},
    # Renditions and thumbnails whose message never reached the worker (briefs.tasks,
    # experts.tasks): a save asks for its own when it commits.
    "make-missing-renditions": {
        "task": "briefs.tasks.make_missing_renditions",
        "schedule": 5 * 60,
    },
    # Share cards whose message was lost, or that an issue or format renamed left out of date.
    "make-missing-share-cards": {
        "task": "briefs.tasks.make_missing_share_cards",
        "schedule": 5 * 60,
    },
    # Mail whose message never reached the worker, retries that are due, and the daily digest
    # once its time has come (subscriptions.tasks).
    "sweep-mail": {"task": "subscriptions.tasks.sweep", "schedule": 10},
    "make-missing-thumbnails": {
        "task": "experts.tasks.make_missing_thumbnails",
        "schedule": 5 * 60,
    },
}
# Where beat keeps when it last ran each task (a small file; its folder must exist).
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "BRIEFS_BEAT_SCHEDULE", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# The content API (api/, docs/api.md)
REST_FRAMEWORK = {
    # JSON only: a public answer is kept whole and served to every client whatever it asks
    # for, so there is one representation of each.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} content API",
    "DESCRIPTION": (
        "Public briefs, issues and experts, under the same publication rule as the site; "
        "staff write drafts and move them through the workflow with personal tokens."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Requests to /api/ a client address may make in a minute, kept answers included; 0 for no
# limit (the benchmark's load comes from one address).
BRIEFS_API_REQUESTS_PER_MINUTE = int(os.environ.get("BRIEFS_API_REQUESTS_PER_MINUTE", "300"))
# Any site may read the API from its pages; nothing may write to it from a browser.
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After"]

# Webhooks (webhooks/, docs/webhooks.md): every request's time-out, to connect and for the whole
# answer, in seconds (what editors are promised; not read from the environment); loopback
# addresses allowed as endpoints, for the tests' own receivers only (never in production: it
# opens this server's own ports to whoever registers an endpoint); and the sweep, on beat,
# that sends retries once due and deliveries whose task was lost.
BRIEFS_WEBHOOKS_TIMEOUT = 5
BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = env_bool("BRIEFS_WEBHOOKS_ALLOW_LOOPBACK", False)
BRIEFS_WEBHOOKS_SWEEP_SECONDS = float(os.environ.get("BRIEFS_WEBHOOKS_SWEEP_SECONDS", "10"))
CELERY_BEAT_SCHEDULE["sweep-webhooks"] = {
    "task": "webhooks.tasks.sweep",
    "schedule": BRIEFS_WEBHOOKS_SWEEP_SECONDS,
}
