"""Administration commands that need only the web application (no model, no worker code)."""
import json
import random
import time

import click
import requests
from flask import current_app
from flask.cli import with_appcontext

from .extensions import db
from .models import ROLES, TOKEN_SCOPES, ApiToken, Channel, User


def init_app(app):
    for command in (create_user, create_token, revoke_token, create_channel, seed_demo, simulate,
                    export_author, erase_author, stats_recompute):
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
    from .services import audit

    user = User(email=email, name=name, role=role, locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, role=role, via="cli")
    db.session.commit()
    click.echo(f"Created {role} {email} (id {user.id}).")


@click.command("create-token")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", default="cli", show_default=True)
@click.option("--scope", "scopes", multiple=True, type=click.Choice(TOKEN_SCOPES),
              help="What the token may do (repeat; default: read and write, plus stats for supervisors).")
@with_appcontext
def create_token(email, name, scopes):
    """Create a personal API token and print it (it is shown only once)."""
    from .services import audit

    user = User.query.filter_by(email=email.strip().lower()).first()
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    if "stats" in scopes and not user.is_supervisor:
        raise click.ClickException("Only supervisors and admins can hold the stats scope.")
    token, raw = ApiToken.issue(user, name, scopes=scopes or None)
    db.session.add(token)
    db.session.flush()
    audit.record("token.create", token, user=user, scopes=token.scopes, via="cli")
    db.session.commit()
    click.echo(raw)


@click.command("revoke-token")
@click.option("--id", "token_id", type=int, help="The token's id (see --list).")
@click.option("--token", "raw", help="The raw token value.")
@click.option("--email", help="Revoke every token of this user.")
@click.option("--list", "list_only", is_flag=True, help="List active tokens instead of revoking.")
@with_appcontext
def revoke_token(token_id, raw, email, list_only):
    """Revoke personal API tokens (by id, value or owner); a revoked token is refused at once."""
    from .services import audit

    if list_only:
        for token in ApiToken.query.filter(ApiToken.revoked_at.is_(None)).order_by(ApiToken.id):
            click.echo(f"{token.id}\t{token.user.email}\t{token.name}\t{token.scopes}\t"
                       f"last used {token.last_used_at.isoformat() if token.last_used_at else 'never'}")
        return
    if sum(x is not None for x in (token_id, raw, email)) != 1:
        raise click.ClickException("Give exactly one of --id, --token or --email.")
    query = ApiToken.query.filter(ApiToken.revoked_at.is_(None))
    if token_id is not None:
        tokens = query.filter(ApiToken.id == token_id).all()
    elif raw is not None:
        tokens = query.filter(ApiToken.token_hash == ApiToken.hash(raw.strip())).all()
    else:
        tokens = query.join(User).filter(User.email == email.strip().lower()).all()
    if not tokens:
        raise click.ClickException("No active token matches.")
    for token in tokens:
        token.revoke()
        audit.record("token.revoke", token, user=token.user, via="cli")
    db.session.commit()
    click.echo(f"Revoked {len(tokens)} token(s): {', '.join(str(t.id) for t in tokens)}.")


@click.command("create-channel")
@click.option("--name", required=True)
@click.option("--kind", default="api", show_default=True)
@click.option("--callback-url", default=None, help="Where replies are POSTed (generic API channel).")
@click.option("--allow-private-network", is_flag=True,
              help="Allow destinations on private or loopback addresses for this channel.")
@with_appcontext
def create_channel(name, kind, callback_url, allow_private_network):
    """Create a channel and print its id and signing secret."""
    from .services import audit, outbound

    settings = {"callback_url": callback_url} if callback_url else {}
    if allow_private_network:
        settings[outbound.ALLOW_SETTING] = "1"
    if callback_url:
        try:
            outbound.check_url(callback_url, allow=outbound.private_allowed(settings=settings),
                               require_resolution=True)
        except outbound.UnsafeDestinationError as exc:
            raise click.ClickException(f"--callback-url: {exc}")
    channel = Channel(name=name, kind=kind, settings=settings, secrets={"signing_secret": Channel.new_secret()})
    db.session.add(channel)
    db.session.flush()
    audit.record("channel.create", channel, kind=kind, via="cli",
                 allow_private_network=allow_private_network or None)
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
    """Recompute business-hour durations and SLA deadlines with the current calendar, and rebuild
    the dashboard's rollups from the tables."""
    from .services import count_rollup, cycles, rollup

    count = cycles.recompute_durations()
    rollup.refresh()
    count_rollup.rebuild()
    click.echo(f"{count} conversation cycles recomputed.")


def _find_author(author_id, channel_id, external_id):
    from .models import Author

    if author_id is not None:
        author = db.session.get(Author, author_id)
    elif channel_id is not None and external_id:
        author = Author.query.filter_by(channel_id=channel_id, external_id=external_id).first()
    else:
        raise click.ClickException("Give --author-id, or --channel and --external-id.")
    if author is None:
        raise click.ClickException("No such author.")
    return author


@click.command("export-author")
@click.option("--author-id", type=int)
@click.option("--channel", "channel_id", type=int)
@click.option("--external-id")
@with_appcontext
def export_author(author_id, channel_id, external_id):
    """Print everything held about one author as JSON (a citizen's access request)."""
    from .services.personal_data import export_author as export

    click.echo(json.dumps(export(_find_author(author_id, channel_id, external_id)), ensure_ascii=False, indent=2))


@click.command("erase-author")
@click.option("--author-id", type=int)
@click.option("--channel", "channel_id", type=int)
@click.option("--external-id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_author(author_id, channel_id, external_id, yes):
    """Erase one author on request: anonymise them and purge their messages' texts (statistics kept)."""
    from .services.personal_data import erase_author as erase

    author = _find_author(author_id, channel_id, external_id)
    if not yes:
        click.confirm(f"Erase author #{author.id} ({author.display_name})? This cannot be undone", abort=True)
    click.echo(json.dumps(erase(author)))
