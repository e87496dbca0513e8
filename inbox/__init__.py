"""Parvis: the community inbox for public institutions (the Flask application)."""
import os
from pathlib import Path

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; no connection is opened here."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("PARVIS_INSTANCE") or str(Path.cwd() / "instance"),
        template_folder=str(PACKAGE_DIR.parent / "templates"),
    )
    from .config import load_config

    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)

    from . import blueprints, observability, redis_conn, templating
    from .extensions import babel, csrf, db, login_manager, migrate
    from .i18n import install_template_gettext, select_locale

    db.init_app(app)
    from . import db_pool

    with app.app_context():
        db_pool.install(db.engine, app.config["DB_PING_AFTER_SECONDS"])
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(PACKAGE_DIR / "translations"))
    install_template_gettext(app)
    redis_conn.init_app(app)
    observability.init_app(app)
    templating.init_app(app)
    from . import web_security

    web_security.init_app(app)
    blueprints.init_app(app)
    from . import security  # noqa: F401  (registers the user loader)
    from .cli import init_app as init_cli

    init_cli(app)
    return app


def freeze_startup_heap() -> int:
    """Move every object alive after start-up (modules, the app, mappers, compiled templates,
    translation catalogues) out of the cyclic garbage collector's reach (`gc.freeze`).

    A web process holds about 175,000 such objects; without this, each full collection walks
    them all, about 100 ms here, and lands on whichever request is running (measured by
    bench/pages.py's tail). Called by wsgi.py (gunicorn workers) and `parvis run` once the
    application is built; objects created afterwards are collected as usual. Returns how many
    objects are frozen.
    """
    import gc

    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
