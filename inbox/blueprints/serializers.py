"""JSON shapes of the API."""


def _dt(value):
    return value.isoformat() if value else None


def message_json(message) -> dict:
    data = {
        "id": message.id, "external_id": message.external_id, "direction": message.direction,
        "text": message.body if message.visibility != "deleted" else None,
        "created_at": _dt(message.created_at), "visibility": message.visibility,
        "language": message.language,
    }
    if message.direction == "in":
        data.update(
            author={"name": message.author.display_name if message.author else None},
            classification={
                "status": message.classify_status, "sentiment": message.sentiment,
                "sentiment_score": message.sentiment_score, "urgency": message.urgency,
                "urgency_score": message.urgency_score, "flags": message.flags,
                "explanation": message.explanation or [], "model_version": message.model_version,
                "error": message.classify_error,
            },
        )
    else:
        data.update(delivery={"status": message.delivery_status, "error": message.delivery_error,
                              "delivered_at": _dt(message.delivered_at)},
                    user={"name": message.user.name if message.user else None})
    return data


def conversation_summary(conversation) -> dict:
    return {
        "id": conversation.id, "channel": {"id": conversation.channel_id, "name": conversation.channel.name,
                                            "kind": conversation.channel.kind},
        "kind": conversation.kind, "status": conversation.status, "urgency": conversation.urgency,
        "sentiment": conversation.sentiment, "flagged": conversation.flagged,
        "author": conversation.author.display_name if conversation.author else None,
        "assignee": conversation.assignee.name if conversation.assignee else None,
        "waiting_since": _dt(conversation.waiting_since), "opened_at": _dt(conversation.opened_at),
        "first_response_at": _dt(conversation.first_response_at),
        "resolved_at": _dt(conversation.resolved_at), "last_message_at": _dt(conversation.last_message_at),
        "excerpt": conversation.last_excerpt, "message_count": conversation.message_count,
    }


def conversation_detail(conversation, messages, earlier_before: str | None) -> dict:
    """A conversation with one page of its thread (oldest first) and the cursor of the page before."""
    data = conversation_summary(conversation)
    data["post"] = {"external_id": conversation.post_external_id, "text": conversation.post_text,
                    "url": conversation.post_url}
    data["messages"] = [message_json(m) for m in messages]
    data["earlier_before"] = earlier_before
    return data
