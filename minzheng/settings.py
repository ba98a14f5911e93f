"""Settings for minzheng.

Everything that differs between a laptop demo and a bureau's servers comes from the
environment: the database (``DATABASE_URL``, SQLite by default), the task backend
(``TASKS_BACKEND=db|rq``), the keys (``DJANGO_SECRET_KEY``, ``MINZHENG_FIELD_KEY``) and
demo mode (``MINZHENG_DEMO=1``). There are no default secrets: without keys it refuses to start.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MINZHENG_VAR_DIR", BASE_DIR / "var"))


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(
            f"环境变量 {name} 未设置。演示请运行 `make demo`（会生成密钥）；生产环境请自行配置。"
        )
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
# Key for ID numbers, phone numbers and bank accounts at rest (AES-GCM) and their blind index.
FIELD_ENCRYPTION_KEY = _required("MINZHENG_FIELD_KEY")

DEBUG = _env_flag("DJANGO_DEBUG")
# Demo mode: demo accounts may log in with the demo password. Off everywhere else.
DEMO_MODE = _env_flag("MINZHENG_DEMO")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "ninja",
    "django_tasks_db",
    "django_rq",
    "core",
    "payments",
    "assistance",
    "eldercare",
    "plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "minzheng.urls"
WSGI_APPLICATION = "minzheng.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, immediate transactions so the web process and the task worker queue for the
# write lock instead of failing) by default; PostgreSQL with DATABASE_URL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'minzheng.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background work ------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
_RQ_BACKEND = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}
_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend"},
    "rq": _RQ_BACKEND,
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "db")
if TASKS_BACKEND not in _BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND 只能是 {', '.join(_BACKENDS)}，收到 {TASKS_BACKEND!r}")
# "rq" is always configured as a second alias so that a Redis-backed run can be asked for
# explicitly (the CI test does) whatever the default is.
TASKS = {"default": _BACKENDS[TASKS_BACKEND], "rq": _RQ_BACKEND}

# --- Authentication and sessions ------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = ["core.auth.LockoutModelBackend"]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "core.auth.CharacterClassValidator"},
]
# Lockout after repeated failures (per user name, so unknown names are throttled too).
LOGIN_MAX_FAILURES = 5
LOGIN_LOCKOUT_MINUTES = 15
# Idle sessions end after 30 minutes; every request extends the session.
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _env_flag("DJANGO_SECURE_COOKIES")
API_TOKEN_HOURS = 12

# --- Security headers -----------------------------------------------------------------------
# Nothing is loaded from outside the site: htmx and ECharts are vendored under static/vendor.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
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

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = VAR_DIR / "files"
# Uploads above this size are refused with a message before anything is parsed.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "minzheng": {"handlers": ["console"], "level": os.environ.get("MINZHENG_LOG_LEVEL", "INFO")},
        "rq.worker": {"handlers": ["console"], "level": "WARNING"},
    },
}
