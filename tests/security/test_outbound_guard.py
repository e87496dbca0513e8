"""Every outbound destination goes through one guard (services/outbound.py): private, loopback,
link-local and reserved addresses are refused when configured and when connecting, unless an
administrator allows them for the channel or the instance.

The refused destinations point at real servers on loopback, which must receive nothing at all
(not even a TCP connection)."""
import socket
import threading
from email.message import EmailMessage

import pytest

from inbox.connectors import PermanentDeliveryError, connector_for
from inbox.connectors.email import SmtpSender
from inbox.extensions import db
from inbox.models import AuditEvent, Channel, Conversation, Message, Notification
from inbox.services import channels, notifications, outbound, replies
from tests.fakes.mastodon import TOKEN as MASTODON_TOKEN, FakeMastodon
from tests.fakes.smtp import FakeSmtp
from tests.helpers import login, post_signed
from workers.deliver import deliver_reply

REFUSED_ADDRESSES = ["127.0.0.1", "10.0.0.5", "192.168.1.20", "169.254.169.254", "::1", "::ffff:127.0.0.1",
                     "localhost", "0.0.0.0", "100.64.0.1", "fe80::1", "64:ff9b::7f00:1"]
# Host forms that reach the loopback listener below if the guard lets them through.
LOOPBACK_FORMS = ["127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1"]


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class Listener:
    """A real TCP server on 127.0.0.1 (and ::1 on the same port when possible) counting connections."""

    def __init__(self):
        self.accepted = 0
        self.sockets = []
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        self.port = v4.getsockname()[1]
        self.sockets.append(v4)
        try:
            v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            v6.bind(("::1", self.port))
            self.sockets.append(v6)
        except OSError:
            pass
        self._stop = False
        self._threads = []

    def _serve(self, sock):
        sock.listen(16)
        sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            conn.close()

    def __enter__(self):
        for sock in self.sockets:
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(self, *exc):
        self._stop = True
        for thread in self._threads:
            thread.join()
        for sock in self.sockets:
            sock.close()


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


@pytest.fixture(autouse=True)
def production_default(app, factory):
    """The test app allows private destinations; these tests run with the production default."""
    app.config["ALLOW_PRIVATE_DESTINATIONS"] = False


def _channel(kind, settings, secrets=None):
    channel = Channel(kind=kind, name=f"{kind} channel", settings=settings,
                      secrets={"signing_secret": Channel.new_secret(), **(secrets or {})})
    db.session.add(channel)
    db.session.commit()
    return channel


def _refusals():
    return AuditEvent.query.filter_by(action="outbound.refused").all()


# One action per connector type that connects to the configured destination.

def _http_settings(kind, base):
    return {
        "mastodon": ({"base_url": base}, {"access_token": "t"}),
        "facebook": ({"page_id": "1", "graph_url": base}, {"access_token": "t"}),
        "instagram": ({"ig_user_id": "1", "graph_url": base}, {"access_token": "t"}),
        "youtube": ({"channel_id": "UC1", "api_url": base}, {"access_token": "t"}),
    }[kind]


def _mail(channel):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "mairie@example.org", "alice@example.org", "Re: x"
    message.set_content("Bonjour")
    return message


def _connect_action(kind, host, port):
    """(channel, callable) that makes the connector connect to host:port."""
    if kind in ("mastodon", "facebook", "instagram", "youtube"):
        settings, secrets = _http_settings(kind, f"http://{_url_host(host)}:{port}")
        channel = _channel(kind, settings, secrets)
        return channel, lambda: connector_for(channel).check_connection()
    if kind == "email-imap":
        channel = _channel("email", {"imap_host": host, "imap_port": str(port), "imap_ssl": "0", "username": "u",
                                     "smtp_host": "smtp.example.org", "from_address": "mairie@example.org"},
                           {"password": "p"})
        return channel, lambda: connector_for(channel).check_connection()
    if kind in ("email-smtp", "form-smtp"):
        channel = _channel(kind.split("-")[0], {"smtp_host": host, "smtp_port": str(port), "smtp_security": "none",
                                                "imap_host": "imap.example.org", "username": "u",
                                                "from_address": "mairie@example.org"}, {"password": "p"})
        return channel, lambda: SmtpSender(connector_for(channel)).send(_mail(channel))
    raise AssertionError(kind)


CONNECT_KINDS = ["mastodon", "facebook", "instagram", "youtube", "email-imap", "email-smtp", "form-smtp"]


