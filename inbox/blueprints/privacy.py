"""Personal data requests (admins): find an author, export everything about them, erase them."""
import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import Author, Message
from ..security import role_required
from ..services import personal_data

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


class EraseForm(FlaskForm):
    """Only the CSRF token: the erase button is the whole form."""


def _author_or_404(author_id: int) -> Author:
    author = db.session.get(Author, author_id)
    if author is None:
        abort(404)
    return author


@bp.route("/")
@role_required("admin")
def index():
    """Find the authors matching a name, handle or network id."""
    query = (request.args.get("q") or "").strip()[:120]
    authors = []
    if query:
        pattern = f"%{query.lower()}%"
        authors = db.session.scalars(select(Author).where(or_(
            func.lower(Author.name).like(pattern), func.lower(Author.handle).like(pattern),
            func.lower(Author.external_id).like(pattern))).order_by(Author.id).limit(100)).all()
    return render_template("privacy/index.html", query=query, authors=authors)


@bp.route("/authors/<int:author_id>")
@role_required("admin")
def author(author_id: int):
    """One author: what is held about them, with the export and erase actions."""
    person = _author_or_404(author_id)
    count = db.session.scalar(select(func.count()).select_from(Message).where(Message.author_id == person.id))
    return render_template("privacy/author.html", author=person, message_count=count, form=EraseForm())


@bp.route("/authors/<int:author_id>/export.json")
@role_required("admin")
def export(author_id: int):
    """Download everything about one author as JSON (the export is audited)."""
    data = personal_data.export_author(_author_or_404(author_id), user=current_user._get_current_object())
    return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=parvis-author-{author_id}.json"})


@bp.route("/authors/<int:author_id>/erase", methods=["POST"])
@role_required("admin")
def erase(author_id: int):
    """Erase one author: anonymise them and purge every text about them (statistics kept)."""
    person = _author_or_404(author_id)
    if not EraseForm().validate_on_submit():
        abort(400)
    counts = personal_data.erase_author(person, user=current_user._get_current_object())
    flash(_("Author erased: %(messages)d messages purged.", messages=counts["messages"]), "success")
    return redirect(url_for("privacy.author", author_id=person.id)), 303
