"""Security headers, cookies, sign-in throttling on the real Redis, password hashing, secrets at
rest, and outbound callbacks to private addresses."""
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from inbox.config import load_config
from inbox.extensions import db
from inbox.models import AuditEvent, Conversation, Message, User
from inbox.services import replies
from inbox.services.callbacks import UnsafeCallbackError, check_callback_url
from tests.helpers import login, post_signed
from workers.deliver import deliver_reply

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_security_headers_and_a_csp_without_inline_script(client):
    response = client.get("/login")
    headers = response.headers
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'" and policy["default-src"] == "'self'"
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "unsafe-eval" not in headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP in development and tests


def test_https_mode_redirects_and_sends_hsts(app, monkeypatch):
    from inbox import create_app

    monkeypatch.setenv("PARVIS_FORCE_HTTPS", "1")
    monkeypatch.setenv("PARVIS_SECURE_COOKIES", "1")
    secure = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": "x"})
    client = secure.test_client()
    assert client.get("/login").status_code == 302
    response = client.get("/login", base_url="https://localhost")
    assert response.status_code == 200
    assert "max-age" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_templates_have_no_inline_script_or_event_handler():
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        source = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>([^<]*)", source):
            # A JSON data block is never executed; its content must be escaped with |tojson.
            data_block = 'type="application/json"' in match.group(0) and re.fullmatch(
                r"\{\{ [\w.]+\|tojson \}\}", match.group(1))
            if "src=" not in match.group(0) and not data_block:
                offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", source) or "javascript:" in source or "style=" in source:
            offenders.append(f"{template.name}: inline handler, javascript: URL or style attribute")
    assert offenders == []


def test_session_cookie_is_httponly_and_samesite(client, factory):
    user = factory.user()
    response = login(client, user)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # PARVIS_SECURE_COOKIES is off in tests (plain HTTP)


def test_secure_cookie_setting_defaults_off_and_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PARVIS_SECURE_COOKIES", raising=False)
    assert load_config(str(tmp_path))["SESSION_COOKIE_SECURE"] is False
    monkeypatch.setenv("PARVIS_SECURE_COOKIES", "1")
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True


def test_failed_sign_ins_lock_the_account_on_the_real_redis(app, client, factory, redis_client):
    user = factory.user(email="cible@parvis.example")
    for _ in range(5):
        assert login(client, user, password="wrong password").status_code == 401
    # The sixth attempt is refused even with the right password: the account is locked.
    locked = login(client, user)
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers
    assert "Trop de tentatives" in locked.get_data(as_text=True)
    assert redis_client.keys("*parvis-limit*"), "the counters live in the real Redis"
    # Another account from the same address is not locked (only the per-address limit applies).
    other = factory.user(email="autre@parvis.example")
    assert login(client, other).status_code == 302
    assert AuditEvent.query.filter_by(action="auth.throttled").count() == 1
    assert AuditEvent.query.filter_by(action="auth.login_failed").count() == 5
    # When the lock expires (here: Redis forgets it), the right password works again.
    for key in redis_client.keys("*parvis-limit*"):
        redis_client.delete(key)
    client.post("/logout")
    assert login(client, user).status_code == 302


def test_sign_in_attempts_per_address_are_limited(app, client, factory):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    users = [factory.user() for _ in range(4)]
    codes = [login(client, u, password="wrong").status_code for u in users]
    assert codes == [401, 401, 401, 429]


def test_passwords_are_hashed_with_argon2id(factory):
    user = factory.user(password="un mot de passe assez long")
    stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and "un mot de passe" not in stored
    assert user.check_password("un mot de passe assez long") and not user.check_password("autre")


def test_channel_secrets_are_encrypted_at_rest(factory):
    channel = factory.channel()
    secret = channel.signing_secret
    raw = db.session.execute(text("SELECT secrets FROM channel WHERE id = :id"), {"id": channel.id}).scalar_one()
    assert secret not in raw and "signing_secret" not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token
    db.session.expire_all()
    assert db.session.get(type(channel), channel.id).signing_secret == secret


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/x", "http://192.168.0.10/",
    "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://[::ffff:127.0.0.1]/x",
    "http://0.0.0.0/", "ftp://example.org/x", "http://user:pw@example.org/", "not a url",
])
def test_private_loopback_and_malformed_callbacks_are_refused(url):
    with pytest.raises(UnsafeCallbackError):
        check_callback_url(url, allow_private=False)


def test_private_callbacks_are_refused_by_default_and_allowed_by_the_setting(monkeypatch, tmp_path):
    monkeypatch.delenv("PARVIS_ALLOW_PRIVATE_DESTINATIONS", raising=False)
    monkeypatch.delenv("PARVIS_ALLOW_PRIVATE_CALLBACKS", raising=False)
    assert load_config(str(tmp_path))["ALLOW_PRIVATE_DESTINATIONS"] is False
    assert check_callback_url("http://127.0.0.1:9/x", allow_private=True) == "http://127.0.0.1:9/x"


def test_a_reply_to_a_loopback_callback_fails_visibly_without_a_request(app, client, factory):
    from tests.callback_server import CallbackServer

    app.config["ALLOW_PRIVATE_DESTINATIONS"] = False
    with CallbackServer() as callback:
        channel = factory.channel(callback_url=callback.url)
        post_signed(client, channel, factory.payload())
        reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour")
        assert deliver_reply(reply.id) == "failed"
        assert callback.requests == []
    db.session.expire_all()
    failed = db.session.get(Message, reply.id)
    assert failed.delivery_status == "failed" and "private or loopback" in failed.delivery_error


def test_create_channel_refuses_a_private_callback(app, monkeypatch):
    app.config["ALLOW_PRIVATE_DESTINATIONS"] = False
    result = app.test_cli_runner().invoke(args=["create-channel", "--name", "x", "--callback-url", "http://10.0.0.1/"])
    assert result.exit_code != 0 and "private or loopback" in result.output


def test_nul_characters_in_parameters_are_refused(client, factory):
    user = factory.user()
    response = client.post("/login", data={"email": "a\x00@b.fr", "password": "x"})
    assert response.status_code == 400
    login(client, user)
    assert client.get("/?status=open%00").status_code == 400