@pytest.mark.parametrize("kind", CONNECT_KINDS)
@pytest.mark.parametrize("host", LOOPBACK_FORMS)
def test_every_connector_refuses_loopback_at_connection_time(app, listener, kind, host):
    """Settings saved before the guard (or edited in the database) are refused when connecting."""
    channel, act = _connect_action(kind, host, listener.port)
    with pytest.raises(PermanentDeliveryError, match="refused destination"):
        act()
    db.session.commit()  # as the jobs do after an error: the audit event is kept
    assert listener.accepted == 0
    [event] = _refusals()
    assert event.target_id == channel.id and event.detail["address"] and event.detail["reason"]


@pytest.mark.parametrize("kind", CONNECT_KINDS)
@pytest.mark.parametrize("host", ["10.0.0.5", "169.254.169.254", "fe80::1"])
def test_every_connector_refuses_private_and_metadata_addresses(app, kind, host):
    _, act = _connect_action(kind, host, 80)
    with pytest.raises(PermanentDeliveryError, match="private or loopback"):
        act()


@pytest.mark.parametrize("kind", CONNECT_KINDS)
def test_the_channel_switch_allows_loopback(app, listener, kind):
    channel, act = _connect_action(kind, "127.0.0.1", listener.port)
    channel.settings = {**channel.settings, outbound.ALLOW_SETTING: "1"}
    db.session.commit()
    with pytest.raises(Exception) as raised:  # the listener hangs up: but it was reached
        act()
    assert "refused destination" not in str(raised.value)
    assert listener.accepted >= 1 and _refusals() == []


def test_the_instance_switch_allows_loopback(app, listener):
    app.config["ALLOW_PRIVATE_DESTINATIONS"] = True
    _, act = _connect_action("mastodon", "127.0.0.1", listener.port)
    with pytest.raises(Exception):
        act()
    assert listener.accepted >= 1


def test_a_loopback_callback_reply_fails_visibly_and_sends_nothing(app, client, factory, listener):
    channel = factory.channel(callback_url=f"http://localhost:{listener.port}/replies")
    post_signed(client, channel, factory.payload())
    reply = replies.send_reply(Conversation.query.one(), factory.user(), "Bonjour")
    assert deliver_reply(reply.id) == "failed"
    assert listener.accepted == 0
    db.session.expire_all()
    failed = db.session.get(Message, reply.id)
    # Visible to staff on the reply, and in the audit trail.
    assert failed.delivery_status == "failed" and "refused destination" in failed.delivery_error
    assert [e.target_id for e in _refusals()] == [channel.id]


def test_dns_rebinding_is_refused_at_connection_time(app, listener, monkeypatch):
    """A name that is public when checked and loopback when connecting never reaches loopback."""
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])
    real = outbound.resolve

    def rebinding(host, port):
        if host != "rebind.example":
            return real(host, port)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    monkeypatch.setattr(outbound, "resolve", rebinding)
    channel = _channel("mastodon", {"base_url": f"http://rebind.example:{listener.port}"}, {"access_token": "t"})
    with pytest.raises(PermanentDeliveryError, match="127.0.0.1"):
        connector_for(channel).check_connection()
    assert listener.accepted == 0


def test_alert_email_smtp_of_the_operator_is_trusted(app, factory):
    """SMTP_HOST is the operator's own setting (often a local relay), not something a user sets."""
    with FakeSmtp() as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, ALLOW_PRIVATE_DESTINATIONS=False)
        user = factory.user(role="supervisor")
        notifications.notify([user], "sla.breach", urgency="high")
        db.session.commit()
        assert notifications.send_pending_emails() == 1
        assert len(smtp.received) == 1 and _refusals() == []


# --- configuration time ------------------------------------------------------------------------

DESTINATION_FIELDS = [("api", "callback_url", "url", {}), ("mastodon", "base_url", "url", {"access_token": "t"}),
                      ("facebook", "graph_url", "url", {"page_id": "1", "access_token": "t", "app_secret": "s",
                                                        "verify_token": "v"}),
                      ("instagram", "graph_url", "url", {"ig_user_id": "1", "access_token": "t", "app_secret": "s",
                                                         "verify_token": "v"}),
                      ("youtube", "api_url", "url", {"channel_id": "UC1", "access_token": "t"}),
                      ("email", "imap_host", "host", {"smtp_host": "smtp.example.org"}),
                      ("email", "smtp_host", "host", {"imap_host": "imap.example.org"}),
                      ("form", "smtp_host", "host", {})]
