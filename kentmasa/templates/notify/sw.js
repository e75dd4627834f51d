// kentmasa's one service worker, served at /sw.js with scope "/" (kentmasa.notify.push_views.service_worker;
// rendered as a template only for the hashed static URLs below). Never cached by HTTP: browsers see a new
// version at their next visit.
//
// Sections, each with its own listeners; a later feature (the field app's offline pages) adds its own
// section rather than changing these:
//   1. life cycle      a new version takes over at once
//   2. Web Push        show what kentmasa.notify.webpush sent: {title, body, url, tag, critical}
//   3. clicks          focus the tab that shows the notification's page, or open it
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
