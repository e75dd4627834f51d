"""A live screen across a restart of the web server: the browser reconnects by itself with the last position
it saw, and what changed while the server was down reaches the page without a reload."""

import pytest

from kentmasa.notify.tests.test_browser_live import log_in, still_the_same_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_queue_open_across_a_server_restart_misses_nothing(
    asgi_server, new_live_page, make_case, operator, road_staff
):
    page = new_live_page()
    log_in(page, "road_staff", "/kuyruk/")
    before = make_case(actor=operator, subject="Yeniden başlatmadan önce")
    page.wait_for_selector(f"#case-{before.tracking_number}")

    asgi_server.stop()  # the stream breaks; the page stays as it is
    page.wait_for_function("() => document.body.dataset.liveState !== 'open'")
    during = make_case(actor=operator, subject="Sunucu kapalıyken")  # committed while nobody could be told
    asgi_server.start()

    # EventSource reconnects after its retry delay with Last-Event-ID: the missed case comes from the table.
    page.wait_for_selector(f"#case-{during.tracking_number}", timeout=20_000)
    assert still_the_same_page(page)
    assert page.locator(f"#case-{before.tracking_number}").count() == 1