EMAIL_BASE = {"username": "u", "password": "p", "from_address": "mairie@example.org"}


def _values(kind, field, form, host, extra):
    value = f"https://{_url_host(host)}:8443/x" if form == "url" else host
    values = {**extra, field: value}
    if kind == "email":
        values = {**EMAIL_BASE, **values}
    return values


@pytest.mark.parametrize("kind,field,form,extra", DESTINATION_FIELDS)
@pytest.mark.parametrize("host", REFUSED_ADDRESSES)
def test_configuration_refuses_private_destinations_naming_the_field(app, kind, field, form, extra, host):
    with app.test_request_context(), pytest.raises(channels.ChannelError) as raised:
        channels.create_channel(kind, "x", _values(kind, field, form, host, extra), None)
    assert list(raised.value.errors) == [field] and Channel.query.count() == 0
    # French by default (the interface's first language), naming the refused host.
    assert "adresse privée, locale ou réservée" in str(raised.value)


@pytest.mark.parametrize("kind,field,form,extra", DESTINATION_FIELDS)
def test_configuration_allows_private_destinations_when_the_admin_says_so(app, kind, field, form, extra):
    values = {**_values(kind, field, form, "127.0.0.1", extra), outbound.ALLOW_SETTING: "1"}
    with app.test_request_context():
        channel = channels.create_channel(kind, "x", values, None)
    assert channel.settings[outbound.ALLOW_SETTING] == "1"
    assert AuditEvent.query.filter_by(action="channel.create").one().detail["allow_private_network"] is True


def test_the_admin_form_names_the_refused_field(app, client, factory):
    login(client, factory.user(role="admin"))
    page = client.post("/admin/channels/new/mastodon", data={
        "name": "M", "base_url": "http://169.254.169.254/latest", "access_token": "t"})
    assert page.status_code == 400 and Channel.query.count() == 0
    html = page.get_data(as_text=True)
    assert 'data-error-for="base_url"' in html and "169.254.169.254" in html
    with FakeMastodon() as mastodon:
        created = client.post("/admin/channels/new/mastodon", data={
            "name": "M", "base_url": mastodon.url, "access_token": MASTODON_TOKEN, "allow_private_network": "1"})
        assert created.status_code == 303
        channel = Channel.query.one()
        assert connector_for(channel).check_connection().startswith("@")
    # Switching it off again is refused while the address is private, and recorded when it changes.
    refused = client.post(f"/admin/channels/{channel.id}", data={
        "name": "M", "base_url": mastodon.url, "allow_private_network": "0"})
    assert refused.status_code == 400 and 'data-error-for="base_url"' in refused.get_data(as_text=True)
    client.post(f"/admin/channels/{channel.id}", data={"name": "M", "base_url": "https://mastodon.example",
                                                       "allow_private_network": "0"})
    assert AuditEvent.query.filter_by(action="channel.allow_private_network").one().detail == {"allowed": False}


def test_cli_refuses_a_private_callback_unless_allowed(app):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["create-channel", "--name", "x", "--callback-url", "http://[::ffff:10.0.0.1]/"])
    assert refused.exit_code != 0 and "--callback-url" in refused.output and "private or loopback" in refused.output
    allowed = runner.invoke(args=["create-channel", "--name", "y", "--callback-url", "http://127.0.0.1:9/",
                                  "--allow-private-network"])
    assert allowed.exit_code == 0, allowed.output
    channel = Channel.query.one()
    assert channel.settings[outbound.ALLOW_SETTING] == "1"
    assert AuditEvent.query.filter_by(action="channel.create").one().detail["via"] == "cli"


@pytest.mark.parametrize("address,reason", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
    ("2002:7f00:1::", "loopback"), ("64:ff9b::a9fe:a9fe", "link-local"), ("169.254.169.254", "link-local"),
    ("224.0.0.1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("240.0.0.1", "private"),
    ("100.64.0.1", "not public"), ("fc00::1", "private"),
])
def test_forbidden_address_kinds(address, reason):
    assert outbound.forbidden_reason(address).startswith(reason)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700:4700::1111", "::ffff:93.184.216.34"])
def test_public_addresses_pass(address):
    assert outbound.forbidden_reason(address) is None

