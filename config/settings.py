"""Settings, read from the environment (12-factor).

DATABASE_URL (default: SQLite file beside manage.py), SECRET_KEY, DEBUG, ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
import xstatic.pkg.leaflet
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)

# A development key is only acceptable while DEBUG is on: with DEBUG off the web server
# refuses to start on it (config/startup.py, called by wsgi.py and asgi.py). Management
# commands still run without one; none of them signs anything.
DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", "") or DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if host.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_filters",
    "simple_history",
    "timeline",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session and auth middleware, so it sees their reads and writes too.
    "config.replicas.PrimaryPinningMiddleware",
    # Whole public responses per data version (timeline/response_cache.py): outside the
    # session, CSRF, auth, messages and CSP middleware, so a hit skips them and the view;
    # inside the replica routing, so the version is read where the page would be.
    "timeline.response_cache.ResponseCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "timeline.login_throttle.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After authentication (staff are not limited) and htmx (the 503 fits the request).
    "timeline.query_deadline.QueryDeadlineMiddleware",
    # Unknown query parameters never reach the pages, so no link copies them.
    "timeline.query_parameters.KnownParametersMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


def database(url: str) -> dict:
    """One DATABASES entry; PostgreSQL connections come from a psycopg pool per process.

    DATABASE_POOL=0 turns the pool off (then CONN_MAX_AGE keeps connections open).
    DATABASE_POOL_MAX_SIZE bounds each process's connections (gunicorn's sync workers
    serve one request at a time, so a few are plenty).
    """
    config = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if config["ENGINE"].endswith("postgresql"):
        # No JIT compilation: this site's statements are short, and their cost estimates at
        # a million rows pass jit_above_cost, so PostgreSQL compiled each one anew (14 of
        # the 16 s of an export chunk; see README, "Serving for real").
        config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    if config["ENGINE"].endswith("postgresql") and env_bool("DATABASE_POOL", True):
        # Django's pool and persistent connections exclude each other.
        config["CONN_MAX_AGE"] = 0
        config["CONN_HEALTH_CHECKS"] = False
        config.setdefault("OPTIONS", {})["pool"] = {
            "min_size": int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1")),
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "4")),
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }
    return config


DATABASES = {
    "default": database(os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}

# Read replicas (config.replicas): public reads go to them, writes, the admin, the
# review desk and a session's requests just after a write go to the primary.
REPLICA_DATABASES: list[str] = []
_replica_urls = os.environ.get("DATABASE_REPLICA_URLS", "").split(",")
for _number, _url in enumerate(filter(None, map(str.strip, _replica_urls)), start=1):
    # Under test a replica is the test database as the standby streams it (MIRROR).
    DATABASES[f"replica_{_number}"] = {**database(_url), "TEST": {"MIRROR": "default"}}
    REPLICA_DATABASES.append(f"replica_{_number}")
DATABASE_ROUTERS = ["config.replicas.PrimaryReplicaRouter"]
READ_REPLICAS_ENABLED = bool(REPLICA_DATABASES)
# How long a session's reads stay on the primary after it wrote (replication lag).
REPLICA_PIN_SECONDS = float(os.environ.get("REPLICA_PIN_SECONDS", "5"))
# Paths whose every request reads from the primary (editors act on what they read).
PRIMARY_PATH_PREFIXES = ("/admin/", "/review/")

# The counts cache (timeline.count_cache). CACHE_DIR: a folder shared by the gunicorn
# workers of one machine (make serve sets one), so a filter is counted once per data
# version there rather than once per worker; without it, each process keeps its own.
# COUNT_CACHE=0 counts every request afresh (benchmarks/against_datasette.py measures the
# uncached path so).
COUNT_CACHE = os.environ.get("COUNT_CACHE", "1") != "0"
if os.environ.get("CACHE_DIR"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["CACHE_DIR"],
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Seconds a rendered public response is kept (timeline/response_cache.py); it is never
# served after a write, whatever this says. 0 turns the response cache off (for cold
# measurements); it is off by default with DEBUG on, where templates change under it.
RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "0" if DEBUG else "600"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Leaflet comes from its XStatic package (served under static/leaflet/), never a CDN. Not
# XStatic-Leaflet-MarkerCluster: the map clusters on the server, and that package's
# minified JS names a missing source map, which fails the manifest storage's collectstatic.
STATICFILES_DIRS = [BASE_DIR / "static", ("leaflet", xstatic.pkg.leaflet.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": os.environ.get(
            "STATICFILES_BACKEND",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# In development (and under the test server) whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Seconds any one database statement of a public (non-staff) request may run before it is
# cancelled and the request answered 503 "too broad, narrow it" (timeline/query_deadline.py).
# Keep gunicorn's --timeout (30 s) several times larger. 0 turns the limit off.
PUBLIC_QUERY_TIMEOUT = float(os.environ.get("PUBLIC_QUERY_TIMEOUT", "5"))
# Seconds a public request may spend on the database in all: after it no statement is
# started (a 503, or a streamed export ends "cut short"). Below gunicorn's --timeout, so a
# long export under load is ended by us, with a marker, not by gunicorn killing the worker.
PUBLIC_REQUEST_TIMEOUT = float(os.environ.get("PUBLIC_REQUEST_TIMEOUT", "20"))

# The admin's sign-in throttle (timeline/login_throttle.py): this many failures for one
# user name within the window lock it for LOGIN_LOCKOUT_SECONDS.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "10"))
LOGIN_FAILURE_WINDOW = int(os.environ.get("LOGIN_FAILURE_WINDOW", "900"))
LOGIN_LOCKOUT_SECONDS = int(os.environ.get("LOGIN_LOCKOUT_SECONDS", "900"))

# Map tiles: any XYZ tile server; the map stays useful (markers, list) without tiles.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = os.environ.get(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)


def _origin(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""


# The public history of an event names the editor behind each change ("Ana Costa") or,
# when off, says "an editor".
HISTORY_SHOW_EDITOR_NAMES = env_bool("HISTORY_SHOW_EDITOR_NAMES", False)

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"] + ([_origin(MAP_TILE_URL)] if _origin(MAP_TILE_URL) else []),
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Load balancers probe the health URL over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # Django's own "django" logger prints to its console handler and then propagates to
    # the root's: every line twice. Let it print through the root only.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}
