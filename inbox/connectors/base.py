"""The interface every network connector implements."""


class DeliveryError(Exception):
    """The network refused or did not answer; worth retrying."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (bad configuration, rejected content)."""


class Connector:
    kind = ""
    supports_moderation = False

    def __init__(self, channel):
        self.channel = channel

    def send_reply(self, conversation, reply, in_reply_to) -> str | None:
        """Post `reply` on the network; return the id the network gave it. Raise DeliveryError."""
        raise NotImplementedError

    def hide(self, message, hidden: bool) -> None:
        raise PermanentDeliveryError(f"{self.kind} does not support hiding messages")

    def delete(self, message) -> None:
        raise PermanentDeliveryError(f"{self.kind} does not support deleting messages")
