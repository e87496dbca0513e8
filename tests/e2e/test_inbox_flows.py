"""Each inbox flow in the browser: composer, moderation with undo, corrections, labels, bulk,
search and filters, snooze, rules."""
import re

from playwright.sync_api import expect
from rq import Queue

from inbox.extensions import db
from inbox.models import ClassificationCorrection, Conversation, Message, Rule
from tests.e2e.inbox_helpers import new_conversation, ready, sign_in


def _classify(conversation, **values):
    message = conversation.messages.first()
    message.classify_status = "done"
    message.explanation = values.pop("explanation", ["insulte"])
    for key, value in values.items():
        setattr(message, key, value)
    db.session.commit()
    return message


def test_composer_limit_moderation_undo_and_correction(app, factory, live_server, page):
    mastodon = factory.channel(name="Mastodon · Ville", kind="mastodon")
    agent = factory.user(name="Claire Dubois")
    conversation = new_conversation(app, factory, mastodon, "Bande d'incapables, vous êtes nuls")
    message = _classify(conversation, urgency="normal", sentiment="negative", flag_toxic=True)
    sign_in(page, live_server.url, agent)
    page.goto(f"{live_server.url}/conversations/{conversation.id}")
    ready(page)

    # Per-network limit shown as you type.
    reply = page.get_by_label("Réponse publique")
    reply.fill("x" * 480)
    expect(page.locator("#reply-counter")).to_have_text("480 / 500 caractères")
    reply.fill("x" * 520)
    expect(page.locator("#reply-counter")).to_contain_text("Trop long pour ce réseau.")
    expect(reply).to_have_attribute("aria-invalid", "true")
    reply.fill("")

    # Labels with their explanation, and a correction.
    expect(page.locator(".explanation")).to_contain_text("insulte")
    page.get_by_text("Corriger les étiquettes").click()
    page.locator(f"#message-{message.id} select[name=urgency]").select_option("high")
    page.get_by_role("button", name="Enregistrer la correction").click()
    expect(page.locator(".flash")).to_contain_text("Étiquettes corrigées")
    assert ClassificationCorrection.query.filter_by(field="urgency").one().new == "high"

    # Hide with a reason and a comment, then undo.
    form = page.locator(f"#message-{message.id} form.moderate")
    form.get_by_label("Motif").select_option("offensive")
    form.get_by_label("Commentaire").fill("insulte envers les agents")
    form.get_by_role("button", name="Masquer").click()
    expect(page.locator(f"#message-{message.id} .moderation-history")).to_contain_text("insulte envers les agents")
    expect(page.locator(f"#message-{message.id}")).to_have_class(re.compile("visibility-hidden"))
    page.get_by_role("button", name="Annuler").click()
    expect(page.locator(".flash")).to_contain_text("Modération annulée")
    expect(page.locator(f"#message-{message.id}")).to_have_class(re.compile("visibility-visible"))
    # Block the author: shown on the author's card with its history.
    page.locator(f"#message-{message.id} form.moderate").get_by_role("button", name="Bloquer l’auteur").click()
    expect(page.locator("#author-blocked")).to_have_text("bloqué")
    expect(page.locator(".author-moderation")).to_contain_text("auteur bloqué")


