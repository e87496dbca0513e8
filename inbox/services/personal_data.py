"""Citizens' personal data: access requests (export), erasure, and the retention policy.

What is removed: names, handles and network ids of authors, message bodies and raw payloads,
links, staff notes and moderation comments, reply texts addressed to the person.
What is kept (statistics): that a message existed, when, on which channel, its classification,
its conversation's status and response times.
"""
import calendar
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select, update

from ..extensions import db
from ..models import AuditEvent, Author, Channel, Conversation, Message, ModerationAction, Note
from ..models.base import utcnow
from . import audit


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's last day)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _dt(value):
    return value.isoformat() if value else None


def export_author(author: Author, user=None) -> dict:
    """Everything Parvis holds about one author (a citizen's access request), as JSON-ready data."""
    messages = db.session.scalars(select(Message).where(Message.author_id == author.id)
                                  .order_by(Message.created_at, Message.id)).all()
    conversation_ids = sorted({m.conversation_id for m in messages} | set(db.session.scalars(
        select(Conversation.id).where(Conversation.author_id == author.id)).all()))
    conversations = db.session.scalars(select(Conversation).where(Conversation.id.in_(conversation_ids))
                                       .order_by(Conversation.id)).all()
    replies = db.session.scalars(select(Message).where(
        Message.conversation_id.in_(conversation_ids), Message.direction == "out")
        .order_by(Message.created_at, Message.id)).all()
    notes = db.session.scalars(select(Note).where(Note.conversation_id.in_(conversation_ids))
                               .order_by(Note.created_at)).all()
    moderation = db.session.scalars(select(ModerationAction).where(
        ModerationAction.message_id.in_([m.id for m in messages])).order_by(ModerationAction.created_at)).all()
    channel = db.session.get(Channel, author.channel_id)
    data = {
        "exported_at": utcnow().isoformat(),
        "author": {"id": author.id, "channel": {"id": channel.id, "name": channel.name, "kind": channel.kind},
                   "external_id": author.external_id, "name": author.name, "handle": author.handle,
                   "blocked": author.blocked, "first_seen_at": _dt(author.created_at),
                   "anonymised_at": _dt(author.anonymised_at)},
        "messages": [{
            "id": m.id, "external_id": m.external_id, "conversation_id": m.conversation_id,
            "created_at": _dt(m.created_at), "received_at": _dt(m.received_at), "text": m.body,
            "permalink": m.permalink, "visibility": m.visibility, "language": m.language,
            "purged_at": _dt(m.purged_at),
            "classification": {"sentiment": m.sentiment, "urgency": m.urgency, "flags": m.flags,
                               "classified_at": _dt(m.classified_at), "model_version": m.model_version},
        } for m in messages],
        "conversations": [{"id": c.id, "kind": c.kind, "status": c.status, "opened_at": _dt(c.opened_at),
                           "resolved_at": _dt(c.resolved_at)} for c in conversations],
        "replies_from_the_institution": [{"conversation_id": r.conversation_id, "created_at": _dt(r.created_at),
                                          "text": r.body, "delivery_status": r.delivery_status}
                                         for r in replies],
        "internal_notes": [{"conversation_id": n.conversation_id, "created_at": _dt(n.created_at), "text": n.body}
                           for n in notes],
        "moderation": [{"message_id": a.message_id, "action": a.action, "reason": a.reason,
                        "created_at": _dt(a.created_at)} for a in moderation],
    }
    audit.record("privacy.export", author, user=user, messages=len(messages))
    db.session.commit()
    return data


def _purge_messages(condition, now) -> int:
    return db.session.execute(
        update(Message).where(condition, Message.purged_at.is_(None))
        .values(body="", raw=None, permalink=None, explanation=None, classify_error=None, purged_at=now)
        .execution_options(synchronize_session=False)).rowcount


def _anonymise_authors(condition, now) -> int:
    authors = db.session.scalars(select(Author).where(condition, Author.anonymised_at.is_(None))).all()
    for author in authors:
        anonymous = f"anonymised-{author.id}"
        # A private thread's key is derived from the author's network id: rename it too.
        db.session.execute(update(Conversation).where(
            Conversation.author_id == author.id, Conversation.kind == "private")
            .values(external_id="dm:" + anonymous).execution_options(synchronize_session=False))
        author.name = author.handle = None
        author.external_id = anonymous
        author.anonymised_at = now
    return len(authors)


