"""The supervisor page."""
from flask import Blueprint, render_template

from ..security import role_required
from ..services import stats

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.route("/")
@role_required("supervisor", "admin")
def index():
    """Show the first supervisor figures."""
    return render_template("stats/index.html", figures=stats.overview())
