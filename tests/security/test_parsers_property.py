"""Hypothesis on every payload parser: any input gives a result or a named error, never a crash,
and a refused ingestion writes nothing."""
import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import MultiDict

from inbox.extensions import db
from inbox.models import Message
from inbox.services.audit import AuditFilters
from inbox.services.listing import InboxFilters
from inbox.services.validation import STATUS_INPUT, validate_messages
from tests.helpers import post_signed

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FIELDS = ["external_id", "thread_external_id", "parent_external_id", "kind", "text", "created_at", "author",
          "permalink", "post"]
message_like = st.fixed_dictionaries({}, optional={name: json_values for name in FIELDS}) | json_values
FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(payload=message_like | st.lists(message_like, max_size=3))
def test_validate_messages_names_every_problem(payload):
    messages, errors = validate_messages(payload, max_batch=500)
    # Either every item is valid, or the problems are named (the API then stores nothing).
    assert errors or len(messages) == (1 if isinstance(payload, dict) else len(payload))
    if errors:
        assert all(isinstance(key, str) and value for key, value in errors.items())
    for message in messages:
        assert "\x00" not in message["text"]
        assert datetime(2000, 1, 1, tzinfo=timezone.utc) <= message["created_at"]


@FAST
@given(date=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
       offset=st.sampled_from(["", "Z", "+14:00", "-12:00", "+00:01"]))
def test_dates_from_any_era_are_accepted_only_in_range(date, offset):
    item = {"external_id": "a", "kind": "comment", "text": "t", "author": {"external_id": "u"},
            "created_at": date.isoformat() + offset}
    messages, errors = validate_messages(item, max_batch=1)
    if messages:
        assert datetime(2000, 1, 1, tzinfo=timezone.utc) <= messages[0]["created_at"]
    else:
        assert list(errors) == ["created_at"]


@FAST
@given(number=st.integers(min_value=-(10**30), max_value=10**30) | st.floats())
def test_huge_numbers_anywhere_are_named_errors(number):
    item = {"external_id": number, "kind": "comment", "text": number, "author": {"external_id": number},
            "created_at": number}
    messages, errors = validate_messages(item, max_batch=1)
    assert not messages and {"external_id", "text", "created_at", "author"} <= set(errors)


@FAST
@given(args=st.dictionaries(st.sampled_from(["status", "urgency", "sentiment", "channel", "assignee", "flag",
                                             "user", "action", "start", "end"]), st.text(max_size=30)))
def test_query_string_filters_never_crash(args):
    for parser in (InboxFilters.from_args, AuditFilters.from_args):
        filters = parser(MultiDict(args))
        assert isinstance(filters.errors, dict)


@FAST
@given(body=json_values)
def test_status_input_is_loaded_or_refused_with_named_fields(body):
    from marshmallow import ValidationError

    try:
        data = STATUS_INPUT.load(body)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert data["status"] in ("open", "pending", "resolved", "snoozed")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=300) | st.builds(lambda v: json.dumps(v).encode(), message_like))
def _ingest_property(client, channel, raw):
    before = db.session.query(Message).count()
    response = post_signed(client, channel, raw)
    assert response.status_code in (200, 201, 400), response.status_code
    if response.status_code == 400:
        body = response.get_json()
        assert body["error"] and body["errors"]
        db.session.expire_all()
        assert db.session.query(Message).count() == before


def test_any_bytes_to_the_ingest_endpoint_get_a_clear_answer(client, factory):
    _ingest_property(client, factory.channel())


def test_deep_nesting_huge_numbers_and_broken_utf8_at_the_endpoint(client, factory):
    channel = factory.channel()
    cases = {
        b'{"a":' * 5000 + b"1" + b"}" * 5000: "JSON",
        b'{"external_id": "x", "kind": "comment", "text": "t", "author": {"external_id": "u"}, '
        b'"created_at": 1e999999}': "created_at",
        b'{"external_id": 123456789012345678901234567890, "kind": "comment", "text": "t", '
        b'"author": {"external_id": "u"}, "created_at": "2026-11-20T10:00:00Z"}': "external_id",
        b'{"text": "caf\xc3"}': "UTF-8",
        b'\xef\xbb\xbf{"text": "bom"}': "JSON",
    }
    for body, named in cases.items():
        response = post_signed(client, channel, body)
        assert response.status_code == 400, body[:40]
        assert named in json.dumps(response.get_json()), (named, response.get_json())
    assert Message.query.count() == 0
