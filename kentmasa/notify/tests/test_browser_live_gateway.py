"""A live screen behind a proxy across a restart of the web server: while the server is away the proxy
answers the browser's reconnect with a 502, on which EventSource gives up for good. The page opens a new
stream once the server is back (it stops only when the stream itself refuses it: signed out)."""

import pytest

from kentmasa.notify.tests.test_browser_live import log_in, still_the_same_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_queue_whose_stream_got_a_bad_gateway_listens_again_when_the_server_is_back(
    asgi_server, new_live_page, make_case, operator, road_staff
):
    page = new_live_page()
    log_in(page, "road_staff", "/kuyruk/")
    gateway_answers: list[str] = []

    def bad_gateway(route) -> None:
        gateway_answers.append(route.request.url)
        route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")

    page.route("**/canli/**", bad_gateway)  # the proxy, while the web server is away
    asgi_server.stop()
    page.wait_for_function("() => document.body.dataset.liveState !== 'open'")
    during = make_case(actor=operator, subject="Sunucu kapalıyken")
    # EventSource reconnects after its retry delay; the proxy answers 502 and the browser gives up on it.
    for _tick in range(200):
        if gateway_answers:
            break
        page.wait_for_timeout(100)
    assert gateway_answers, "the browser did not reconnect through the proxy"
    asgi_server.start()
    page.unroute("**/canli/**")

    page.wait_for_selector(f"#case-{during.tracking_number}", timeout=30_000)
    assert page.evaluate("document.body.dataset.liveState") == "open"
    assert still_the_same_page(page)


def test_a_page_signed_out_meanwhile_stops_listening(asgi_server, new_live_page, road_staff):
    from django.contrib.sessions.models import Session

    page = new_live_page()
    log_in(page, "road_staff", "/kuyruk/")
    asks: list[int] = []
    page.on("response", lambda response: asks.append(response.status) if "/canli/" in response.url else None)
    Session.objects.all().delete()  # signed out (elsewhere, or the session expired)
    asgi_server.stop()  # the stream breaks; the browser reconnects, and is refused
    asgi_server.start()
    page.wait_for_selector("body[data-live-state=stopped]", state="attached", timeout=30_000)
    assert asks and all(status == 401 for status in asks)
    refused = len(asks)
    page.wait_for_timeout(6_000)  # longer than the page waits before it asks again
    assert len(asks) == refused  # and it asks no more
