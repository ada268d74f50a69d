"""The Hai Phong technology-transfer marketplace: application factory."""

from __future__ import annotations

import logging

from flask import Flask

from marketplace.config import BASE_DIR, Config, config_from_env


def create_app(config_class: type[Config] | None = None, **overrides: object) -> Flask:
    """Build the Flask application.

    :param config_class: configuration class; ``APP_ENV`` picks one when omitted.
    :param overrides: settings that win over the class (tests use this).
    :raises RuntimeError: when ``SECRET_KEY`` is missing outside development and testing.
    """
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    from marketplace.web import IdConverter, Request

    app.request_class = Request
    app.url_map.converters["int"] = IdConverter
    app.config.from_object(config_class or config_from_env())
    app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set outside development (see README, 'Configuration').")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from marketplace import authz, i18n, mail, security

    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    i18n.init_app(app)
    login_manager.init_app(app)
    authz.init_app(app)
    security.init_app(app)
    mail.init_app(app)

    from marketplace.searching import search_ext

    search_ext.init_app(app)

    from marketplace.account import bp as account_bp
    from marketplace.admin import bp as admin_bp
    from marketplace.api import bp as api_bp
    from marketplace.auth import bp as auth_bp
    from marketplace.catalogue import bp as catalogue_bp
    from marketplace.errors import bp as errors_bp
    from marketplace.imports import bp as imports_bp
    from marketplace.main import bp as main_bp
    from marketplace.matches import bp as matches_bp
    from marketplace.matchmaking import bp as matchmaking_bp
    from marketplace.moderation import bp as moderation_bp
    from marketplace.needs import bp as needs_bp
    from marketplace.reports import bp as reports_bp
    from marketplace.rounds import bp as rounds_bp
    from marketplace.subscriptions import bp as subscriptions_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(account_bp, url_prefix="/account")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(catalogue_bp)
    app.register_blueprint(moderation_bp, url_prefix="/moderation")
    app.register_blueprint(imports_bp, url_prefix="/catalogue/import")
    app.register_blueprint(subscriptions_bp)
    app.register_blueprint(needs_bp)
    app.register_blueprint(matches_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(matchmaking_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")

    from marketplace import cli, imports, subscriptions
    from marketplace.catalogue import cli as catalogue_cli
    from marketplace.demo import cli as demo_cli
    from marketplace.needs import cli as needs_cli
    from marketplace.reports import cli as reports_cli
    from marketplace.suggestions import cli as suggestions_cli

    cli.init_app(app)
    catalogue_cli.init_app(app)
    suggestions_cli.init_app(app)
    needs_cli.init_app(app)
    reports_cli.init_app(app)
    imports.init_app(app)
    subscriptions.init_app(app)
    demo_cli.init_app(app)
    return app
