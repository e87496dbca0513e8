"""Admin pages for channels: add, check the connection, disable; secrets encrypted at rest."""
from sqlalchemy import text

from inbox.extensions import db
from inbox.models import AuditEvent, Channel
from tests.fakes.mastodon import TOKEN, FakeMastodon
from tests.helpers import login


def test_only_admins_see_the_channel_pages(client, factory):
    assert client.get("/admin/channels").status_code == 302  # to the sign-in page
    login(client, factory.user(role="supervisor"))
    assert client.get("/admin/channels").status_code == 403


def test_add_check_and_disable_a_mastodon_channel(app, client, factory):
    login(client, factory.user(role="admin"))
    with FakeMastodon() as mastodon:
        form = client.get("/admin/channels/new/mastodon").get_data(as_text=True)
        assert "Adresse de l'instance" in form
        bad = client.post("/admin/channels/new/mastodon", data={"name": "", "base_url": "ftp://x"})
        assert bad.status_code == 400
        page = bad.get_data(as_text=True)
        assert 'data-error-for="base_url"' in page and 'data-error-for="access_token"' in page
        assert Channel.query.count() == 0
        created = client.post("/admin/channels/new/mastodon", data={
            "name": "Mastodon de la mairie", "base_url": mastodon.url, "access_token": TOKEN,
            "poll_interval_seconds": "60", "allow_private_network": "1"})
        assert created.status_code == 303
        channel = Channel.query.one()
        assert channel.secrets["access_token"] == TOKEN and channel.poll_interval_seconds == 60
        stored = db.session.execute(text("SELECT secrets FROM channel")).scalar()
        assert TOKEN not in stored  # encrypted at rest
        checked = client.post(f"/admin/channels/{channel.id}/check", follow_redirects=True)
        assert "La connexion fonctionne : @mairie" in checked.get_data(as_text=True)
        # Saving without retyping the secret keeps it.
        client.post(f"/admin/channels/{channel.id}", data={"name": "Mastodon", "base_url": mastodon.url,
                                                          "poll_interval_seconds": "120",
                                                          "allow_private_network": "1"})
        db.session.expire_all()
        assert db.session.get(Channel, channel.id).secrets["access_token"] == TOKEN
        client.post(f"/admin/channels/{channel.id}/disable")
        db.session.expire_all()
        assert db.session.get(Channel, channel.id).enabled is False
    failed = client.post(f"/admin/channels/{channel.id}/check", follow_redirects=True).get_data(as_text=True)
    assert "La connexion a échoué" in failed and "unreachable" in failed
    assert {e.action for e in AuditEvent.query} >= {"channel.create", "channel.check", "channel.disable"}


def test_interval_out_of_range_is_refused(client, factory):
    login(client, factory.user(role="admin"))
    response = client.post("/admin/channels/new/youtube", data={
        "name": "YT", "channel_id": "UC1", "access_token": "t", "poll_interval_seconds": "5"})
    assert response.status_code == 400 and Channel.query.count() == 0
