// The header's "Bildirimleri aç / kapat" button (kentmasa/templates/notify/push_button.html): registers the
// site's service worker (/sw.js), subscribes this browser to Web Push with the server's VAPID public key and
// tells kentmasa (POST /bildirimler/push/abone/), or unsubscribes it (…/iptal/). Texts come from the
// button's data attributes, in the page's language. The button stays hidden where there is no Web Push.
(function () {
  "use strict";

  var button = document.getElementById("push-toggle");
  if (!button || !button.dataset.key) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) return;

  var data = button.dataset;
  var status = document.getElementById("push-status");
  var SYNCED = "kentmasa-push-synced";  // sessionStorage: which user and endpoint the server last heard of

  // The applicationServerKey: base64url text → the bytes PushManager.subscribe wants.
  function keyBytes(text) {
    var base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription) {
    var key = subscription.options && subscription.options.applicationServerKey;
    if (!key) return true;  // browsers that do not say: assume it is ours
    var given = new Uint8Array(key);
    var ours = keyBytes(data.key);
    if (given.length !== ours.length) return false;
    for (var i = 0; i < ours.length; i++) if (given[i] !== ours[i]) return false;
    return true;
  }

  function tell(url, subscription) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": data.csrf },
      body: JSON.stringify(subscription.toJSON())
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function show(on, message) {
    button.dataset.state = on ? "on" : "off";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? data.textOff : data.textOn;
    button.hidden = false;
    button.disabled = false;
    if (status) status.textContent = message || "";
  }

  function synced(subscription) {
    return data.user + " " + subscription.endpoint;
  }

  function turnOn(registration) {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") return show(false, data.textDenied);
      return registration.pushManager.getSubscription()
        .then(function (old) { return old ? old.unsubscribe() : null; })  // made with another key, perhaps
        .then(function () {
          return registration.pushManager.subscribe({
            userVisibleOnly: true,
            applicationServerKey: keyBytes(data.key)
          });
        })
        .then(function (subscription) {
          return tell(data.subscribe, subscription).then(function () {
            window.sessionStorage.setItem(SYNCED, synced(subscription));
            show(true);
          });
        });
    });
  }

  function turnOff(registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      if (!subscription) return show(false);
      // The browser forgets it first; should the server not hear of it, its next push finds it gone (410).
      return subscription.unsubscribe().then(function () {
        window.sessionStorage.removeItem(SYNCED);
        return tell(data.unsubscribe, subscription).catch(function () {});
      }).then(function () { show(false); });
    });
  }

  navigator.serviceWorker.register(data.worker, { scope: "/" })
    .then(function () { return navigator.serviceWorker.ready; })
    .then(function (registration) {
      return registration.pushManager.getSubscription().then(function (subscription) {
        var on = !!subscription && sameKey(subscription) && Notification.permission === "granted";
        // Once per browser session, tell the server about the subscription this browser has: it may have
        // been renewed by the browser, or made while another member of staff was signed in here.
        if (on && window.sessionStorage.getItem(SYNCED) !== synced(subscription)) {
          tell(data.subscribe, subscription).then(function () {
            window.sessionStorage.setItem(SYNCED, synced(subscription));
          }).catch(function () {});
        }
        show(on);
        // Signing out forgets this browser first: on a shared call-centre computer the next person must not
        // get the previous one's notifications. Never holds the sign-out up for more than three seconds.
        var logout = document.getElementById("logout");
        if (logout && logout.form) {
          logout.form.addEventListener("submit", function (event) {
            if (button.dataset.state !== "on") return;
            event.preventDefault();
            var form = logout.form;
            var wait = new Promise(function (resolve) { window.setTimeout(resolve, 3000); });
            Promise.race([turnOff(registration).catch(function () {}), wait]).then(function () {
              form.submit();
            });
          });
        }
        button.addEventListener("click", function () {
          var wasOn = button.dataset.state === "on";
          button.disabled = true;
          (wasOn ? turnOff(registration) : turnOn(registration)).catch(function () {
            show(wasOn, data.textFailed);
          });
        });
      });
    })
    .catch(function () { /* no service worker here (e.g. not a secure context): the button stays hidden */ });
})();
