"""`parvis screenshots` saves a PNG of each main page."""
from workers.screenshots import PAGES, PHONE_PAGES, screenshots_with
from tests.e2e.inbox_helpers import new_conversation


def test_screenshots_of_the_main_pages(app, factory, live_server, browser, tmp_path):
    channel = factory.channel(name="Facebook · Mairie")
    supervisor = factory.user(role="supervisor", email="sophie@parvis.example")
    new_conversation(app, factory, channel, "Le parc est-il ouvert dimanche ?")
    written = screenshots_with(browser, live_server.url, supervisor.email, "correct horse battery", tmp_path)
    assert sorted(p.name for p in written) == sorted(f"{n}.png" for n, *_ in PAGES + PHONE_PAGES)
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
