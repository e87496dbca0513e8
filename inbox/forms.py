"""Web forms (Flask-WTF: CSRF on every form)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from .models import MODERATION_REASONS


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Reply"), validators=[DataRequired(), Length(max=5000)])


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=5000)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[("open", _l("open")), ("pending", _l("pending")),
                                                ("resolved", _l("resolved"))])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"), coerce=str, validators=[Optional()])


class HideForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=[(r, r) for r in MODERATION_REASONS])
    comment = StringField(_l("Comment"), validators=[Optional(), Length(max=500)])
