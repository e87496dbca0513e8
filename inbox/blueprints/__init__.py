"""One blueprint per area: auth, inbox, stats, api, ops (health and metrics)."""


def init_app(app):
    from ..extensions import csrf
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .inbox import bp as inbox_bp
    from .ops import bp as ops_bp
    from .stats import bp as stats_bp

    csrf.exempt(api_bp)  # the API authenticates with signatures and bearer tokens, not cookies
    for blueprint in (auth_bp, inbox_bp, stats_bp, api_bp, ops_bp):
        app.register_blueprint(blueprint)
