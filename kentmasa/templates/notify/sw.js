// kentmasa's one service worker, served at /sw.js with scope "/" (kentmasa.notify.push_views.service_worker;
// rendered as a template only for the hashed static URLs below). Never cached by HTTP: browsers see a new
// version at their next visit.
//
// Sections, each with its own listeners; a later feature (the field app's offline pages) adds its own
// section rather than changing these:
//   1. life cycle      a new version takes over at once
//   2. Web Push        show what kentmasa.notify.webpush sent: {title, body, url, tag, critical}
//   3. clicks          focus the tab that shows the notification's page, or open it
//   4. field app       /saha/ offline: its shell and static files, the day's work orders and their photos
"use strict";

var ICON = {{ icon }};
var BADGE = {{ badge }};

// -- 1. life cycle --------------------------------------------------------------------------------------
self.addEventListener("install", function (event) {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// -- 2. Web Push ----------------------------------------------------------------------------------------
// A page of this site for a link: notifications open kentmasa's own pages only. The server writes links
// with KENTMASA_PUBLIC_URL, which may name another host for the same site; its path is taken here.
function sitePage(link) {
  var target;
  try {
    target = new URL(link || "/", self.location.origin);
  } catch (error) {
    target = new URL("/", self.location.origin);
  }
  if (target.origin !== self.location.origin) {
    target = new URL(target.pathname + target.search + target.hash, self.location.origin);
  }
  return target.href;
}

function readMessage(data) {
  if (!data) return {};
  try {
    var message = data.json();
    return message && typeof message === "object" ? message : {};
  } catch (error) {
    return { body: data.text() };
  }
}

self.addEventListener("push", function (event) {
  var message = readMessage(event.data);
  var options = {
    body: String(message.body || ""),
    icon: ICON,
    badge: BADGE,
    data: { url: sitePage(message.url), critical: !!message.critical },
    // Critical ones (second-level escalation, emergencies) stay on screen until dealt with.
    requireInteraction: !!message.critical
  };
  if (message.tag) {
    options.tag = String(message.tag);  // a newer notification about the same thing replaces the older
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(String(message.title || "kentmasa"), options));
});

// -- 3. clicks ------------------------------------------------------------------------------------------
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sitePage(event.notification.data && event.notification.data.url);
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow ? self.clients.openWindow(url) : undefined;
    })
  );
});

// -- 4. field app offline -------------------------------------------------------------------------------
// The field app (/saha/, kentmasa/field.js) works without signal. Its page puts the shell and its static
// files into the cache FIELD_CACHE when it opens (the same name is in field.js), and the day's photos after
// each list; here they are answered from it:
//   - the shell /saha/: from the cache when there, refreshed from the network behind it for the next
//     opening (so the app opens at once, also with a weak signal or an expired session: field.js then sends
//     the queue with its device key); from the network when there is no copy. The shell names its user, so
//     every sign-in and sign-out through this browser drops the copy (another person's shell is never
//     shown);
//   - the list /saha/api/isler/: network first (the copy refreshed on every good answer), the copy when the
//     network fails or has not answered in FIELD_PATIENCE_MS, marked "X-Field-Copy: 1" (field.js shows
//     its own copy from IndexedDB before either);
//   - the static files the shell names and the work orders' photos (/vaka/<no>/ek/<id>/): from the cache
//     when there (static names are hashed in production: a new version is a new name), else the network.
// Nothing else is answered here: a POST (the queue, photos, positions) always goes to the network untouched
// and is never cached, and another page's GET goes its usual way.
var FIELD_CACHE = "kentmasa-field-v1";
var FIELD_SHELL = "/saha/";
var FIELD_LIST = "/saha/api/isler/";
{% load static %}var FIELD_STATIC = [
  "{% static 'kentmasa/field.js' %}", "{% static 'kentmasa/field.css' %}",
  "{% static 'vendor/leaflet/leaflet.js' %}", "{% static 'vendor/leaflet/leaflet.css' %}",
  "{% static 'kentmasa/icons/icon-192.png' %}", "{% static 'kentmasa/push.js' %}"
];
var FIELD_PHOTO = /^\/vaka\/[^/]+\/ek\/\d+\/$/;
var FIELD_SIGN = ["{% url 'cases:login' %}", "{% url 'cases:logout' %}", "{% url 'admin:login' %}", "{% url 'admin:logout' %}"];
var FIELD_PATIENCE_MS = 4000;  // a network that has not answered by then ("lie-fi"): the copy is shown

