"""One blueprint per area: auth, inbox, stats, api."""


def init_app(app):
    from ..extensions import csrf
    from .api import bp as api_bp
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .inbox import bp as inbox_bp
    from .stats import bp as stats_bp

    csrf.exempt(api_bp)  # the API authenticates with signatures and bearer tokens, not cookies
    for blueprint in (auth_bp, inbox_bp, stats_bp, api_bp):
        app.register_blueprint(blueprint)
    from .account import bp as account_bp
    from .privacy import bp as privacy_bp

    for blueprint in (audit_bp, privacy_bp, account_bp):  # issue #7: audit, personal data, tokens
        app.register_blueprint(blueprint)
