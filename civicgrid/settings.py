"""Django settings for civicgrid.

Everything a deployment changes comes from the environment (the table of them is in docs/deploy.md):
CIVICGRID_DATA_DIR (SQLite file, caches, uploads; default ./var), DATABASE_URL (PostgreSQL),
CIVICGRID_MEDIA_STORAGE (uploads in a shared directory or an S3-compatible bucket), CIVICGRID_SECRET_KEY or
CIVICGRID_SECRET_KEY_FILE, CIVICGRID_DEBUG, CIVICGRID_ALLOWED_HOSTS, and with CIVICGRID_PRODUCTION=1 the hardening
for a server behind a TLS proxy. Staff sign-in: the lockout's limit and cool-off are a
versioned row in the admin, 「登录锁定规则」, and the SMTP server that password-reset mail goes through,
CIVICGRID_EMAIL_HOST, _PORT, _USER, _PASSWORD or _PASSWORD_FILE, _USE_TLS, _USE_SSL and CIVICGRID_EMAIL_FROM
(without CIVICGRID_EMAIL_HOST there is no password reset: staff ask an administrator).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from civicgrid.core.keyfiles import read_or_create

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def _default_data_dir() -> Path:
    # A source checkout keeps its data beside the code; an installed package uses the working directory.
    if (PROJECT_DIR / "pyproject.toml").exists():
        return PROJECT_DIR / "var"
    return Path.cwd() / "var"


DATA_DIR = Path(os.environ.get("CIVICGRID_DATA_DIR") or _default_data_dir()).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


# One switch for a real deployment: secure cookies, HTTPS redirect and HSTS, a key and hosts that must be given.
PRODUCTION = _env_flag("CIVICGRID_PRODUCTION", False)


def _secret_key() -> str:
    if key := os.environ.get("CIVICGRID_SECRET_KEY"):
        return key
    if path := os.environ.get("CIVICGRID_SECRET_KEY_FILE"):
        return Path(path).read_text().strip()
    if PRODUCTION:
        raise ImproperlyConfigured(
            "CIVICGRID_PRODUCTION=1 时必须设置 CIVICGRID_SECRET_KEY 或 CIVICGRID_SECRET_KEY_FILE（密钥）"
        )
    # Generated once per data directory so sessions survive restarts without a key in the repo.
    return read_or_create(DATA_DIR / "secret_key", 50)


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("CIVICGRID_DEBUG", "") == "1" and not PRODUCTION
ALLOWED_HOSTS = _env_list("CIVICGRID_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("CIVICGRID_PRODUCTION=1 时必须设置 CIVICGRID_ALLOWED_HOSTS（对外服务的域名）")
# The sites a form may be posted from when they differ from the host, e.g. https://12345.example.gov.cn
CSRF_TRUSTED_ORIGINS = _env_list("CIVICGRID_CSRF_TRUSTED_ORIGINS")

# Behind a TLS-terminating proxy: the header it sets for HTTPS requests (e.g. HTTP_X_FORWARDED_PROTO).
if proxy_ssl_header := os.environ.get("CIVICGRID_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = (proxy_ssl_header, "https")
SECURE_SSL_REDIRECT = _env_flag("CIVICGRID_SSL_REDIRECT", PRODUCTION)
# A monitor or load balancer asks over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = _env_flag("CIVICGRID_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(os.environ.get("CIVICGRID_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("CIVICGRID_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = _env_flag("CIVICGRID_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "civicgrid.core.apps.AdminConfig",  # django.contrib.admin with the verified-only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "civicgrid.core.apps.AxesConfig",  # axes, otp_totp and otp_static under Chinese names
    "django_otp",
    "civicgrid.core.apps.TOTPConfig",
    "civicgrid.core.apps.StaticConfig",
    "civicgrid.core",
    "civicgrid.workcal",
    "civicgrid.registry",
    "civicgrid.routing",
    "civicgrid.sla",
    "civicgrid.notify",
    "civicgrid.tickets",
    "civicgrid.points",
    "civicgrid.party",
    "civicgrid.volunteering",
    "civicgrid.engagement",
    "civicgrid.ledgers",
    "civicgrid.mediation",
    "civicgrid.deliberation",
    "civicgrid.catalogue",
    "civicgrid.hotspots",
    "civicgrid.weakorgs",
    "civicgrid.reviews",
    "civicgrid.briefings",
    "civicgrid.assessment",
    "civicgrid.knowledge",
    "civicgrid.intake",
    "civicgrid.integrations",
    "ninja",
    "civicgrid.console",
    "civicgrid.portal",
    "civicgrid.demo",
]

MIDDLEWARE = [
    "civicgrid.core.middleware.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicgrid.console.twofactor.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "civicgrid.core.middleware.RefusalMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.console.menu.console_context",
                "civicgrid.core.context.names",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    # Connections kept between requests only where a process serves one request at a time (gunicorn's sync
    # workers): under a threaded server every thread kept its own and PostgreSQL ran out of connections.
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"],
            conn_max_age=int(os.environ.get("CIVICGRID_DB_CONN_MAX_AGE", "0")),
            conn_health_checks=True,
        )
    }
    # Several test runs can share one server (developers, CI): each may name its own test database.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CIVICGRID_PG_TEST_DB") or None}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "civicgrid.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers wait (busy timeout)
                # instead of failing with "database is locked" half-way through a transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
            },
            "TEST": {"NAME": os.environ.get("CIVICGRID_TEST_SQLITE") or None},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# The interface is Chinese whatever the browser asks for (an English browser got an English admin).
LANGUAGES = [("zh-hans", "简体中文")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"

# The names in the headers: the staff platform (console, admin) and the public service (portal, error pages).
CIVICGRID_PRODUCT_NAME = os.environ.get("CIVICGRID_PRODUCT_NAME", "直通联办平台")
# Paths called by programs, not people: a refusal there is JSON, not a page (core.middleware).
CIVICGRID_JSON_PATHS = ("/api/",)
# Open311 (/open311/v2/): the jurisdiction_id it answers to; unset, it accepts any (a server of one jurisdiction).
CIVICGRID_OPEN311_JURISDICTION = os.environ.get("CIVICGRID_OPEN311_JURISDICTION", "").strip()
CIVICGRID_PUBLIC_NAME = os.environ.get("CIVICGRID_PUBLIC_NAME", "12345 政务服务便民热线")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True
# Uploaded and generated files (attachments, photos, meeting files, briefings, evidence) are read and written only
# through Django's storage API, so several web machines can share them: a directory they all mount (NFS) or an
# S3-compatible bucket. Files are never served from a public URL: every download goes through a checked view.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CIVICGRID_MEDIA_ROOT") or DATA_DIR / "media").resolve()
MEDIA_STORAGE = (os.environ.get("CIVICGRID_MEDIA_STORAGE") or "filesystem").strip().lower()


def _env_secret(name: str) -> str:
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        return Path(path).read_text().strip()
    return ""


def _s3_storage() -> dict:
    from importlib.util import find_spec

    if find_spec("storages") is None or find_spec("boto3") is None:
        raise ImproperlyConfigured(
            "CIVICGRID_MEDIA_STORAGE=s3 需要安装 django-storages 和 boto3："
            "pip install 'civicgrid[s3]'（或 pip install 'django-storages[s3]'）"
        )
    from botocore.config import Config

    bucket = os.environ.get("CIVICGRID_S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("CIVICGRID_MEDIA_STORAGE=s3 时必须设置 CIVICGRID_S3_BUCKET（存储桶名称）")
    style = os.environ.get("CIVICGRID_S3_ADDRESSING_STYLE") or None
    if style not in (None, "path", "virtual"):
        raise ImproperlyConfigured("CIVICGRID_S3_ADDRESSING_STYLE 只能是 path 或 virtual")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": os.environ.get("CIVICGRID_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("CIVICGRID_S3_REGION") or None,
            "access_key": _env_secret("CIVICGRID_S3_ACCESS_KEY_ID") or None,
            "secret_key": _env_secret("CIVICGRID_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("CIVICGRID_S3_PREFIX", "").strip("/"),
            "default_acl": "private",
            # Any URL the storage makes is signed and short-lived; civicgrid itself never hands one out.
            "querystring_auth": True,
            "querystring_expire": 300,
            # Like the filesystem: a second file under a taken name gets a new name instead of replacing it.
            "file_overwrite": False,
            # S3-compatible stores (OSS, COS, older MinIO) refuse the checksums newer boto3 adds to every
            # request by default; only send them where the S3 API requires them.
            "client_config": Config(
                s3={"addressing_style": style} if style else {},
                signature_version="s3v4",
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        },
    }


if MEDIA_STORAGE == "filesystem":
    # No location of its own: the storage follows MEDIA_ROOT (and a test's override of it).
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    _media_storage = _s3_storage()
else:
    raise ImproperlyConfigured("CIVICGRID_MEDIA_STORAGE 只能是 filesystem（共享目录）或 s3（对象存储）")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Master key for ID numbers (encrypted and hashed with keys derived from it); unset: DATA_DIR/id_key.
CIVICGRID_ID_KEY = os.environ.get("CIVICGRID_ID_KEY", "")
CIVICGRID_MAX_UPLOAD_MB = int(os.environ.get("CIVICGRID_MAX_UPLOAD_MB", "10"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A request whose declared body is larger than this is refused before its body is read (core.middleware).
CIVICGRID_MAX_REQUEST_MB = int(
    os.environ.get("CIVICGRID_MAX_REQUEST_MB", str(CIVICGRID_MAX_UPLOAD_MB * 5 + 5))
)
# /healthz?worker=1 answers 503 when the worker's last pass is older than this.
CIVICGRID_WORKER_STALE_SECONDS = int(os.environ.get("CIVICGRID_WORKER_STALE_SECONDS", "300"))

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/console/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Staff sign-in (civicgrid.core.signin): django-axes counts failed passwords and failed two-step codes per
# account name + client address (the address from CIVICGRID_PORTAL_CLIENT_IP_HEADER behind a proxy) in the
# database, which every web process shares, and locks that pair out for the cool-off after the limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = "civicgrid.core.signin.failure_limit"  # a versioned row: core.SigninPolicy
AXES_COOLOFF_TIME = "civicgrid.core.signin.cool_off"
AXES_CLIENT_IP_CALLABLE = "civicgrid.core.signin.address"
AXES_LOCKOUT_CALLABLE = "civicgrid.core.signin.locked_out"
AXES_RESET_ON_SUCCESS = False  # a right password alone must not wipe the failed two-step codes
# Tries during a lockout do not lengthen it: the page promises a fixed time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Days sign-in records (axes' access and failure logs) are kept; at least six months (Cybersecurity Law).
CIVICGRID_SIGNIN_LOG_DAYS = max(183, int(os.environ.get("CIVICGRID_SIGNIN_LOG_DAYS", "400")))
# Whom a locked-out person calls, on the lockout page, e.g. 「信息中心 0898-12345678」.
CIVICGRID_SIGNIN_HELP = os.environ.get("CIVICGRID_SIGNIN_HELP", "本单位系统管理员")
# The issuer name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = CIVICGRID_PRODUCT_NAME

# Password reset by e-mail exists only when an SMTP server is configured; otherwise its pages answer 404
# and the login page says to ask an administrator.
EMAIL_HOST = os.environ.get("CIVICGRID_EMAIL_HOST", "")
CIVICGRID_EMAIL_CONFIGURED = bool(EMAIL_HOST)
EMAIL_PORT = int(os.environ.get("CIVICGRID_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("CIVICGRID_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CIVICGRID_EMAIL_PASSWORD", "")
if not EMAIL_HOST_PASSWORD and (email_password_file := os.environ.get("CIVICGRID_EMAIL_PASSWORD_FILE")):
    EMAIL_HOST_PASSWORD = Path(email_password_file).read_text().strip()
EMAIL_USE_SSL = _env_flag("CIVICGRID_EMAIL_USE_SSL", False)
EMAIL_USE_TLS = _env_flag("CIVICGRID_EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_SSL and EMAIL_USE_TLS:
    raise ImproperlyConfigured("CIVICGRID_EMAIL_USE_TLS 与 CIVICGRID_EMAIL_USE_SSL 只能设置其一")
DEFAULT_FROM_EMAIL = os.environ.get("CIVICGRID_EMAIL_FROM", EMAIL_HOST_USER or "webmaster@localhost")
EMAIL_TIMEOUT = 20

SESSION_COOKIE_HTTPONLY = True
# In production a session ends after this long without a request (an idle timeout, each request renewing it);
# elsewhere Django's 14 days from sign-in, unless set.
if idle_minutes := os.environ.get("CIVICGRID_SESSION_IDLE_MINUTES") or ("240" if PRODUCTION else ""):
    SESSION_COOKIE_AGE = int(idle_minutes) * 60
    SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Counters that every process must share (rate limits, look-up lockouts, one-time codes) live in
# Django's cache; the database cache backend makes them shared with no other service. The table is
# created by core's migration 0002. A later deployment may point this at Redis.
# The unit inbox's index carries non-key columns on PostgreSQL (tickets.Assignment, an index-only tab
# count); SQLite builds it without them, which is fine, and must not warn on every command.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

CACHES = {
    "default": {
        "BACKEND": "civicgrid.core.cache.DatabaseCache",  # Django's, with an atomic incr
        "LOCATION": "civicgrid_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}

# Several web or worker machines: CACHE_URL=redis://host:6379/0 shares the counters through Redis instead.
if cache_url := os.environ.get("CACHE_URL", ""):
    if not cache_url.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("CACHE_URL 只支持 Redis（redis://、rediss:// 或 unix://）")
    CACHES = {
        "default": {
            "BACKEND": "civicgrid.core.cache.RedisCache",
            "LOCATION": cache_url,
            "KEY_PREFIX": "civicgrid",
        }
    }

# Residents' portal (civicgrid.portal.ratelimit lists every limit and its default): overrides as
# "name=COUNT/SECONDS,...", e.g. "submit.address=5/3600,lookup.ticket=5/3600". Behind a reverse proxy,
# the header carrying the client's address, e.g. HTTP_X_REAL_IP (else every resident shares the proxy's).
CIVICGRID_PORTAL_LIMITS = {
    name.strip(): tuple(int(n) for n in value.split("/"))
    for name, value in (
        item.split("=") for item in os.environ.get("CIVICGRID_PORTAL_LIMITS", "").split(",") if item.strip()
    )
}
CIVICGRID_PORTAL_CLIENT_IP_HEADER = os.environ.get("CIVICGRID_PORTAL_CLIENT_IP_HEADER", "")
# 我的诉求: how long a resident stays signed in after entering her SMS code.
CIVICGRID_MINE_SESSION_MINUTES = int(os.environ.get("CIVICGRID_MINE_SESSION_MINUTES", "30"))

# The category tree in use at intake (routing.Category.version).
CIVICGRID_CATEGORY_VERSION = os.environ.get("CIVICGRID_CATEGORY_VERSION", "2026.1")

# Locate: a point outside every grid snaps to the nearest grid only within this distance.
CIVICGRID_LOCATE_NEAREST_METRES = int(os.environ.get("CIVICGRID_LOCATE_NEAREST_METRES", "300"))
# Grids whose boundaries are this close count as adjacent (duplicate search looks in adjacent grids).
CIVICGRID_ADJACENT_GRID_METRES = float(os.environ.get("CIVICGRID_ADJACENT_GRID_METRES", "30"))
# Duplicate search (tickets.duplicates documents CIVICGRID_DUPLICATE_* overrides): days back, lowest score.
CIVICGRID_DUPLICATE_WINDOW_DAYS = int(os.environ.get("CIVICGRID_DUPLICATE_WINDOW_DAYS", "30"))
CIVICGRID_DUPLICATE_MIN_SCORE = float(os.environ.get("CIVICGRID_DUPLICATE_MIN_SCORE", "60"))
# How often (seconds) a process checks whether grids changed elsewhere and its spatial index is stale.
CIVICGRID_GRID_INDEX_CHECK_SECONDS = 5
# Likewise for the in-process working-day calendar.
CIVICGRID_WORKCAL_CHECK_SECONDS = 5
# From this day of the year (MM-DD), administrators are reminded while next year's calendar is unconfirmed.
CIVICGRID_WORKCAL_REMIND_FROM = os.environ.get("CIVICGRID_WORKCAL_REMIND_FROM", "11-01")

# Where SMS and e-mail notifications go. The console backend prints them (development, demos); a real
# SMS gateway is one class with send(notification, channel), named here.
CIVICGRID_NOTIFY_BACKENDS = {
    "sms": os.environ.get("CIVICGRID_SMS_BACKEND", "civicgrid.notify.backends.ConsoleBackend"),
    "email": os.environ.get("CIVICGRID_EMAIL_BACKEND", "civicgrid.notify.backends.ConsoleBackend"),
}

# Resident SMS (civicgrid.notify.sms): the registered signature 「签名」 put in front of every text, the
# length limit a template must fit with its longest parameters, the gateway ("console" prints; "http" sends
# through CIVICGRID_SMS_HTTP; or a dotted path to a class) and the public address used in links.
CIVICGRID_SMS_SIGNATURE = os.environ.get("CIVICGRID_SMS_SIGNATURE", "12345热线")
CIVICGRID_SMS_SEGMENT_CHARS = int(os.environ.get("CIVICGRID_SMS_SEGMENT_CHARS", "70"))
CIVICGRID_SMS_MAX_SEGMENTS = int(os.environ.get("CIVICGRID_SMS_MAX_SEGMENTS", "3"))
CIVICGRID_SMS_GATEWAY = os.environ.get("CIVICGRID_SMS_GATEWAY", "console")
# Send each SMS right after its transaction commits (1), or leave every send to the worker (0).
CIVICGRID_SMS_SEND_ON_COMMIT = os.environ.get("CIVICGRID_SMS_SEND_ON_COMMIT", "1") == "1"
CIVICGRID_SMS_HTTP = {
    "url": os.environ.get("CIVICGRID_SMS_HTTP_URL", ""),
    "method": os.environ.get("CIVICGRID_SMS_HTTP_METHOD", "POST"),
    # ${phone} ${signature} ${template_code} ${params} ${text} ${key}, each JSON-encoded (or URL-encoded
    # when the content type is a form).
    "body": os.environ.get(
        "CIVICGRID_SMS_HTTP_BODY",
        '{"phone": ${phone}, "sign_name": ${signature}, "template_code": ${template_code}, '
        '"params": ${params}, "out_id": ${key}}',
    ),
    "content_type": os.environ.get("CIVICGRID_SMS_HTTP_CONTENT_TYPE", "application/json"),
    "secret": os.environ.get("CIVICGRID_SMS_HTTP_SECRET", ""),
    "signature_header": os.environ.get("CIVICGRID_SMS_HTTP_SIGNATURE_HEADER", "X-Signature"),
    "timeout": float(os.environ.get("CIVICGRID_SMS_HTTP_TIMEOUT", "10")),
    "message_id_field": os.environ.get("CIVICGRID_SMS_HTTP_MESSAGE_ID_FIELD", "message_id"),
}
CIVICGRID_PUBLIC_BASE_URL = os.environ.get("CIVICGRID_PUBLIC_BASE_URL", "http://127.0.0.1:8000")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"forbidden_in_one_line": {"()": "civicgrid.core.log_filters.ForbiddenInOneLine"}},
    "handlers": {"console": {"class": "civicgrid.core.log_filters.CurrentStderr"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVICGRID_LOG_LEVEL", "WARNING")},
    "loggers": {
        "civicgrid": {"level": os.environ.get("CIVICGRID_LOG_LEVEL", "INFO")},
        "django.request": {"filters": ["forbidden_in_one_line"]},
    },
}

# The resident is heard (issue 10 §2): a satisfied online rating within the callback window stands as
# the callback (回访方式 网上评价) unless the centre turns this off; the submit receipt is shown for an hour.
CIVICGRID_ONLINE_RATING_COUNTS = os.environ.get("CIVICGRID_ONLINE_RATING_COUNTS", "1") not in (
    "0",
    "false",
    "",
)
CIVICGRID_PORTAL_RECEIPT_SECONDS = int(os.environ.get("CIVICGRID_PORTAL_RECEIPT_SECONDS", "3600"))
# Who is called back on a merged ticket: "each" requester (from the master's callback page, recorded on
# her own ticket; the master stays in the queue until each is called or has rated) or the "master"'s only.
CIVICGRID_MERGED_CALLBACK = os.environ.get("CIVICGRID_MERGED_CALLBACK", "each")
