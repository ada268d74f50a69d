"""Configuration classes, one per environment, read from environment variables with safe defaults.

``APP_ENV`` picks the class (``development`` by default, ``production``, ``testing``).
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
    PASSWORD_RESET_MAX_AGE = timedelta(minutes=int(os.environ.get("PASSWORD_RESET_MINUTES", "60")))
    """How long an emailed password-reset link stays valid. Each link works once."""

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    """Force the Secure flag. Without it, cookies still get Secure whenever the request came over HTTPS."""
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

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
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "San cong nghe Hai Phong <no-reply@localhost>")
    MAIL_SEND_ON_REQUEST = _env_bool("MAIL_SEND_ON_REQUEST", True)
    """Send queued mail right after the request's commit; ``flask mail send`` retries what failed."""
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))

    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "embedded")
    """``embedded`` (no server) or ``elasticsearch``."""
    ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL")
    """Elasticsearch cluster URL; setting it selects the Elasticsearch backend."""

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-Haiphong-2026")
    """Password given to the demo accounts created by ``flask demo load``."""


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
    SERVER_NAME = None


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_from_env() -> type[Config]:
    """Return the configuration class named by ``APP_ENV`` (``development`` by default)."""
    name = os.environ.get("APP_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}") from None
