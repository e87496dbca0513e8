"""Administration commands."""
import json

from inbox.models import ApiToken, Channel, User


def test_create_user_token_and_channel(app, factory):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--email", "Claire@Mairie.example", "--name", "Claire",
                                 "--role", "supervisor", "--password", "longenough1"])
    assert result.exit_code == 0, result.output
    user = User.query.filter_by(email="claire@mairie.example").one()
    assert user.role == "supervisor" and user.check_password("longenough1")
    duplicate = runner.invoke(args=["create-user", "--email", "claire@mairie.example", "--name", "C",
                                    "--password", "longenough1"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    short = runner.invoke(args=["create-user", "--email", "x@y.example", "--name", "X", "--password", "short"])
    assert short.exit_code != 0 and "8 characters" in short.output

    token = runner.invoke(args=["create-token", "--email", "claire@mairie.example"])
    assert token.exit_code == 0
    raw = token.output.strip()
    assert raw.startswith("pvs_") and ApiToken.query.one().token_hash == ApiToken.hash(raw)
    client = app.test_client()
    assert client.get("/api/v1/stats", headers={"Authorization": f"Bearer {raw}"}).status_code == 200

    channel = runner.invoke(args=["create-channel", "--name", "Site web", "--callback-url", "https://cb.example/x"])
    assert channel.exit_code == 0
    data = json.loads(channel.output)
    stored = Channel.query.filter_by(id=data["id"]).one()
    assert stored.signing_secret == data["signing_secret"] and len(data["signing_secret"]) == 64
    assert stored.settings["callback_url"] == "https://cb.example/x"


def test_seed_demo_fills_an_empty_database_once(app, factory):
    runner = app.test_cli_runner()
    first = json.loads(runner.invoke(args=["seed-demo"]).output)
    assert first["users"] == 4 and first["channels"] == 3 and first["messages"] >= 300
    again = json.loads(runner.invoke(args=["seed-demo"]).output)
    assert "skipped" in again
    assert User.query.count() == 4
