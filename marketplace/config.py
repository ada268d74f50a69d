"""Configuration classes, one per environment, read from environment variables with safe defaults.

``APP_ENV`` picks the class (``production`` by default, ``development``, ``testing``).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str) -> str:
    """Give a PostgreSQL URL the psycopg 3 driver; other URLs pass unchanged."""
    # NOTE: Heroku-style URLs say "postgres://"; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    """Signs sessions, remember-me cookies and CSRF tokens. Required outside development."""

    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'marketplace.db'}")
    )
    """``DATABASE_URL``: a PostgreSQL URL in production; a SQLite file under ``instance/`` by default."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "vi"
    """The interface is Vietnamese first."""
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    """Times are stored in UTC and shown in Hai Phong's time zone."""
    BABEL_TRANSLATION_DIRECTORIES = str(Path(__file__).resolve().parent / "translations")
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
    """Supported interface languages, in the order the language switch shows them."""

    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    """Minimum password length; hashes use scrypt (memory-hard)."""
    PASSWORD_HASH_METHOD = "scrypt"
    """Werkzeug's scrypt (N=2^15, r=8, p=1: memory-hard, ~90 ms here)."""
    PASSWORD_RESET_MAX_AGE = timedelta(minutes=int(os.environ.get("PASSWORD_RESET_MINUTES", "60")))
    """How long an emailed password-reset link stays valid. Each link works once."""

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    """Force the Secure flag. Without it, cookies still get Secure whenever the request came over HTTPS."""
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    TRUSTED_HOSTS = [host.strip() for host in os.environ.get("TRUSTED_HOSTS", "").split(",") if host.strip()] or None
    """Host names the app answers to (comma-separated, e.g. ``sancongnghe.haiphong.gov.vn``); any host when unset."""
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0"))
    """Number of trusted reverse proxies in front of the app (X-Forwarded-For/-Proto); 0 when served directly."""

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    """``REDIS_URL`` shares rate-limit counters between workers and hosts; in-memory per process otherwise."""
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;60 per hour")
    """Login attempts per client address."""
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour")
    """Login attempts per account email, against distributed guessing."""
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour")
    """Password-reset requests and token submissions per client address."""
    REGISTER_RATE_LIMIT = os.environ.get("REGISTER_RATE_LIMIT", "10 per hour")
    """Registrations per client address."""

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    """SMTP host. Unset: outgoing mail is written to the log instead of sent."""
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    """STARTTLS after connecting (usually port 587)."""
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    """Implicit TLS (usually port 465)."""
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Sàn kết nối cung – cầu công nghệ Hải Phòng <no-reply@sancongnghe.haiphong.example>"
    )
    MAIL_DISPATCH = os.environ.get("MAIL_DISPATCH", "background")
    """After a commit that queued mail: ``background`` (a sender thread; the response does not wait), ``inline``
    (the request waits; for tests), or ``cron`` (only ``flask mail send`` sends). ``flask mail send`` always
    retries what failed."""
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))

    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    """The site's public address (e.g. ``https://sancongnghe.haiphong.gov.vn``): every link in mail is built from it,
    never from the request's Host header."""

    OVERVIEW_CACHE_SECONDS = float(os.environ.get("OVERVIEW_CACHE_SECONDS", "60"))
    """How long each server process reuses the home page's figures (counts per sector) before reading them again;
    0 reads them on every visit."""

    TECHNOLOGY_CONFIRM_MONTHS = int(os.environ.get("TECHNOLOGY_CONFIRM_MONTHS", "12"))
    """A published technology must be re-confirmed by its owner this often, or it is marked out of date."""
    TECHNOLOGY_REMINDER_DAYS = int(os.environ.get("TECHNOLOGY_REMINDER_DAYS", "30"))
    """How many days before the re-confirmation is due the owner is reminded."""
    MODERATION_PUBLISH_MIN = int(os.environ.get("MODERATION_PUBLISH_MIN", "14"))
    """Rubric total (of 20: four criteria scored 0–5) from which a listing may be published."""
    MODERATION_REJECT_BELOW = int(os.environ.get("MODERATION_REJECT_BELOW", "8"))
    """Rubric total under which a listing may be rejected; in between, it can only be returned for changes."""
    UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
    """Largest attachment (PDF brochure or image) accepted."""
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
    """Largest request body; bigger uploads are refused before they are read."""
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    """Where attachments are stored, under generated names."""

    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(16 * 1024 * 1024)))
    """Largest list (CSV or XLSX) accepted on the staff import page."""
    IMPORT_DIR = os.environ.get("IMPORT_DIR", str(INSTANCE_DIR / "imports"))
    """Where an uploaded list waits between its preview and the staff's confirmation."""

    ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
    """Elasticsearch cluster URL; setting it selects the Elasticsearch backend."""
    MATCH_MODEL_PATH = os.environ.get("MATCH_MODEL_PATH", str(INSTANCE_DIR / "match-model.pkl"))
    """Where ``flask match rebuild`` keeps the fitted TF-IDF model (with its version)."""
    MATCH_PRIORITY_BOOST = float(os.environ.get("MATCH_PRIORITY_BOOST", "0.15"))
    """Score × (1 + this) for a technology in one of the city's priority sectors."""
    MATCH_SHARED_SECTOR_BOOST = float(os.environ.get("MATCH_SHARED_SECTOR_BOOST", "0.20"))
    """Score × (1 + this) when the need and the technology share a sector."""
    MATCH_READINESS_FLOOR = float(os.environ.get("MATCH_READINESS_FLOOR", "0.80"))
    """Readiness factor at TRL 1, rising linearly to 1.0 at TRL 9."""
    MATCH_MIN_SCORE = float(os.environ.get("MATCH_MIN_SCORE", "0.08"))
    """Suggestions below this score are not stored."""
    UNMET_DEMAND_MIN_SCORE = float(os.environ.get("UNMET_DEMAND_MIN_SCORE", "0.20"))
    """In the unmet-demand report, a need counts as answered by a suggestion scoring at least this (a clear fit: on
    the demo, weak suggestions sharing a few generic words score 0.08–0.18); never below ``MATCH_MIN_SCORE``."""
    MATCH_TOP_K = int(os.environ.get("MATCH_TOP_K", "10"))
    """At most this many suggestions per need."""

    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND") or ("elasticsearch" if ELASTICSEARCH_URL else "embedded")
    """``embedded`` (a tantivy index in ``SEARCH_INDEX_DIR``, no server) or ``elasticsearch``."""
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    """Where the embedded backend keeps its index."""
    SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "")
    """Prefix of the Elasticsearch index and alias names (several sites on one cluster)."""
    SEARCH_SYNC_ON_REQUEST = _env_bool("SEARCH_SYNC_ON_REQUEST", True)
    """Apply index tasks right after each commit; ``flask search sync`` applies what is left (engine down)."""

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD")
    """Password of the demo accounts created by ``flask demo load``; a random one, printed, when unset (a known
    password on an admin account would be a way in)."""


class DevelopmentConfig(Config):
    """Local development: a fixed, insecure secret key when none is given."""

    DEBUG = True
    SECRET_KEY = Config.SECRET_KEY or "dev-insecure-key-do-not-use-in-production"


class ProductionConfig(Config):
    """Production: ``SECRET_KEY`` must be set (checked in ``create_app``)."""


class TestingConfig(Config):
    """Tests: a throwaway secret, ``TEST_DATABASE_URL`` or an in-memory SQLite database."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False  # CSRF tests and the browser tests switch it on
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    MAIL_DISPATCH = "inline"  # deterministic tests; the background mode has its own test
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # still scrypt, cheaper: the suite creates hundreds of accounts
    OVERVIEW_CACHE_SECONDS = 0.0  # every test reads its own figures (its own test has a cache)
    SERVER_NAME = None


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_from_env() -> type[Config]:
    """Return the configuration class named by ``APP_ENV`` (``production`` by default: a server started without
    settings must not run in debug mode with a public key; ``.flaskenv`` sets development for the ``flask`` CLI)."""
    name = os.environ.get("APP_ENV", "production").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
