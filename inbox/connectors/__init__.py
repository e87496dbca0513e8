"""Channel connectors: one module per network behind one interface."""
from .base import Connector, DeliveryError, PermanentDeliveryError
from .generic import ApiConnector

CONNECTORS: dict[str, type[Connector]] = {"api": ApiConnector}


def connector_for(channel) -> Connector:
    try:
        return CONNECTORS[channel.kind](channel)
    except KeyError:
        raise PermanentDeliveryError(f"No connector for channel kind {channel.kind!r}") from None


__all__ = ["CONNECTORS", "Connector", "DeliveryError", "PermanentDeliveryError", "connector_for"]
