"""One blueprint per area: auth, inbox, stats, notifications, api."""


def init_app(app):
    from ..extensions import csrf
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .inbox import bp as inbox_bp
    from .notifications import bp as notifications_bp
    from .stats import bp as stats_bp

    csrf.exempt(api_bp)  # the API authenticates with signatures and bearer tokens, not cookies
    for blueprint in (auth_bp, inbox_bp, stats_bp, notifications_bp, api_bp):
        app.register_blueprint(blueprint)
