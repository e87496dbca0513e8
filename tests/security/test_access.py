"""Every route of the app, walked from the URL map as anonymous, agent, supervisor and admin.

A route missing from PERMISSIONS fails the test: adding a page means deciding who may see it.
Outcomes: "ok" (served), "login" (redirected to sign-in), "denied" (403), "unauth" (401),
"refused" (400/404/409: the request itself is rejected, whoever sends it).
"""
import pytest

from inbox.extensions import db
from inbox.models import Conversation, Message, Rule
from inbox.services import moderation, replies
from tests.helpers import post_signed

ROLES = ("anonymous", "agent", "supervisor", "admin")


def _all(outcome):
    return dict.fromkeys(ROLES, outcome)


def _staff(anonymous, agent, supervisor, admin):
    return {"anonymous": anonymous, "agent": agent, "supervisor": supervisor, "admin": admin}


STAFF_PAGE = _staff("login", "ok", "ok", "ok")
SUPERVISOR_PAGE = _staff("login", "denied", "ok", "ok")
ADMIN_PAGE = _staff("login", "denied", "denied", "ok")
TOKEN_API = _staff("unauth", "ok", "ok", "ok")

# (method, endpoint) -> expected outcome per role. API routes are called with the role's bearer
# token (anonymous: none), the others with the role's session.
PERMISSIONS = {
    ("GET", "static"): _all("ok"),
    ("GET", "auth.login"): _staff("ok", "ok", "ok", "ok"),
    ("POST", "auth.login"): _staff("unauth", "ok", "ok", "ok"),  # wrong password; signed-in users are sent on
    ("POST", "auth.logout"): _all("login"),  # signs out, then shows the sign-in page
    ("POST", "auth.language"): _all("ok"),
    ("GET", "inbox.index"): STAFF_PAGE,
    ("GET", "inbox.conversation"): STAFF_PAGE,
    ("GET", "inbox.live_events"): STAFF_PAGE,
    ("GET", "inbox.live_events_status"): STAFF_PAGE,
    ("POST", "inbox.reply"): STAFF_PAGE,
    ("POST", "inbox.note"): STAFF_PAGE,
    ("POST", "inbox.status"): STAFF_PAGE,
    ("POST", "inbox.assign"): STAFF_PAGE,
    ("POST", "inbox.moderate"): STAFF_PAGE,
    ("POST", "inbox.retry"): _staff("login", "refused", "refused", "refused"),  # the reply has not failed
    ("POST", "inbox.retry_moderation"): _staff("login", "refused", "refused", "refused"),  # it has not failed
    ("GET", "inbox.rows"): STAFF_PAGE,
    ("GET", "inbox.counts"): STAFF_PAGE,
    ("GET", "inbox.conversation_live"): STAFF_PAGE,
    ("GET", "inbox.conversation_presence"): STAFF_PAGE,
    ("POST", "inbox.conversation_presence"): STAFF_PAGE,
    ("POST", "inbox.set_labels"): STAFF_PAGE,
    ("POST", "inbox.correct"): STAFF_PAGE,
    ("POST", "inbox.bulk_action"): STAFF_PAGE,
    # Only the agent who moderated may undo, within two minutes.
    ("POST", "inbox.undo_moderation"): _staff("login", "ok", "refused", "refused"),
    ("GET", "notifications.index"): STAFF_PAGE,
    ("GET", "notifications.badge"): STAFF_PAGE,
    ("POST", "notifications.mark_read"): STAFF_PAGE,
    ("GET", "stats.export"): SUPERVISOR_PAGE,
    ("GET", "stats.settings_page"): ADMIN_PAGE,
    ("POST", "stats.settings_page"): _staff("login", "denied", "denied", "refused"),  # empty form
    ("GET", "stats.index"): SUPERVISOR_PAGE,
    ("GET", "stats.export"): SUPERVISOR_PAGE,
    ("GET", "stats.settings_page"): ADMIN_PAGE,
    ("POST", "stats.settings_page"): _staff("login", "denied", "denied", "refused"),  # empty form
    ("GET", "notifications.index"): STAFF_PAGE,
    ("POST", "notifications.mark_read"): STAFF_PAGE,
    # Monitoring endpoints are public (no personal data); no worker runs here, so health says 503.
    ("GET", "ops.healthz"): _all("unavailable"),
    ("GET", "ops.metrics"): _all("ok"),
    ("GET", "audit.index"): SUPERVISOR_PAGE,
    ("GET", "audit.export"): SUPERVISOR_PAGE,
    ("GET", "privacy.index"): ADMIN_PAGE,
    ("GET", "privacy.author"): ADMIN_PAGE,
    ("GET", "privacy.export"): ADMIN_PAGE,
    ("POST", "privacy.erase"): ADMIN_PAGE,
    ("GET", "account.tokens"): STAFF_PAGE,
    ("POST", "account.revoke"): _staff("login", "ok", "denied", "ok"),  # the agent's token: its owner or an admin
    ("GET", "admin.channel_list"): ADMIN_PAGE,
    ("GET", "admin.channel_new"): ADMIN_PAGE,
    ("POST", "admin.channel_new"): ADMIN_PAGE,
    ("GET", "admin.channel_edit"): ADMIN_PAGE,
    ("POST", "admin.channel_edit"): ADMIN_PAGE,
    ("POST", "admin.channel_check"): ADMIN_PAGE,
    ("POST", "admin.channel_toggle"): ADMIN_PAGE,
    ("GET", "admin.channel_import"): ADMIN_PAGE,
    ("POST", "admin.channel_import"): _staff("login", "denied", "denied", "refused"),  # no file sent
    ("GET", "admin.import_progress"): _staff("login", "denied", "denied", "refused"),  # unknown import
    ("GET", "admin.import_progress_json"): _staff("login", "denied", "denied", "refused"),
    ("GET", "admin.label_list"): STAFF_PAGE,
    ("POST", "admin.label_list"): _staff("login", "refused", "refused", "refused"),  # no name sent
    ("GET", "admin.rule_list"): SUPERVISOR_PAGE,
    ("POST", "admin.rule_list"): _staff("login", "denied", "refused", "refused"),  # no name sent
    ("POST", "admin.rule_toggle"): SUPERVISOR_PAGE,
    ("POST", "admin.rule_delete"): _staff("login", "denied", "ok", "refused"),  # deleted by the supervisor
    # Network webhooks authenticate by signature, verify token or allowed origin, never by session.
    ("GET", "webhooks.meta_verify"): _all("refused"),
    ("POST", "webhooks.meta_event"): _all("unauth"),
    ("POST", "webhooks.form_post"): _all("refused"),  # the channel is not a form channel
    ("GET", "api.openapi"): _all("ok"),
    ("POST", "api.ingest"): _all("unauth"),  # signed by the channel's secret; a session or token is not enough
    ("GET", "api.list_conversations"): TOKEN_API,
    ("GET", "api.get_conversation"): TOKEN_API,
    ("POST", "api.post_reply"): TOKEN_API,
    ("POST", "api.post_status"): TOKEN_API,
    ("GET", "api.get_stats"): _staff("unauth", "denied", "ok", "ok"),
}

