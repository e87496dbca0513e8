"""Operations endpoints for load balancers and monitoring: /healthz and /metrics."""
import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from ..services import health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database, Redis and at least one worker are fine and nothing waits too long; else 503."""
    healthy, report = health.check()
    response = jsonify(report)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _registry() -> CollectorRegistry:
    registry = current_app.extensions.get("parvis_metrics")
    if registry is None:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(health.ClusterCollector(current_app._get_current_object()))
        current_app.extensions["parvis_metrics"] = registry
    return registry


@bp.get("/metrics")
def metrics():
    """Prometheus text format; with PARVIS_METRICS_TOKEN set, a matching bearer token is required."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            return jsonify({"error": "Missing or invalid bearer token."}), 401
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST.split(";")[0],
                    headers={"Cache-Control": "no-store"})
