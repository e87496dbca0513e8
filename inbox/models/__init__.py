"""The data model, one module per concept."""
from .activity import MODERATION_REASONS, AuditEvent, ModerationAction, Note
from .alerting import NOTIFICATION_KINDS, CrisisAlert, Notification, Setting
from .author import Author
from .channel import CHANNEL_KINDS, Channel
from .conversation import SENTIMENTS, STATUSES, URGENCIES, URGENCY_RANK, Conversation, conversation_labels
from .message import FLAGS, Message
from .organisation import Label, Rule, SavedReply
from .response import (SLA_STATES, ConversationCycle, ConversationStatusStat, CycleFirstStat, CycleResolvedStat, MessageHourStat, ReplyEvent,
                       ReplyStat)
from .user import ROLES, TOKEN_SCOPES, ApiToken, User

__all__ = [
    "ApiToken", "AuditEvent", "Author", "CHANNEL_KINDS", "Channel", "Conversation", "ConversationCycle",
    "ConversationStatusStat", "CrisisAlert", "CycleFirstStat", "CycleResolvedStat", "MessageHourStat", "ReplyStat", "NOTIFICATION_KINDS", "Notification", "ReplyEvent", "SLA_STATES", "Setting", "FLAGS", "Label",
    "MODERATION_REASONS", "Message", "ModerationAction", "Note", "ROLES", "Rule", "SENTIMENTS",
    "STATUSES", "SavedReply", "TOKEN_SCOPES", "URGENCIES", "URGENCY_RANK", "User", "conversation_labels",
]