FORM_DATA = {
    "auth.login": {"email": "nobody@parvis.example", "password": "wrong password"},
    "auth.language": {"locale": "en"},
    "inbox.reply": {"body": "Bonjour, c'est noté."},
    "inbox.note": {"body": "À suivre."},
    "inbox.status": {"status": "pending"},
    "inbox.assign": {"assignee": "me"},
    "inbox.moderate": {"reason": "spam", "action": "block"},  # blocking the author again always works
    "admin.channel_new": {"name": "Formulaire du site"},
    "admin.channel_edit": {"name": "Canal renommé"},
}
JSON_DATA = {"api.post_reply": {"text": "Bonjour"}, "api.post_status": {"status": "pending"}}


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_route_is_in_the_permission_table(app):
    routes = {(method, rule.endpoint) for rule in app.url_map.iter_rules() for method in _methods(rule)}
    assert routes - set(PERMISSIONS) == set(), "new routes need an entry in PERMISSIONS"
    assert set(PERMISSIONS) - routes == set(), "PERMISSIONS lists routes that no longer exist"


@pytest.fixture
def world(app, client, factory):
    """One of everything a route can point at."""
    channel = factory.channel()
    post_signed(client, channel, factory.payload(external_id="in-1"))
    conversation = Conversation.query.one()
    inbound = Message.query.filter_by(direction="in").one()
    users = {role: factory.user(role=role) for role in ROLES[1:]}
    reply = replies.send_reply(conversation, users["agent"], "Réponse")
    action = moderation.moderate(inbound, "hide", "spam", users["agent"])
    rules = [Rule(name=name, conditions={"text_contains": "pont"}, actions={"priority": "high"})
             for name in ("toggled", "deleted")]
    db.session.add_all(rules)
    db.session.commit()
    world = {
        "channel_id": channel.id, "conversation_id": conversation.id, "author_id": inbound.author_id,
        "message_id": {"inbox.moderate": inbound.id, "inbox.retry": reply.id, "inbox.correct": inbound.id},
        "action": {"inbox.moderate": "block", "admin.channel_toggle": "enable"}, "kind": "api",
        "import_id": "no-such-import",
        "token_id": None, "action_id": action.id,
        "rule_id": {"admin.rule_toggle": rules[0].id, "admin.rule_delete": rules[1].id},
        "filename": "parvis.css", "users": users,
        "tokens": {role: factory.token(user) for role, user in users.items()},
    }
    from inbox.models import ApiToken

    # A spare token of the agent's, for the revoke route (revoking the ones above would break the walk).
    spare, _raw = ApiToken.issue(users["agent"], "spare")
    db.session.add(spare)
    db.session.commit()
    world["token_id"] = spare.id
    return world


