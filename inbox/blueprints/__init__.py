"""One blueprint per area: auth, inbox (with its actions), stats, notifications, admin, api, webhooks,
audit, privacy, account, ops (health, metrics)."""


def init_app(app):
    from ..extensions import csrf
    from . import actions  # noqa: F401  (registers the action views on the inbox blueprint)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .inbox import bp as inbox_bp
    from .notifications import bp as notifications_bp
    from .ops import bp as ops_bp
    from .stats import bp as stats_bp
    from .webhooks import bp as webhooks_bp

    csrf.exempt(api_bp)  # the API authenticates with signatures and bearer tokens, not cookies
    csrf.exempt(webhooks_bp)  # networks sign their calls; the public form has its own guards
    for blueprint in (auth_bp, inbox_bp, stats_bp, notifications_bp, admin_bp, api_bp, webhooks_bp, ops_bp):
        app.register_blueprint(blueprint)
    from .account import bp as account_bp
    from .privacy import bp as privacy_bp

    for blueprint in (audit_bp, privacy_bp, account_bp):  # issue #7: audit, personal data, tokens
        app.register_blueprint(blueprint)
