"""Administration commands that need only the web application (no model, no worker code)."""
import json
import random
import time

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .models import ROLES, ApiToken, Channel, User


def init_app(app):
    for command in (create_user, create_token, create_channel, seed_demo, simulate, stats_recompute):
        app.cli.add_command(command)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="agent", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr", show_default=True)
@with_appcontext
def create_user(email, name, role, password, locale):
    """Create a staff account."""
    email = email.strip().lower()
    if User.query.filter_by(email=email).first():
        raise click.ClickException(f"A user with e-mail {email} already exists.")
    if len(password) < 8:
        raise click.ClickException("The password must have at least 8 characters.")
    user = User(email=email, name=name, role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Created {role} {email} (id {user.id}).")


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli", show_default=True)
@with_appcontext
def create_token(email, name):
    """Create a personal API token and print it (it is shown only once)."""
    user = User.query.filter_by(email=email.strip().lower()).first()
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    token, raw = ApiToken.issue(user, name)
    db.session.add(token)
    db.session.commit()
    click.echo(raw)


@click.command("create-channel")
@click.option("--name", required=True)
@click.option("--kind", default="api", show_default=True)
@click.option("--callback-url", default=None, help="Where replies are POSTed (generic API channel).")
@with_appcontext
def create_channel(name, kind, callback_url):
    """Create a channel and print its id and signing secret."""
    channel = Channel(name=name, kind=kind, settings={"callback_url": callback_url} if callback_url else {},
                      secrets={"signing_secret": Channel.new_secret()})
    db.session.add(channel)
    db.session.commit()
    click.echo(json.dumps({"id": channel.id, "name": name, "signing_secret": channel.signing_secret}))


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create demo users, channels and a few hundred citizen messages (only into an empty database)."""
    from .demo.seed import seed

    summary = seed()
    click.echo(json.dumps(summary))


@click.command("simulate")
@click.option("--rate", type=float, default=0.5, show_default=True, help="Messages per second.")
@click.option("--count", type=int, default=0, help="Stop after this many (0: run until interrupted).")
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help="Parvis's base URL.")
@click.option("--seed", "seed_value", type=int, default=None)
@with_appcontext
def simulate(rate, count, url, seed_value):
    """Post realistic demo messages through the real, signed API at a steady rate."""
    from .blueprints.api import sign
    from .demo import random_live_message

    if rate <= 0:
        raise click.ClickException("--rate must be positive.")
    channels = {(c.settings or {}).get("demo_key", c.name): c for c in Channel.query.filter_by(kind="api")}
    if not channels:
        raise click.ClickException("No API channel: run `parvis seed-demo` first.")
    rng = random.Random(seed_value)
    sent = 0
    session = requests.Session()
    while not count or sent < count:
        message = random_live_message(rng)
        channel = channels.get(message.pop("channel")) or next(iter(channels.values()))
        message.pop("lang", None)
        body = json.dumps(message).encode()
        response = session.post(f"{url}/api/v1/channels/{channel.id}/messages", data=body, timeout=10,
                                headers={"Content-Type": "application/json",
                                         "X-Parvis-Signature": sign(channel.signing_secret, body)})
        sent += 1
        click.echo(f"{response.status_code} {channel.name}: {message['text'][:70]}")
        time.sleep(1.0 / rate)
    current_app.logger.info("simulate: %d messages sent", sent)


@click.command("stats-recompute")
@with_appcontext
def stats_recompute():
    """Recompute business-hour durations and SLA deadlines with the current calendar."""
    from .services import cycles, rollup

    count = cycles.recompute_durations()
    rollup.refresh()
    click.echo(f"{count} conversation cycles recomputed.")
