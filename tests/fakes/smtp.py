"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives; can refuse the next DATA."""
import socket
from email import message_from_bytes
from email.policy import default

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, owner):
        self.owner = owner

    async def handle_DATA(self, server, session, envelope):
        if self.owner.fail_next:
            self.owner.fail_next -= 1
            self.owner.refused += 1
            return self.owner.fail_reply
        self.owner.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                    "message": message_from_bytes(envelope.content, policy=default)})
        return "250 2.0.0 Message accepted for delivery"


class FakeSmtp:
    def __init__(self):
        self.received: list[dict] = []
        self.fail_next = 0
        self.refused = 0
        self.fail_reply = "451 4.3.0 Temporary failure, try again later"
        # aiosmtpd checks its own port after starting, so it needs a concrete one.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
