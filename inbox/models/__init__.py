"""The data model, one module per concept."""
from .activity import MODERATION_ACTIONS, MODERATION_REASONS, AuditEvent, ModerationAction, Note
from .alerting import NOTIFICATION_KINDS, CrisisAlert, Notification, Setting
from .author import Author
from .channel import CHANNEL_KINDS, Channel
from .correction import CORRECTABLE_FIELDS, ClassificationCorrection
from .conversation import SENTIMENTS, STATUSES, URGENCIES, URGENCY_RANK, Conversation, conversation_labels
from .message import FLAGS, Message
from .organisation import Label, Rule, RuleApplication, SavedReply
from .response import (SLA_STATES, ConversationCycle, ConversationStatusStat, CycleFirstStat, CycleResolvedStat,
                       MessageHourStat, ReplyEvent, ReplyStat)
from .user import ROLES, TOKEN_SCOPES, ApiToken, User

__all__ = [
    "ApiToken", "AuditEvent", "Author", "CHANNEL_KINDS", "CORRECTABLE_FIELDS", "Channel",
    "ClassificationCorrection", "Conversation", "ConversationCycle", "ConversationStatusStat", "CrisisAlert",
    "CycleFirstStat", "CycleResolvedStat", "FLAGS", "Label",
    "MODERATION_ACTIONS", "MODERATION_REASONS", "Message", "MessageHourStat", "ModerationAction",
    "NOTIFICATION_KINDS", "Note", "Notification", "ROLES", "ReplyEvent", "ReplyStat", "Rule", "RuleApplication",
    "SENTIMENTS", "SLA_STATES", "STATUSES", "SavedReply", "Setting", "TOKEN_SCOPES", "URGENCIES",
    "URGENCY_RANK", "User", "conversation_labels",
]