// Everything else goes straight to the network without waking this worker, where the browser has static
// routes (Chromium's Service Worker Static Routing API); elsewhere the fetch handler below lets it pass.
self.addEventListener("install", function (event) {
  if (!event.addRoutes) return;
  // The worker's addresses: the app's, its files, the photos, and signing in and out (the shell's copy goes).
  var field = [FIELD_SHELL + "*", "/vaka/*/ek/*"].concat(FIELD_STATIC, FIELD_SIGN).map(function (path) {
    return { urlPattern: { pathname: path } };  // any query: the log-in's ?next=, the list's ?lat=
  });
  event.waitUntil(
    event.addRoutes([{ condition: { not: { or: field } }, source: "network" }]).catch(function () {})
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("kentmasa-field-") === 0 && name !== FIELD_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    })
  );
});

// A good answer (not a redirect to the log-in page, a 401 or an error) replaces the copy.
function fieldKeep(key, response) {
  if (response.ok && response.type === "basic" && !response.redirected) {
    var copy = response.clone();
    return caches.open(FIELD_CACHE).then(function (cache) { return cache.put(key, copy); });
  }
  return Promise.resolve();
}

function fieldCopy(key, mark) {
  return caches.open(FIELD_CACHE).then(function (cache) {
    return cache.match(key, { ignoreSearch: true });
  }).then(function (kept) {
    if (!kept || !mark) return kept;
    var headers = new Headers(kept.headers);
    headers.set("X-Field-Copy", "1");
    return kept.blob().then(function (body) {
      return new Response(body, { status: kept.status, statusText: kept.statusText, headers: headers });
    });
  });
}

function fieldShell(event) {
  var network = fetch(event.request).then(function (response) {
    return fieldKeep(FIELD_SHELL, response).then(function () { return response; });
  });
  event.waitUntil(network.catch(function () {}));  // the refresh finishes after the copy was shown
  return fieldCopy(FIELD_SHELL, false).then(function (kept) { return kept || network; });
}

function fieldNetworkFirst(request, key, mark) {
  var network = fetch(request).then(function (response) {
    return fieldKeep(key, response).then(function () { return response; });
  });
  var fallback = network.catch(function (error) {
    return fieldCopy(key, mark).then(function (kept) {
      if (!kept) throw error;
      return kept;
    });
  });
  var patience = new Promise(function (resolve) {
    setTimeout(function () {
      fieldCopy(key, mark).then(function (kept) { if (kept) resolve(kept); }, function () {});
    }, FIELD_PATIENCE_MS);
  });
  return Promise.race([fallback, patience]);
}

function fieldCacheFirst(request) {
  return caches.open(FIELD_CACHE).then(function (cache) {
    return cache.match(request).then(function (kept) { return kept || fetch(request); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // Signing in or out: the next shell must be the new user's (the POST itself goes on untouched).
    if (request.method === "POST" && FIELD_SIGN.indexOf(url.pathname) >= 0) {
      event.waitUntil(caches.open(FIELD_CACHE).then(function (cache) { return cache.delete(FIELD_SHELL); }));
    }
    return;
  }
  if (url.pathname === FIELD_SHELL) {
    event.respondWith(fieldShell(event));
  } else if (url.pathname === FIELD_LIST) {
    event.respondWith(fieldNetworkFirst(request, FIELD_LIST, true));
  } else if (FIELD_STATIC.indexOf(url.pathname) >= 0 ||
             (request.destination === "image" && FIELD_PHOTO.test(url.pathname))) {
    event.respondWith(fieldCacheFirst(request));
  }
});
