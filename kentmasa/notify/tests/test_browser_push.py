"""Web Push in a real Chromium: the header button registers /sw.js, subscribes and tells the server; a push
to that user reaches the fake push service encrypted for the browser's keys, and the decrypted message,
handed to the real service worker, becomes a notification with the case's link.

Offline Chromium has no push service, so an init script stands in for PushManager.subscribe and
getSubscription: they give a subscription whose endpoint is the local fake push service and whose keys the
test made (the fake holds the private half, as a browser would). Everything else is the real thing.
"""

import json
import os
import re

import pytest

from kentmasa.notify.models import PushSubscription
from kentmasa.notify.tests.fake_push import FakePushService
from kentmasa.notify.webpush import new_key_pair, push_to_user

# Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "kentmasa-test-1"
PUBLIC, PRIVATE = new_key_pair()

# The browser's side of a push service: subscribe() remembers the subscription for the tab's session (so
# a reload finds it, as a real browser would) and what the page asked for.
STAND_IN = """
(() => {
  const given = %s;
  const KEY = "fake-push-subscription";
  function b64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
  }
  function unb64url(text) {
    const raw = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) %% 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0)).buffer;
  }
  function subscription(stored) {
    return {
      endpoint: given.endpoint,
      expirationTime: null,
      options: { userVisibleOnly: stored.userVisibleOnly, applicationServerKey: unb64url(stored.key) },
      getKey: (name) => unb64url(given.keys[name]),
      toJSON: () => JSON.parse(JSON.stringify(given)),
      unsubscribe: () => { sessionStorage.removeItem(KEY); return Promise.resolve(true); },
    };
  }
  PushManager.prototype.subscribe = function (options) {
    const stored = { key: b64url(options.applicationServerKey), userVisibleOnly: options.userVisibleOnly };
    sessionStorage.setItem(KEY, JSON.stringify(stored));
    return Promise.resolve(subscription(stored));
  };
  PushManager.prototype.getSubscription = function () {
    const stored = sessionStorage.getItem(KEY);
    return Promise.resolve(stored ? subscription(JSON.parse(stored)) : null);
  };
})();
"""


@pytest.fixture
def push_service(settings, live_server):
    settings.KENTMASA_VAPID_PUBLIC_KEY = PUBLIC
    settings.KENTMASA_VAPID_PRIVATE_KEY = PRIVATE
    settings.KENTMASA_VAPID_SUBJECT = "mailto:bilgi-islem@esenler.example"
    settings.KENTMASA_PUSH_ALLOW_HTTP_LOCAL = True
    settings.KENTMASA_PUBLIC_URL = live_server.url
    fake = FakePushService(vapid_public_key=PUBLIC).start()
    yield fake
    fake.stop()


def log_in(page, username: str) -> None:
    page.goto("/giris/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")


def registration_id(page, cdp, origin: str) -> str:
    """The service worker registration's id, as the DevTools protocol names it."""
    found = {}

    def updated(event):
        for registration in event["registrations"]:
            if registration["scopeURL"] == origin + "/" and not registration.get("isDeleted"):
                found["id"] = registration["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    for _ in range(50):  # the events arrive while Playwright waits
        if found:
            break
        page.wait_for_timeout(100)
    return found.get("id", "")


def test_the_header_button_subscribes_and_a_push_becomes_a_notification(
    new_page, live_server, push_service, road_staff, make_case
):
    browser_side = push_service.subscribe()
    page = new_page()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(STAND_IN % json.dumps(browser_side))
    log_in(page, "road_staff")
    page.wait_for_url(re.compile(r"/kuyruk/"))

    # 1. The button appears (the browser has a PushManager and the server a VAPID key) and subscribes.
    button = page.locator("#push-toggle")
    button.wait_for(state="visible")
    assert button.inner_text() == "Bildirimleri aç" and button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_selector("#push-toggle[aria-pressed=true]")
    assert button.inner_text() == "Bildirimleri kapat"

    subscription = PushSubscription.objects.get()
    assert subscription.user == road_staff and subscription.endpoint == browser_side["endpoint"]
    assert (subscription.p256dh, subscription.auth) == (
        browser_side["keys"]["p256dh"],
        browser_side["keys"]["auth"],
    )
    asked = json.loads(page.evaluate("sessionStorage.getItem('fake-push-subscription')"))
    assert asked == {"key": PUBLIC, "userVisibleOnly": True}  # the server's VAPID key, as bytes
    scope = page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r && r.scope)")
    assert scope == live_server.url + "/"

    # 2. A push to that user reaches the push service, encrypted for this browser's keys.
    case = make_case()
    link = f"/vaka/{case.tracking_number}/"
    payload = {"title": "Size bir başvuru atandı", "body": case.subject, "url": link, "tag": "n-1"}
    assert push_to_user(road_staff, payload) == 1
    [message] = push_service.messages()
    assert message == {**payload, "url": live_server.url + link, "critical": False}

    # 3. The push service hands it to the browser: the real service worker shows it.
    cdp = page.context.new_cdp_session(page)
    registration = registration_id(page, cdp, live_server.url)
    assert registration
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_server.url, "registrationId": registration, "data": json.dumps(message)},
    )
    # getNotifications() is a promise, which page.wait_for_function would not wait for: poll it here.
    shown: list = []
    for _ in range(100):
        shown = page.evaluate(
            """navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((list) =>
                 list.map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url})))"""
        )
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown == [
        {"title": payload["title"], "body": case.subject, "tag": "n-1", "url": live_server.url + link}
    ]

    # 4. After a reload the button knows this browser is subscribed; turning it off removes the row.
    page.reload()
    page.wait_for_selector("#push-toggle[aria-pressed=true]")
    button.click()
    page.wait_for_selector("#push-toggle[aria-pressed=false]")
    assert button.inner_text() == "Bildirimleri aç"
    assert not PushSubscription.objects.exists()


def test_signing_out_forgets_this_browser(new_page, live_server, push_service, road_staff):
    # On a shared call-centre computer the next person must not get the previous one's notifications.
    page = new_page()
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(STAND_IN % json.dumps(push_service.subscribe()))
    log_in(page, "road_staff")
    page.wait_for_url(re.compile(r"/kuyruk/"))
    page.locator("#push-toggle").click()
    page.wait_for_selector("#push-toggle[aria-pressed=true]")
    assert PushSubscription.objects.filter(user=road_staff).exists()

    page.click("#logout")
    page.wait_for_url(re.compile(r"/giris/"))
    assert not PushSubscription.objects.exists()
