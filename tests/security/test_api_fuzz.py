"""Property-based fuzzing of /api/v1 from its generated OpenAPI description (schemathesis, in-process).

Every generated request, valid or not, must get an answer the description allows, never a 500;
every 4xx is JSON naming the problem; a refused ingestion writes nothing.
"""
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)
from sqlalchemy import func, select

from inbox.blueprints.api import SIGNATURE_HEADER, sign
from inbox.extensions import db
from inbox.models import Author, Conversation, Message

INGEST_PATH = re.compile(r"^/api/v1/channels/(\d+)/messages$")
EXAMPLES_PER_OPERATION = 30


class SigningMiddleware:
    """Signs ingestion requests with the channel's secret, as a real integration would (the fuzzer
    cannot compute an HMAC); requests to other channels go through unsigned."""

    def __init__(self, app, secrets: dict[int, str]):
        self.app = app
        self.secrets = secrets

    def __call__(self, environ, start_response):
        import io

        match = INGEST_PATH.match(environ.get("PATH_INFO", ""))
        if match and int(match.group(1)) in self.secrets and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["HTTP_" + SIGNATURE_HEADER.upper().replace("-", "_")] = sign(self.secrets[int(match.group(1))], body)
        return self.app(environ, start_response)


def _rows():
    return tuple(db.session.scalar(select(func.count()).select_from(model)) for model in (Message, Author, Conversation))


@pytest.fixture
def fuzz_target(app, client, factory):
    from tests.helpers import post_signed

    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="seed-1"))
    supervisor = factory.user(role="supervisor")
    token = factory.token(supervisor)
    app.wsgi_app = SigningMiddleware(app.wsgi_app, {channel.id: channel.signing_secret})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return schema, channel, token


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzing_every_operation_never_breaks_the_api(fuzz_target, mode):
    schema, channel, token = fuzz_target
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/channels/{channel_id}/messages", "/api/v1/conversations"}
    statuses = {}
    for operation in operations:
        path_parameters = {}
        if "{channel_id}" in operation.path:
            path_parameters["channel_id"] = channel.id
        if "{conversation_id}" in operation.path:
            path_parameters["conversation_id"] = 1
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def run(case):
            before = _rows()
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
            statuses.setdefault(operation.path, set()).add(response.status_code)
            if 400 <= response.status_code < 500:
                payload = response.json()
                assert isinstance(payload.get("error"), str) and payload["error"], payload
                if operation.method == "post":
                    db.session.expire_all()
                    assert _rows() == before, "a refused request wrote something"

        run()
    ingest = statuses["/api/v1/channels/{channel_id}/messages"]
    if mode == GenerationMode.NEGATIVE:
        assert ingest & {400, 413, 415}, f"negative ingestion cases should be refused, got {ingest}"
    else:
        assert ingest & {200, 201}, f"valid ingestion cases should be accepted, got {ingest}"
