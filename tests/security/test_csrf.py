"""CSRF: every state-changing form route refuses a request without a valid token."""
import re

from sqlalchemy import func, select

from inbox.extensions import db
from inbox.models import AuditEvent, Message, ModerationAction, Note
from tests.security.test_access import FORM_DATA, _url


def _state():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (AuditEvent, Message, Note,
                                                                                  ModerationAction))


def _csrf_token(client) -> str:
    page = client.get("/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_every_form_post_needs_a_csrf_token(app, world):
    app.config["WTF_CSRF_ENABLED"] = True
    admin = world["users"]["admin"]
    # The API and the networks' webhooks carry no session: signatures, tokens or origins guard them.
    posts = [rule for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.endpoint.startswith(("api.", "webhooks."))]
    assert len(posts) >= 10
    for rule in sorted(posts, key=lambda r: (r.endpoint in ("privacy.erase", "auth.logout"), r.endpoint)):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = str(admin.id)
            session["_fresh"] = True
        url = _url(app, rule, world)
        db.session.expire_all()
        before = _state()
        refused = client.post(url, data=FORM_DATA.get(rule.endpoint, {}))
        assert refused.status_code == 400, f"{rule.endpoint} accepted a POST without a CSRF token"
        assert "The CSRF token" in refused.get_data(as_text=True)
        db.session.expire_all()
        assert _state() == before, f"{rule.endpoint} wrote something without a CSRF token"
        forged = client.post(url, data={**FORM_DATA.get(rule.endpoint, {}), "csrf_token": "forged"})
        assert forged.status_code == 400
        token = _csrf_token(client)
        accepted = client.post(url, data={**FORM_DATA.get(rule.endpoint, {}), "csrf_token": token})
        # A valid token passes the CSRF check (the view may still refuse incomplete data, e.g. no file).
        # (Pages carry the token for htmx in an X-CSRFToken header setting: look for the refusal itself.)
        assert "The CSRF token" not in accepted.get_data(as_text=True), f"{rule.endpoint} refused a valid CSRF token"
        assert accepted.status_code < 500


def test_the_api_is_exempt_but_needs_its_own_credentials(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"/api/v1/conversations/{world['conversation_id']}/replies", json={"text": "x"})
    assert response.status_code == 401