def erase_author(author: Author, user=None) -> dict:
    """Erase one author on request: anonymise them and purge every text about them."""
    now = utcnow()
    conversation_ids = select(Conversation.id).where(Conversation.author_id == author.id)
    counts = {
        "messages": _purge_messages(Message.author_id == author.id, now),
        "replies": _purge_messages((Message.direction == "out") & Message.conversation_id.in_(conversation_ids), now),
        "notes": db.session.execute(update(Note).where(Note.conversation_id.in_(conversation_ids))
                                    .values(body="").execution_options(synchronize_session=False)).rowcount,
    }
    db.session.execute(update(ModerationAction).where(ModerationAction.message_id.in_(
        select(Message.id).where(Message.author_id == author.id))).values(comment=None)
        .execution_options(synchronize_session=False))
    db.session.execute(update(Conversation).where(Conversation.author_id == author.id)
                       .values(last_excerpt=None).execution_options(synchronize_session=False))
    _anonymise_authors(Author.id == author.id, now)
    audit.record("privacy.erase", author, user=user, **counts)
    db.session.commit()
    return counts


@dataclass
class RetentionReport:
    cutoff: str
    dry_run: bool
    messages: int = 0
    replies: int = 0
    notes: int = 0
    authors: int = 0
    audit_events: int = 0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"cutoff": self.cutoff, "dry_run": self.dry_run, "messages_purged": self.messages,
                "replies_purged": self.replies, "notes_purged": self.notes, "authors_anonymised": self.authors,
                "audit_events_deleted": self.audit_events}


def apply_retention(months: int, dry_run: bool = False, now: datetime | None = None,
                    audit_months: int | None = None) -> RetentionReport:
    """Purge texts older than `months` and anonymise authors with nothing newer; keep the statistics.
    Audit events older than `audit_months` (if given) are deleted."""
    if months < 1 or (audit_months is not None and audit_months < 1):
        raise ValueError("a retention period must be at least one month")
    now = now or utcnow()
    cutoff = months_before(now, months)
    old_audit = AuditEvent.created_at < months_before(now, audit_months) if audit_months else None
    old_in = (Message.direction == "in") & (Message.received_at < cutoff)
    old_out = (Message.direction == "out") & (Message.created_at < cutoff)
    recent = exists().where(Message.author_id == Author.id, Message.received_at >= cutoff)
    stale_authors = ~recent & (Author.created_at < cutoff)
    report = RetentionReport(cutoff=cutoff.isoformat(), dry_run=dry_run)
    if dry_run:
        count = lambda q: db.session.scalar(select(db.func.count()).select_from(q.subquery()))  # noqa: E731
        report.messages = count(select(Message.id).where(old_in, Message.purged_at.is_(None)))
        report.replies = count(select(Message.id).where(old_out, Message.purged_at.is_(None)))
        report.notes = count(select(Note.id).where(Note.created_at < cutoff, Note.body != ""))
        report.authors = count(select(Author.id).where(stale_authors, Author.anonymised_at.is_(None)))
        if old_audit is not None:
            report.audit_events = count(select(AuditEvent.id).where(old_audit))
        return report
    report.messages = _purge_messages(old_in, now)
    report.replies = _purge_messages(old_out, now)
    report.notes = db.session.execute(update(Note).where(Note.created_at < cutoff, Note.body != "")
                                      .values(body="").execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(ModerationAction).where(ModerationAction.created_at < cutoff)
                       .values(comment=None).execution_options(synchronize_session=False))
    db.session.execute(update(Conversation).where(Conversation.last_message_at < cutoff)
                       .values(last_excerpt=None).execution_options(synchronize_session=False))
    report.authors = _anonymise_authors(stale_authors, now)
    if old_audit is not None:
        report.audit_events = db.session.execute(db.delete(AuditEvent).where(old_audit)
                                                 .execution_options(synchronize_session=False)).rowcount
    if report.messages or report.replies or report.notes or report.authors:
        audit.record("privacy.retention", None, **report.as_dict())
    db.session.commit()
    return report
