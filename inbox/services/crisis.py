"""Crisis detection: a surge of negative, toxic or critical messages against the recent baseline.

For each signal and each scope (all channels, one channel, one post) the number k of classified
inbound messages created in the last window (15 min) is compared with the rate of the trailing
baseline (7 days before the window): expected λ = (baseline count + 1) × window / baseline length
(the +1 keeps a scope with no history from expecting zero). Under a Poisson model the tail
probability P(X ≥ k | λ) is computed; a surge needs k ≥ 5, P < 0.001 and k ≥ 3λ (all configurable).

An alert stays active while its scope keeps surging and ends after an hour of calm; a finding in
a scope related to an active alert (the same scope, or one containing the other) is the same
surge: it updates that alert and notifies nobody. Narrow scopes are examined first, so a burst on
one post gives one alert, not three.
"""
import math
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Channel, Conversation, CrisisAlert, Message
from ..models.base import utcnow
from . import notifications

SIGNALS = {
    "negative": lambda: Message.sentiment == "negative",
    "toxic": lambda: Message.flag_toxic.is_(True) | Message.flag_threat.is_(True),
    "critical": lambda: Message.urgency == "critical",
}


def poisson_tail(k: int, expected: float) -> float:
    """P(X >= k) for X ~ Poisson(expected)."""
    if k <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for i in range(1, k):
        term *= expected / i
        below += term
    return max(0.0, 1.0 - below)


def _counts(signal: str, start, end) -> dict:
    """{(channel_id, post_external_id): count} of classified inbound messages with the signal."""
    rows = db.session.execute(
        select(Message.channel_id, Conversation.post_external_id, func.count())
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.direction == "in", Message.classify_status == "done", SIGNALS[signal](),
               Message.created_at >= start, Message.created_at < end)
        .group_by(Message.channel_id, Conversation.post_external_id)).all()
    return {(channel, post): count for channel, post, count in rows}


def _by_scope(counts: dict) -> dict:
    """Counts per scope key: ("post", channel, post), ("channel", channel, None), ("all", None, None)."""
    scopes: dict = {}
    for (channel, post), count in counts.items():
        if post:
            scopes[("post", channel, post)] = scopes.get(("post", channel, post), 0) + count
        scopes[("channel", channel, None)] = scopes.get(("channel", channel, None), 0) + count
        scopes[("all", None, None)] = scopes.get(("all", None, None), 0) + count
    return scopes


def _related(alert: CrisisAlert, key) -> bool:
    scope, channel, post = key
    if alert.scope == "all" or scope == "all":
        return True
    if alert.channel_id != channel:
        return False
    return alert.scope == "channel" or scope == "channel" or alert.post_external_id == post


def detect(now=None) -> dict:
    """Run the test for every signal and scope; create and notify new alerts; end calm ones."""
    config = current_app.config
    now = now or utcnow()
    window = timedelta(minutes=config["CRISIS_WINDOW_MINUTES"])
    baseline = timedelta(days=config["CRISIS_BASELINE_DAYS"])
    ratio = baseline / window
    findings: dict = {}
    for signal in SIGNALS:
        current = _by_scope(_counts(signal, now - window, now))
        candidates = {key: k for key, k in current.items() if k >= config["CRISIS_MIN_COUNT"]}
        if not candidates:
            continue
        history = _by_scope(_counts(signal, now - window - baseline, now - window))
        for key, k in candidates.items():
            expected = (history.get(key, 0) + 1) / ratio
            p_value = poisson_tail(k, expected)
            if p_value < config["CRISIS_P_VALUE"] and k >= config["CRISIS_MIN_RATIO"] * expected:
                finding = findings.setdefault(key, {"count": 0, "expected": expected, "p_value": p_value, "signals": []})
                finding["signals"].append(signal)
                if k > finding["count"]:
                    finding.update(count=k, expected=expected, p_value=min(p_value, finding["p_value"]))
    active = db.session.scalars(select(CrisisAlert).where(CrisisAlert.ended_at.is_(None))).all()
    created, notified = [], []
    order = {"post": 0, "channel": 1, "all": 2}
    for key in sorted(findings, key=lambda k: (order[k[0]], str(k[1]), str(k[2]))):
        finding = findings[key]
        related = [alert for alert in active if _related(alert, key)]
        if related:
            for alert in related:
                alert.last_seen_at = now
                alert.signals = sorted(set(alert.signals) | set(finding["signals"]))
            continue
        alert = CrisisAlert(scope=key[0], channel_id=key[1], post_external_id=key[2],
                            signals=sorted(finding["signals"]), window_start=now - window, window_end=now,
                            count=finding["count"], expected=round(finding["expected"], 4),
                            p_value=finding["p_value"], detected_at=now, last_seen_at=now)
        db.session.add(alert)
        db.session.flush()
        active.append(alert)
        created.append(alert)
        channel = db.session.get(Channel, key[1]) if key[1] else None
        notified += notifications.notify(
            notifications.supervisors(), "crisis", crisis_alert_id=alert.id, scope=key[0],
            channel_name=channel.name if channel else None, post=key[2], count=alert.count,
            expected=round(alert.expected, 1), signals=alert.signals, window_minutes=config["CRISIS_WINDOW_MINUTES"])
    quiet = now - timedelta(minutes=config["CRISIS_QUIET_MINUTES"])
    ended = 0
    for alert in active:
        if alert.last_seen_at < quiet:
            alert.ended_at = now
            ended += 1
    db.session.commit()
    notifications.publish_created(notified)  # the header counters update live
    return {"alerts": len(created), "ended": ended, "surging_scopes": len(findings)}


def active_alerts() -> list[CrisisAlert]:
    return db.session.scalars(select(CrisisAlert).where(CrisisAlert.ended_at.is_(None))
                              .order_by(CrisisAlert.detected_at.desc())).all()