def test_labels_bulk_search_filters_and_snooze(app, factory, live_server, page):
    channel = factory.channel(name="Facebook · Mairie")
    agent = factory.user(name="Claire Dubois")
    road = new_conversation(app, factory, channel, "Un nid de poule énorme avenue de la Gare")
    pool = new_conversation(app, factory, channel, "La piscine est fermée pour travaux ?")
    spam = new_conversation(app, factory, channel, "Gagnez 1000 euros sur crypto-arnaque.example")
    sign_in(page, live_server.url, agent)

    page.get_by_role("link", name="Étiquettes").click()
    page.get_by_label("Nom").fill("voirie")
    page.get_by_role("button", name="Créer l’étiquette").click()
    expect(page.locator(".label-list")).to_contain_text("voirie")

    page.goto(f"{live_server.url}/conversations/{road.id}")
    page.get_by_label("voirie").check()
    page.get_by_role("button", name="Enregistrer les étiquettes").click()
    expect(page.locator("#conversation-meta")).to_contain_text("voirie")

    # Search, accents folded.
    page.goto(f"{live_server.url}/")
    ready(page)
    page.keyboard.press("/")
    page.keyboard.type("piscine fermee")
    page.keyboard.press("Enter")
    expect(page.locator("tr.conversation-row")).to_have_count(1)
    expect(page.locator("tr.conversation-row")).to_contain_text("piscine")

    # Filter by label.
    page.goto(f"{live_server.url}/")
    page.get_by_text("Filtres").click()
    page.locator(".filters select[name=label]").select_option(label="voirie")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("tr.conversation-row")).to_have_count(1)
    expect(page.locator("tr.conversation-row")).to_contain_text("nid de poule")

    # Bulk: mark the spam, then it is in the moderation view.
    page.goto(f"{live_server.url}/")
    page.locator(f"#row-{spam.id} input[name=ids]").check()
    expect(page.locator("#selected-count")).to_contain_text("1")
    page.get_by_label("Action", exact=True).select_option("spam")
    page.get_by_role("button", name="Appliquer à la sélection").click()
    expect(page.locator(".flash")).to_contain_text("1 conversations mises à jour")
    page.locator('[data-view="moderation"]').click()
    expect(page.locator("tr.conversation-row")).to_have_count(1)
    expect(page.locator(f"#row-{spam.id}")).to_be_visible()

    # Snooze from the conversation page until a date.
    page.goto(f"{live_server.url}/conversations/{pool.id}")
    page.get_by_label("En veille jusqu’au").fill("2030-01-15T09:00")
    page.get_by_role("button", name="Mettre en veille", exact=True).click()
    expect(page.locator('[data-count="snoozed"]')).to_have_text("1")
    db.session.expire_all()
    assert db.session.get(Conversation, pool.id).status == "snoozed"
    assert Message.query.filter_by(flag_spam=True).count() == 1


def test_rules_admin_page(app, factory, live_server, page):
    factory.channel()
    supervisor = factory.user(role="supervisor", name="Sophie Renard")
    sign_in(page, live_server.url, supervisor)
    page.get_by_role("link", name="Règles").click()
    page.get_by_label("Nom").fill("Menaces en priorité")
    page.get_by_role("button", name="Créer la règle").click()  # no condition: refused with the reason
    expect(page.locator(".field-error").first).to_contain_text("au moins une condition")
    page.get_by_label("est signalé").select_option("threat")
    page.get_by_label("fixer la priorité").select_option("critical")
    page.get_by_role("button", name="Créer la règle").click()
    expect(page.locator("table.rules")).to_contain_text("Menaces en priorité")
    rule = Rule.query.one()
    assert rule.conditions == {"flag": "threat"} and rule.actions == {"priority": "critical"}


def test_failed_delivery_can_be_retried(app, factory, live_server, page, redis_client):
    channel = factory.channel()
    agent = factory.user()
    conversation = new_conversation(app, factory, channel, "Bonjour, le stade est-il ouvert ?")
    reply = Message(conversation=conversation, channel_id=channel.id, direction="out", user=agent,
                    body="Oui, de 9 h à 18 h.", delivery_status="failed", delivery_attempts=5,
                    delivery_error="HTTP 502 from the network")
    db.session.add(reply)
    db.session.commit()
    sign_in(page, live_server.url, agent)
    page.goto(f"{live_server.url}/conversations/{conversation.id}")
    delivery = page.locator(f"#message-{reply.id} .delivery")
    expect(delivery).to_contain_text("échec")
    expect(delivery).to_contain_text("HTTP 502")
    delivery.get_by_role("button", name="Réessayer").click()
    expect(page.locator(f"#message-{reply.id} .delivery .badge").first).to_have_text("en file d’attente")
    db.session.expire_all()
    assert db.session.get(Message, reply.id).delivery_status == "queued"
    # One delivery job: waiting, or already taken by the test's worker process.
    deliver = Queue("deliver", connection=redis_client)
    jobs = (deliver.job_ids + deliver.started_job_registry.get_job_ids() + deliver.finished_job_registry.get_job_ids()
            + deliver.failed_job_registry.get_job_ids() + deliver.scheduled_job_registry.get_job_ids())
    assert len(jobs) == 1
