"""The guarded SMTP, IMAP and HTTP clients of services/outbound.py, in plain and TLS variants:
refused before any connection to a loopback name, and reaching the server when allowed."""
import pytest

from inbox.services import outbound
from tests.security.test_outbound_guard import Listener


@pytest.mark.parametrize("client", ["smtp_ssl", "smtp_starttls", "imap_tls", "imap_plain", "http", "https"])
def test_guarded_clients_refuse_before_connecting_and_reach_the_server_when_allowed(client):
    with Listener() as listener:
        def open_client(allow):
            if client == "smtp_ssl":
                return outbound.smtp_client("localhost", listener.port, implicit_tls=True, timeout=2, allow=allow)
            if client == "smtp_starttls":
                return outbound.smtp_client("localhost", listener.port, timeout=2, allow=allow)
            if client.startswith("imap"):
                return outbound.imap_client("localhost", listener.port, use_ssl=client == "imap_tls", timeout=2,
                                            allow=allow)
            scheme = client
            return outbound.http_session(allow).get(f"{scheme}://localhost:{listener.port}/", timeout=2)

        with pytest.raises(Exception) as refused:
            open_client(False)
        assert outbound.find_refusal(refused.value) is not None
        assert listener.accepted == 0
        with pytest.raises(Exception) as reached:  # the listener hangs up at once
            open_client(True)
        assert outbound.find_refusal(reached.value) is None
        assert listener.accepted >= 1
