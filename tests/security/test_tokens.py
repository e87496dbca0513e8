"""Personal API tokens: scoped, and revocable from the command line."""
import pytest

from inbox.extensions import db
from inbox.models import ApiToken, AuditEvent, Conversation
from tests.helpers import post_signed


def _issue(factory, user, scopes):
    token, raw = ApiToken.issue(user, "scoped", scopes=scopes)
    db.session.add(token)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_each_scope_opens_only_its_own_calls(client, factory):
    channel = factory.channel()
    post_signed(client, channel, factory.payload())
    conversation_id = Conversation.query.one().id
    supervisor = factory.user(role="supervisor")
    read = _issue(factory, supervisor, ["read"])
    write = _issue(factory, supervisor, ["write"])
    stats = _issue(factory, supervisor, ["stats"])
    calls = {
        "read": lambda h: client.get("/api/v1/conversations", headers=h),
        "write": lambda h: client.post(f"/api/v1/conversations/{conversation_id}/status",
                                       json={"status": "pending"}, headers=h),
        "stats": lambda h: client.get("/api/v1/stats", headers=h),
    }
    for scope, headers in (("read", read), ("write", write), ("stats", stats)):
        for call_scope, call in calls.items():
            response = call(headers)
            if call_scope == scope:
                assert response.status_code == 200, (scope, call_scope, response.get_json())
            else:
                assert response.status_code == 403
                assert f"'{call_scope}' scope" in response.get_json()["error"]


def test_default_scopes_follow_the_role(factory):
    agent_token, _ = ApiToken.issue(factory.user(role="agent"), "a")
    supervisor_token, _ = ApiToken.issue(factory.user(role="supervisor"), "s")
    assert agent_token.scope_list == ["read", "write"]
    assert supervisor_token.scope_list == ["read", "write", "stats"]
    with pytest.raises(ValueError):
        ApiToken.issue(factory.user(), "x", scopes=["root"])


def test_a_stats_scope_does_not_lift_the_role_requirement(client, factory):
    agent = factory.user(role="agent")
    headers = _issue(factory, agent, ["read", "stats"])
    assert client.get("/api/v1/stats", headers=headers).status_code == 403


def test_cli_creates_scoped_tokens_and_revokes_them(app, client, factory):
    supervisor = factory.user(role="supervisor", email="chef@parvis.example")
    runner = app.test_cli_runner()
    created = runner.invoke(args=["create-token", "--email", supervisor.email, "--scope", "read"])
    assert created.exit_code == 0, created.output
    raw = created.output.strip()
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/conversations", headers=headers).status_code == 200
    assert client.get("/api/v1/stats", headers=headers).status_code == 403
    listed = runner.invoke(args=["revoke-token", "--list"])
    assert "chef@parvis.example" in listed.output and "\tread\t" in listed.output
    revoked = runner.invoke(args=["revoke-token", "--token", raw])
    assert revoked.exit_code == 0 and "Revoked 1 token" in revoked.output
    response = client.get("/api/v1/conversations", headers=headers)
    assert response.status_code == 401 and "revoked" in response.get_json()["error"]
    assert runner.invoke(args=["revoke-token", "--token", raw]).exit_code != 0  # nothing left to revoke
    assert {e.action for e in AuditEvent.query.all()} >= {"token.create", "token.revoke"}


def test_cli_revokes_every_token_of_a_user(app, client, factory):
    agent = factory.user(email="partie@parvis.example")
    raws = [factory.token(agent) for _ in range(3)]
    result = app.test_cli_runner().invoke(args=["revoke-token", "--email", agent.email])
    assert "Revoked 3 token" in result.output
    for raw in raws:
        assert client.get("/api/v1/conversations", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    refused = app.test_cli_runner().invoke(args=["create-token", "--email", agent.email, "--scope", "stats"])
    assert refused.exit_code != 0 and "supervisors" in refused.output


def test_people_revoke_their_own_tokens_on_the_tokens_page(client, factory):
    from tests.helpers import login

    agent, other = factory.user(), factory.user()
    mine, theirs = factory.token(agent), factory.token(other)
    login(client, agent)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Jetons d’API" in page and page.count("data-token-id") == 1
    own_id = ApiToken.query.filter_by(user_id=agent.id).one().id
    other_id = ApiToken.query.filter_by(user_id=other.id).one().id
    assert client.post(f"/account/tokens/{other_id}/revoke").status_code == 403
    assert client.post(f"/account/tokens/{own_id}/revoke").status_code == 303
    assert client.get("/api/v1/conversations", headers={"Authorization": f"Bearer {mine}"}).status_code == 401
    assert client.get("/api/v1/conversations", headers={"Authorization": f"Bearer {theirs}"}).status_code == 200
    assert AuditEvent.query.filter_by(action="token.revoke", target_id=own_id).one().user_id == agent.id
