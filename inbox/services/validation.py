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
        try:
            parsed = parsed.astimezone(timezone.utc)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 falls before year 1 in UTC
            raise ValidationError("Date is before 2000-01-01.") from None
        if parsed < EARLIEST:
            raise ValidationError("Date is before 2000-01-01.")
        if parsed > datetime.now(timezone.utc) + MAX_FUTURE:
            raise ValidationError("Date is in the future.")
        return parsed


class String(fields.String):
    """A string without NUL characters (PostgreSQL cannot store them, and no network sends them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in value:
            raise ValidationError("Contains a NUL character.")
        return value


class Url(fields.Url):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and "\x00" in value:
            raise ValidationError("Contains a NUL character.")
        return super()._deserialize(value, attr, data, **kwargs)


_id = dict(required=True, validate=validate.Length(min=1, max=255))
_opt_id = dict(load_default=None, allow_none=True, validate=validate.Length(min=1, max=255))
_url = dict(load_default=None, allow_none=True, validate=validate.Length(max=2048))


class AuthorSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_id = String(**_id)
    name = String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    handle = String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class PostSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    external_id = String(**_id)
    text = String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    url = Url(**_url)


class InboundMessageSchema(Schema):
    class Meta:
        unknown = RAISE

    external_id = String(**_id)
    thread_external_id = String(**_opt_id)
    parent_external_id = String(**_opt_id)
    kind = String(required=True, validate=validate.OneOf(["comment", "private"]))
    text = String(required=True, validate=validate.Length(max=20000))
    created_at = AwareDateTime(required=True)
    author = fields.Nested(AuthorSchema, required=True)
    permalink = Url(**_url)
    post = fields.Nested(PostSchema, load_default=None, allow_none=True)


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


# Shapes of the token API's inputs and answers: the OpenAPI description is generated from these.
class ReplyInputSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class UtcDateTime(fields.DateTime):
    """ISO 8601 datetime, taken as UTC without an offset, returned in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed = super()._deserialize(value, attr, data, **kwargs)
        try:
            return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except OverflowError:
            raise ValidationError("Date out of range.") from None


class StatusInputSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["open", "pending", "resolved", "snoozed"]))
    snoozed_until = UtcDateTime(load_default=None, allow_none=True,
                                metadata={"description": "Required, in the future, for snoozed."})


STATUS_INPUT = StatusInputSchema()


class ConversationQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["open", "pending", "resolved", "snoozed", "all"]))
    urgency = fields.String(validate=validate.OneOf(["critical", "high", "normal", "low"]))
    sentiment = fields.String(validate=validate.OneOf(["negative", "neutral", "positive"]))
    flag = fields.String(validate=validate.OneOf(["any", "toxic", "threat", "spam", "personal_data"]))
    channel = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    assignee = fields.String(metadata={"description": "A user id, me or none."})
    limit = fields.Integer(validate=validate.Range(min=1, max=200))


THREAD_LIMIT_DEFAULT = 100
THREAD_LIMIT_MAX = 500


class ThreadQuerySchema(Schema):
    """GET /api/v1/conversations/<id>: the thread comes in pages, newest page first."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=THREAD_LIMIT_DEFAULT, validate=validate.Range(min=1, max=THREAD_LIMIT_MAX),
                           metadata={"description": f"Messages per page (default {THREAD_LIMIT_DEFAULT})."})
    before = fields.String(metadata={"description": "The previous answer's `earlier_before`: the page of "
                                                    "messages just before it."})


THREAD_QUERY = ThreadQuerySchema()


class StatsQuerySchema(Schema):
    from_ = fields.DateTime(data_key="from")
    to = fields.DateTime()


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"description": "What is wrong, in one sentence."})
    errors = fields.Dict(metadata={"description": "Each bad field named with the reasons."})


class IngestResultSchema(Schema):
    id = fields.Integer(required=True)
    external_id = fields.String(required=True)
    conversation_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["created", "duplicate"]))


class IngestBatchResultSchema(Schema):
    results = fields.List(fields.Nested(IngestResultSchema), required=True)
