"""Schemas for the ingestion API: every bad field is named with the reason."""
from datetime import datetime, timedelta, timezone

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate, validates

EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
MAX_FUTURE = timedelta(days=1)


class AwareDateTime(fields.DateTime):
    """ISO 8601 datetime; a value without offset is taken as UTC; stored in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        parsed = parsed.astimezone(timezone.utc)
        if parsed < EARLIEST:
            raise ValidationError("Date is before 2000-01-01.")
        if parsed > datetime.now(timezone.utc) + MAX_FUTURE:
            raise ValidationError("Date is in the future.")
        return parsed


_id = dict(required=True, validate=validate.Length(min=1, max=255))
_opt_id = dict(load_default=None, allow_none=True, validate=validate.Length(min=1, max=255))
_url = dict(load_default=None, allow_none=True, validate=validate.Length(max=2048))


class AuthorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_id = fields.String(**_id)
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    handle = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class PostSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_id = fields.String(**_id)
    text = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    url = fields.Url(**_url)


class InboundMessageSchema(Schema):
    class Meta:
        unknown = RAISE

    external_id = fields.String(**_id)
    thread_external_id = fields.String(**_opt_id)
    parent_external_id = fields.String(**_opt_id)
    kind = fields.String(required=True, validate=validate.OneOf(["comment", "private"]))
    text = fields.String(required=True, validate=validate.Length(max=20000))
    created_at = AwareDateTime(required=True)
    author = fields.Nested(AuthorSchema, required=True)
    permalink = fields.Url(**_url)
    post = fields.Nested(PostSchema, load_default=None, allow_none=True)

    @validates("text")
    def _no_nul(self, value, **kwargs):
        if "\x00" in value:
            raise ValidationError("Text contains a NUL character.")


INBOUND_MESSAGE = InboundMessageSchema()


def validate_messages(payload, max_batch: int) -> tuple[list[dict], dict]:
    """Validate one message (an object) or a list of them; return (messages, errors)."""
    if isinstance(payload, dict):
        items, single = [payload], True
    elif isinstance(payload, list):
        items, single = payload, False
        if not items:
            return [], {"_body": ["The list is empty."]}
        if len(items) > max_batch:
            return [], {"_body": [f"At most {max_batch} messages per request, got {len(items)}."]}
    else:
        return [], {"_body": ["Expected a JSON object or a list of objects."]}
    messages, errors = [], {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors[str(index)] = {"_item": ["Expected a JSON object."]}
            continue
        try:
            messages.append(INBOUND_MESSAGE.load(item))
        except ValidationError as exc:
            errors[str(index)] = exc.messages
    if single and errors:
        errors = errors["0"]
    return messages, errors
