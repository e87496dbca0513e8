"""Channel connectors: one module per network behind one interface (see base.Connector)."""
from .base import (Connector, DeliveryError, InboundEvent, InvalidPayload, PermanentDeliveryError, PollResult,
                   RateLimited)
from .email import EmailConnector
from .form import FormConnector
from .generic import ApiConnector
from .mastodon import MastodonConnector
from .meta import FacebookConnector, InstagramConnector
from .youtube import YouTubeConnector

CONNECTORS: dict[str, type[Connector]] = {
    c.kind: c for c in (ApiConnector, FacebookConnector, InstagramConnector, MastodonConnector,
                        YouTubeConnector, EmailConnector, FormConnector)
}


def connector_for(channel) -> Connector:
    try:
        return CONNECTORS[channel.kind](channel)
    except KeyError:
        raise PermanentDeliveryError(f"No connector for channel kind {channel.kind!r}") from None


__all__ = ["CONNECTORS", "Connector", "DeliveryError", "InboundEvent", "InvalidPayload", "PermanentDeliveryError",
           "PollResult", "RateLimited", "connector_for"]