def _url(app, rule, world):
    values = {}
    for argument in rule.arguments:
        value = world[argument]
        values[argument] = value[rule.endpoint] if isinstance(value, dict) else value
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _outcome(response) -> str:
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    if response.status_code == 401:
        return "unauth"
    if response.status_code == 403:
        return "denied"
    if response.status_code in (400, 404, 409):
        return "refused"
    if response.status_code == 503:
        return "unavailable"
    assert response.status_code < 400, f"unexpected {response.status_code}: {response.get_data(as_text=True)[:300]}"
    return "ok"


def _call(app, rule, method, role, world):
    client = app.test_client()
    headers = {}
    api = rule.endpoint.startswith("api.")
    if role != "anonymous":
        user = world["users"][role]
        if api:
            headers["Authorization"] = f"Bearer {world['tokens'][role]}"
        # A staff session exists even for API calls: it must not be what grants access there.
        with client.session_transaction() as session:
            session["_user_id"] = str(user.id)
            session["_fresh"] = True
    url = _url(app, rule, world)
    if api and method == "POST":
        response = client.post(url, json=JSON_DATA.get(rule.endpoint, {}), headers=headers)
    elif method == "POST":
        response = client.post(url, data=FORM_DATA.get(rule.endpoint, {}), headers=headers)
    else:
        response = client.get(url, headers=headers, buffered=False)
    outcome = _outcome(response)
    response.close()
    return outcome


def test_every_route_answers_each_role_as_intended(app, world):
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "privacy.erase", r.endpoint))
    mismatches = []
    checked = 0
    for role in ROLES:
        for rule in rules:
            for method in _methods(rule):
                expected = PERMISSIONS[(method, rule.endpoint)][role]
                actual = _call(app, rule, method, role, world)
                checked += 1
                if actual != expected:
                    mismatches.append(f"{role} {method} {rule.rule}: expected {expected}, got {actual}")
    assert mismatches == [], "\n".join(mismatches)
    assert checked == len(ROLES) * sum(len(_methods(rule)) for rule in rules) >= len(PERMISSIONS) * len(ROLES)
