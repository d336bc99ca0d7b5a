"""Django settings of the support console. Everything comes from the environment (console_site.env)."""

from __future__ import annotations

from console_site import env as console_env

ENV = console_env.load_env()
BASE_DIR = console_env.CONSOLE_DIR
PROJECT_DIR = console_env.PROJECT_DIR

SECRET_KEY = console_env.secret_key(ENV)
DEBUG = ENV.get("CONSOLE_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in ENV.get("CONSOLE_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in ENV.get("CONSOLE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

TRACKER_STORE_URL = console_env.tracker_store_url(ENV)
REGIONS_FILE = console_env.project_path(ENV.get("REGIONS_FILE") or "knowledge/regions.yml")
# The assistant's project (domain/, data/, tests/): read-only source of intents, training and
# test sentences and rules for the review pages (review/assistant_files.py).
ASSISTANT_DIR = PROJECT_DIR
# A user message whose top intent confidence is below this counts as "low confidence".
CONFIDENCE_THRESHOLD = console_env.confidence_threshold(ENV)
INGEST_INTERVAL_SECONDS = float(ENV.get("CONSOLE_INGEST_INTERVAL", "2"))
# Privacy: conversations are erased this many days after their last activity (Rasa's events
# and the console's data); audit entries after AUDIT_RETENTION_DAYS. At least one day: 0 would
# erase every conversation at once.
RETENTION_DAYS = max(1, int(ENV.get("RETENTION_DAYS", "90")))
AUDIT_RETENTION_DAYS = max(1, int(ENV.get("AUDIT_RETENTION_DAYS", "730")))
# Contact requests (contacts/) are erased this many days after they were made, whatever their
# status; their conversation may go earlier (RETENTION_DAYS), the request stays.
CONTACT_RETENTION_DAYS = max(1, int(ENV.get("CONTACT_RETENTION_DAYS", "180")))

# Contact requests and their mail queue (contacts/delivery.py). CONTACT_REQUESTS_TO overrides
# every recipient (comma-separated); otherwise the region's `contact_email` in REGIONS_FILE, else
# `national_contact.email`. Without SMTP_HOST each mail is written to CONTACT_OUTBOX_DIR.
CONTACT_REQUESTS_TO = [a.strip() for a in ENV.get("CONTACT_REQUESTS_TO", "").split(",") if a.strip()]
CONSOLE_PUBLIC_URL = (
    ENV.get("CONSOLE_PUBLIC_URL", "").strip() or f"http://127.0.0.1:{ENV.get('CONSOLE_PORT') or '8090'}"
).rstrip("/")
MAIL_FROM = ENV.get("MAIL_FROM", "").strip() or "STO-assistent <noreply@sterktechniekonderwijs.nl>"
SMTP_HOST = ENV.get("SMTP_HOST", "").strip()
SMTP_PORT = int(ENV.get("SMTP_PORT") or "587")
SMTP_USER = ENV.get("SMTP_USER", "")
SMTP_PASSWORD = ENV.get("SMTP_PASSWORD", "")
SMTP_SSL = console_env.flag(ENV.get("SMTP_SSL"), default=SMTP_PORT == 465)
SMTP_STARTTLS = console_env.flag(ENV.get("SMTP_STARTTLS"), default=SMTP_PORT == 587) and not SMTP_SSL
SMTP_TIMEOUT_SECONDS = float(ENV.get("SMTP_TIMEOUT_SECONDS") or "10")
CONTACT_OUTBOX_DIR = console_env.project_path(ENV.get("CONTACT_OUTBOX_DIR") or "var/outbox")
# A failed delivery is tried again after CONTACT_RETRY_SECONDS, doubling per failure up to an hour.
CONTACT_RETRY_SECONDS = max(1, int(ENV.get("CONTACT_RETRY_SECONDS") or "60"))
CONTACT_DELIVERY_INTERVAL = float(ENV.get("CONTACT_DELIVERY_INTERVAL") or "5")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "accounts",
    "conversations",
    "review",
    "privacy",
    "contacts",
]

MIDDLEWARE = [
    "console_site.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "console_site.security.LoginRequiredEverywhereMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "privacy.middleware.AuditAddressMiddleware",
]

ROOT_URLCONF = "console_site.urls"
WSGI_APPLICATION = "console_site.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": console_env.database_settings(ENV)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "conversation_list"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (accounts.lockout): this many failures within the window lock the account
# name (and, separately, the client address) for the window.
LOGIN_MAX_FAILURES = int(ENV.get("CONSOLE_LOGIN_MAX_FAILURES", "5"))
LOGIN_MAX_FAILURES_PER_ADDRESS = int(ENV.get("CONSOLE_LOGIN_MAX_FAILURES_PER_ADDRESS", "20"))
LOGIN_LOCK_MINUTES = int(ENV.get("CONSOLE_LOGIN_LOCK_MINUTES", "15"))

# Sessions: idle timeout (renewed on every request), gone when the browser closes.
SESSION_COOKIE_AGE = int(ENV.get("CONSOLE_SESSION_MINUTES", "60")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "sto_console_session"
CSRF_COOKIE_NAME = "sto_console_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"

# Behind TLS (nginx in production) set CONSOLE_HTTPS=1: secure cookies and HSTS.
HTTPS = ENV.get("CONSOLE_HTTPS", "") == "1"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "nl"
TIME_ZONE = ENV.get("CONSOLE_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

# Under CONSOLE_URL_PREFIX behind nginx (`serve --url-prefix`): links carry the prefix, while
# WhiteNoise matches the path below it (waitress strips the prefix from PATH_INFO).
URL_PREFIX = ENV.get("CONSOLE_URL_PREFIX", "").strip().rstrip("/")
STATIC_URL = f"{URL_PREFIX}/static/"
WHITENOISE_STATIC_PREFIX = "/static/"
STATIC_ROOT = BASE_DIR / "build" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if ENV.get("CONSOLE_PLAIN_STATIC") == "1":  # tests: no collectstatic needed
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "console": {"handlers": ["console"], "level": ENV.get("CONSOLE_LOG_LEVEL", "INFO")},
        "django.security": {"handlers": ["console"], "level": "WARNING"},
    },
}
