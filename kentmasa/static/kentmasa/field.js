// kentmasa field app (/saha/, kentmasa.field.app_views): today's work orders on a field team's phone, with and
// without signal.
//
// The page is a shell the service worker keeps (notify/sw.js, section 4); this script fills it from
// /saha/api/isler/ (network first, the worker's copy and then the phone's own copy in IndexedDB when there is
// no signal). Everything the team does — set out, arrived, photos, notes, completed… — is first written to
// the phone's queue (IndexedDB "kentmasa-field", store "queue") with an id made here (crypto.randomUUID), then
// sent in order: on opening, on the browser's "online" event, after each new entry and every half minute
// while something waits (Background Sync is not relied on). The server keeps every id it applied, so a resend
// is answered from its ledger and never applied twice. What the server could not apply (the case moved to
// another unit meanwhile, a bad input) is kept in the store "problems" and shown until the user has seen it;
// it is never dropped. A device token, asked for once after sign-in, sends the queue when the session has
// expired (the server answers 401).
//
// Photos: the EXIF GPS position and time are read from the original here (a small reader of the JPEG's APP1
// segment), then the photo is redrawn on a canvas (long edge data-long-edge px, JPEG data-quality), which
// drops the EXIF; the position travels as data (from the photo, else the phone's at capture).
//
// Texts come from the JSON block #field-texts, in the page's language; everything from the server or the
// citizen goes into the page as text nodes. Plain script, no build step.
(function () {
  "use strict";

  var root = document.getElementById("field-app");
  if (!root || !window.fetch || !window.indexedDB || !window.Promise) return;

  var D = root.dataset;
  var T = JSON.parse(document.getElementById("field-texts").textContent);
  var USER = String(D.user);
  var EVERY_MS = (parseInt(D.every, 10) || 30) * 1000;
  var LONG_EDGE = parseInt(D.longEdge, 10) || 1600;
  var QUALITY = parseFloat(D.quality) || 0.8;
  var CACHE = "kentmasa-field-v1";  // the service worker's cache of the shell (notify/sw.js, section 4)
  var BATCH = 50;  // actions per request, the API's limit
  var RETRY_MS = 30000;
  var OPEN = ["assigned", "en_route", "on_site"];
  // What a queued action does to its work order's status on the phone until the server has it.
  var EFFECT = { set_out: "en_route", arrived: "on_site", done: "done", failed: "failed", other_team: "other_team" };

  function byId(id) { return document.getElementById(id); }

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // The CSRF token: the cookie's (the shell may be an older copy from the worker's cache), else the page's.
  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : D.csrf;
  }

  // -- IndexedDB -------------------------------------------------------------------------------------------

  var dbPromise = null;

  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open("kentmasa-field", 1);
        request.onupgradeneeded = function () {
          var base = request.result;
          base.createObjectStore("queue", { keyPath: "id" }).createIndex("user", "user");
          base.createObjectStore("problems", { keyPath: "id" }).createIndex("user", "user");
          base.createObjectStore("state", { keyPath: "key" });
          base.createObjectStore("photos", { keyPath: "id" });  // the resized JPEGs, apart from the queue
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function store(name, mode, work) {
    return db().then(function (base) {
      return new Promise(function (resolve, reject) {
        var transaction = base.transaction(name, mode);
        var result;
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = transaction.onabort = function () { reject(transaction.error); };
        var request = work(transaction.objectStore(name));
        if (request) request.onsuccess = function () { result = request.result; };
      });
    });
  }

  function put(name, value) { return store(name, "readwrite", function (s) { return s.put(value); }); }
  function get(name, key) { return store(name, "readonly", function (s) { return s.get(key); }); }
  function remove(name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); }
  function allOf(name, user) {
    return store(name, "readonly", function (s) {
      return user === undefined ? s.getAll() : s.index("user").getAll(user);
    }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // -- formatting ----------------------------------------------------------------------------------------

  var dateParts = new Intl.DateTimeFormat("tr-TR", {
    timeZone: D.timeZone || undefined, day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23"
  });
  var kilometres = new Intl.NumberFormat(document.documentElement.lang || "tr", { maximumFractionDigits: 1 });

  // dd.mm.yyyy HH:MM in the site's time zone.
  function dateText(value) {
    var date = new Date(value);
    if (!value || isNaN(date.getTime())) return "";
    var p = {};
    dateParts.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    return p.day + "." + p.month + "." + p.year + " " + p.hour + ":" + p.minute;
  }

  function distanceText(metres) {
    if (metres === null || metres === undefined || isNaN(metres)) return "";
    if (metres < 1000) return fill(T.m, { m: Math.max(10, Math.round(metres / 10) * 10) });
    return fill(T.km, { km: kilometres.format(metres / 1000) });
  }

  // The straight-line (great-circle) distance in metres.
  function haversine(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371000 * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function number(value) {
    var n = typeof value === "number" ? value : parseFloat(value);
    return isFinite(n) ? n : null;
  }

  function nameOf(value) {
    if (value === null || value === undefined) return "";
    if (typeof value === "object") return value.name || value.plate || value.text || "";
    return String(value);
  }

  // -- state -----------------------------------------------------------------------------------------------

  var orders = [];  // the last list the server gave (or the phone's copy of it)
  var loaded = false;
  var listAt = null;  // when the server gave it (its server_time)
  var fromCopy = false;
  var teams = [];  // my field teams with their status, when the API says
  var duty = null;  // true / false / null (unknown)
  var position = null;  // {latitude, longitude, accuracy, at}
  var queued = [];  // this user's queue
  var problems = [];
  var online = navigator.onLine !== false;
  var signedOut = false;
  var deviceMode = false;  // the session answered 401: the queue goes with the device token

  function say(message) { byId("field-message").textContent = message || ""; }

  function showNet() {
    var net = byId("field-net");
    net.textContent = online ? T.online : T.offline;
    net.className = "field-net " + (online ? "on" : "off");
    root.dataset.online = online ? "yes" : "no";
  }

  function setOnline(yes) {
    if (online === yes) return;
    online = yes;
    showNet();
  }

  function showNavNote(message) {
    var note = byId("field-nav-note");
    if (!note) return;
    note.textContent = message || "";
    note.hidden = !message;
  }

  function showSignedOut(message) {
    var box = byId("field-signed-out");
    box.hidden = !message;
    box.firstElementChild.textContent = message || "";
  }

  // -- the list and the map ----------------------------------------------------------------------------------

  function orderById(id) {
    for (var i = 0; i < orders.length; i++) if (String(orders[i].id) === String(id)) return orders[i];
    return null;
  }

  function pendingOf(order) {
    return queued.filter(function (item) { return String(item.work_order) === String(order.id); });
  }

  function statusOf(order) {
    var status = order.status;
    pendingOf(order).forEach(function (item) {
      if (item.type === "action" && EFFECT[item.action.kind]) status = EFFECT[item.action.kind];
    });
    return status;
  }

  function place(order) {
    var c = order.case || {};
    var lat = number(c.latitude), lon = number(c.longitude);
    return lat === null || lon === null ? null : [lat, lon];
  }

  function distanceOf(order) {
    var at = place(order);
    if (at && position) return haversine(position.latitude, position.longitude, at[0], at[1]);
    return number(order.distance_m);
  }

  function sorted(list) {
    var indexed = list.map(function (order, i) { return { order: order, i: i, d: distanceOf(order) }; });
    indexed.sort(function (a, b) {
      if (a.d !== null && b.d !== null && a.d !== b.d) return a.d - b.d;
      if (a.d !== null && b.d === null) return -1;
      if (a.d === null && b.d !== null) return 1;
      return a.i - b.i;  // the server's order (priority, deadline)
    });
    return indexed.map(function (entry) { return entry.order; });
  }

  function titleOf(order) {
    var c = order.case || {};
    return c.title || c.summary || c.subject || c.category || "";
  }

  function isLate(order) {
    var due = order.case && order.case.due_at;
    return !!due && Date.parse(due) < Date.now() && OPEN.indexOf(statusOf(order)) >= 0;
  }

  function meta(order) {
    var parts = [];
    var due = order.case && order.case.due_at;
    if (due) parts.push(fill(T.due, { date: dateText(due) }) + (isLate(order) ? " (" + T.late + ")" : ""));
    var distance = distanceText(distanceOf(order));
    if (distance) parts.push(distance);
    parts.push(T.statuses[statusOf(order)] || statusOf(order));
    return parts.join(" · ");
  }

  function orderItem(order, index) {
    var c = order.case || {};
    var item = node("li", "field-order prio-" + order.priority + (isLate(order) ? " late" : ""));
    item.dataset.id = order.id;
    var link = node("a");
    link.href = "#is/" + order.id;
    link.id = "order-" + order.id;
    var top = node("span", "field-prio");
    if (index) top.appendChild(node("span", "field-index", index));  // its number on the map
    top.appendChild(document.createTextNode(T.priorities[String(order.priority)] || ""));
    link.appendChild(top);
    link.appendChild(node("strong", "field-number", c.number || ""));
    link.appendChild(node("span", "field-title", titleOf(order)));
    var where = [c.address, c.mahalle].filter(Boolean).join(" · ");
    if (where) link.appendChild(node("span", "field-place", where));
    link.appendChild(node("span", "field-meta", meta(order)));
    if (pendingOf(order).length) link.appendChild(node("span", "field-pending", T.pending));
    item.appendChild(link);
    return item;
  }

  function renderList() {
    var open = [], done = [];
    sorted(orders).forEach(function (order) {
      (OPEN.indexOf(statusOf(order)) >= 0 ? open : done).push(order);
    });
    var list = byId("field-orders");
    list.textContent = "";
    open.forEach(function (order, i) { list.appendChild(orderItem(order, i + 1)); });
    var reported = byId("field-reported-list");
    reported.textContent = "";
    done.forEach(function (order) { reported.appendChild(orderItem(order)); });
    byId("field-reported").hidden = !done.length;
    byId("field-empty").hidden = open.length > 0 || !loaded;
    var updated = listAt ? fill(T.updated, { date: dateText(listAt) }) : "";
    byId("field-updated").textContent = updated + (fromCopy && updated ? " — " + T.from_copy : "");
    drawMap(open);
    if (D.state !== "ready") D.state = "ready";
  }

  var map = null, layer = null;

  function drawMap(open) {
    var element = byId("field-map");
    var points = open.filter(place);
    element.hidden = !window.L || (!points.length && !position);
    if (element.hidden || byId("field-list-view").hidden) return;
    if (!map) {
      map = L.map(element, { zoomControl: true, attributionControl: !!D.tiles, keyboard: false });
      if (D.tiles) L.tileLayer(D.tiles, { maxZoom: 19 }).addTo(map);
      else element.classList.add("no-tiles");
      L.control.scale({ imperial: false }).addTo(map);
      layer = L.layerGroup().addTo(map);
    }
    map.invalidateSize();
    layer.clearLayers();
    var bounds = [];
    points.forEach(function (order) {
      var at = place(order);
      // The number the list shows beside the work order (the open ones, nearest first).
      var label = node("span", null, String(open.indexOf(order) + 1));
      L.circleMarker(at, { radius: 11, weight: 2, color: "#fff", fillColor: order.priority >= 3 ? "#b3261e" : "#2f5d8a", fillOpacity: 0.95 })
        .bindTooltip(label, { permanent: true, direction: "center", className: "field-pin" })
        .on("click", function () { window.location.hash = "is/" + order.id; })
        .addTo(layer);
      bounds.push(at);
    });
    if (position) {
      var me = [position.latitude, position.longitude];
      L.circleMarker(me, { radius: 7, weight: 3, color: "#1b7f3b", fillOpacity: 0.9 })
        .bindTooltip(node("span", null, T.here)).addTo(layer);
      bounds.push(me);
    }
    if (bounds.length === 1) map.setView(bounds[0], 15);
    else if (bounds.length) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    element.dataset.points = String(points.length);
  }

  // -- one work order ------------------------------------------------------------------------------------------

  function section(parent, title) {
    var box = node("section", "field-section");
    if (title) box.appendChild(node("h3", null, title));
    parent.appendChild(box);
    return box;
  }

  function button(id, text, className) {
    var element = node("button", "field-button" + (className ? " " + className : ""), text);
    element.type = "button";
    element.id = id;
    return element;
  }

  function photoInput(order, phase) {
    var label = node("label", "field-button photo", phase === "before" ? T.before_photo : T.after_photo);
    label.htmlFor = "photo-" + phase;
    var input = node("input");
    input.type = "file";
    input.accept = "image/*";
    input.setAttribute("capture", "environment");
    input.multiple = true;
    input.id = "photo-" + phase;
    input.className = "visually-hidden";
    input.dataset.phase = phase;
    input.dataset.order = order.id;
    var box = node("span", "field-photo-input");
    box.appendChild(label);
    box.appendChild(input);
    return box;
  }

  function thumbs(order, phase) {
    var list = node("ul", "field-thumbs");
    list.id = "thumbs-" + phase;
    (order.photos || []).forEach(function (photo) {
      if ((photo.phase || "citizen") !== phase) return;
      var item = node("li");
      var image = node("img");
      image.src = photo.url;
      image.alt = photo.taken_at ? dateText(photo.taken_at) : "";
      image.loading = "lazy";
      item.appendChild(image);
      list.appendChild(item);
    });
    pendingOf(order).forEach(function (entry) {
      if (entry.type !== "photo" || entry.phase !== phase) return;
      var item = node("li", "pending");
      var image = node("img");
      image.src = entry.thumb;
      image.alt = T.pending;
      item.appendChild(image);
      var where = entry.source === "photo" ? T.photo_from_photo : (entry.latitude !== "" ? T.photo_from_phone : T.photo_no_place);
      item.appendChild(node("span", null, dateText(entry.taken_at) + " · " + where));
      list.appendChild(item);
    });
    return list;
  }

  function renderOrder(id) {
    var box = byId("field-order");
    box.textContent = "";
    var order = orderById(id);
    if (!order) {
      box.appendChild(node("p", "field-warning", T.not_found));
      return;
    }
    var c = order.case || {};
    var status = statusOf(order);
    var open = OPEN.indexOf(status) >= 0;
    box.dataset.id = order.id;

    var head = node("header", "field-order-head prio-" + order.priority);
    head.appendChild(node("h2", null, fill(T.work_order, { number: c.number || order.id })));
    head.appendChild(node("p", "field-title", titleOf(order)));
    var line = node("p", "field-meta");
    line.id = "order-meta";
    line.appendChild(node("span", "field-prio", T.priorities[String(order.priority)] || ""));
    line.appendChild(document.createTextNode(" " + meta(order)));
    head.appendChild(line);
    if (pendingOf(order).length) head.appendChild(node("p", "field-pending", T.pending));
    box.appendChild(head);

    var where = section(box);
    where.appendChild(node("p", "field-place", [c.address, c.mahalle].filter(Boolean).join(" · ")));
    var links = node("p", "field-links");
    var at = place(order);
    if (at) {
      var geo = node("a", "field-button", T.navigate);
      geo.id = "order-navigate";
      geo.href = "geo:" + at[0] + "," + at[1] + "?q=" + at[0] + "," + at[1] + "(" + encodeURIComponent(c.number || "") + ")";
      links.appendChild(geo);
    }
    if (c.phone) {
      var tel = node("a", "field-button", fill(T.call, { name: c.citizen || T.citizen }));
      tel.id = "order-call";
      tel.href = "tel:" + String(c.phone).replace(/[^0-9+]/g, "");
      tel.dataset.order = order.id;
      links.appendChild(tel);
    }
    if (order.inspection_url) {
      // The inspection report's page (/saha/tutanak/<case>/): a network page, stopped offline (data-network).
      var report = node("a", "field-button", T.write_report);
      report.id = "order-report";
      report.href = order.inspection_url;
      report.dataset.network = "";
      links.appendChild(report);
    }
    where.appendChild(links);
    var team = [nameOf(order.team), order.assignee ? fill(T.assignee, { name: nameOf(order.assignee) }) : T.whole_team];
    where.appendChild(node("p", "field-team", team.filter(Boolean).join(" · ")));

    if (order.instructions) {
      section(box, T.instructions).appendChild(node("p", "field-instructions", order.instructions));
    }
    if ((order.machines || []).length) {
      var machines = node("ul");
      order.machines.forEach(function (m) { machines.appendChild(node("li", null, nameOf(m))); });
      section(box, T.machines).appendChild(machines);
    }
    if ((order.photos || []).some(function (p) { return !p.phase || p.phase === "citizen"; })) {
      section(box, T.citizen_photos).appendChild(thumbs(order, "citizen"));
    }

    var steps = section(box);
    steps.className += " field-steps";
    if (status === "assigned") steps.appendChild(button("act-set_out", T.set_out, "primary"));
    if (status === "assigned" || status === "en_route") steps.appendChild(button("act-arrived", T.arrived, "primary"));
    if (!open) steps.appendChild(node("p", "field-reported-note", T.reported));

    ["before", "after"].forEach(function (phase) {
      var photos = section(box, phase === "before" ? T.before : T.after);
      photos.appendChild(thumbs(order, phase));
      if (open) photos.appendChild(photoInput(order, phase));
    });

    if (open) {
      var note = section(box, T.note);
      var text = node("textarea");
      text.id = "note-text";
      text.rows = 3;
      text.maxLength = 2000;
      text.setAttribute("aria-label", T.note);
      note.appendChild(text);
      note.appendChild(button("act-note", T.save_note));

      var finish = node("details", "field-finish");
      finish.id = "finish";
      finish.appendChild(node("summary", null, T.finish));
      var explanation = node("label", null, T.explanation);
      var report = node("textarea");
      report.id = "finish-text";
      report.rows = 3;
      report.maxLength = 4000;
      explanation.appendChild(report);
      finish.appendChild(explanation);
      finish.appendChild(button("act-done", T.done, "primary"));
      var reasonLabel = node("label", null, T.reason);
      var reason = node("select");
      reason.id = "finish-reason";
      reason.appendChild(node("option", null, "—")).value = "";
      (order.failure_reasons || []).forEach(function (r) {
        var option = node("option", null, r.text);
        option.value = r.id;
        reason.appendChild(option);
      });
      reasonLabel.appendChild(reason);
      finish.appendChild(reasonLabel);
      finish.appendChild(button("act-failed", T.failed));
      finish.appendChild(button("act-other_team", T.other_team));
      box.appendChild(finish);
    }
  }

  function route() {
    var match = /^#is\/(\d+)$/.exec(window.location.hash);
    byId("field-order-view").hidden = !match;
    byId("field-list-view").hidden = !!match;
    if (match) {
      renderOrder(match[1]);
      window.scrollTo(0, 0);
    } else {
      renderList();
    }
  }

  function rerender() {
    var match = /^#is\/(\d+)$/.exec(window.location.hash);
    if (match) {
      // Keep what is being typed.
      var typed = {};
      ["note-text", "finish-text", "finish-reason"].forEach(function (id) { if (byId(id)) typed[id] = byId(id).value; });
      var finishOpen = byId("finish") && byId("finish").open;
      var focused = document.activeElement && document.activeElement.id;
      renderOrder(match[1]);
      Object.keys(typed).forEach(function (id) { if (byId(id)) byId(id).value = typed[id]; });
      if (finishOpen && byId("finish")) byId("finish").open = true;
      if (focused && byId(focused)) byId(focused).focus();
    } else {
      renderList();
    }
  }

  // -- the outbox and the problems ---------------------------------------------------------------------------

  function labelOf(item) {
    var order = orderById(item.work_order);
    var known = order && order.case && order.case.number ? order.case.number : item.number;
    var number = known ? known + " · " : "";
    if (item.type === "photo") return number + T.kind_photo + " (" + (item.phase === "before" ? T.before : T.after) + ")";
    var kind = item.action.kind;
    var names = { set_out: T.set_out, arrived: T.arrived, note: T.kind_note, call: T.kind_call, done: T.done,
                  failed: T.failed, other_team: T.other_team };
    return number + (names[kind] || kind);
  }

  function renderOutbox() {
    var list = byId("field-queue");
    list.textContent = "";
    queued.forEach(function (item) {
      var entry = node("li", null, labelOf(item) + " · " + dateText(item.created));
      entry.dataset.id = item.id;
      list.appendChild(entry);
    });
    byId("field-waiting").textContent = queued.length ? fill(T.waiting, { count: queued.length }) : T.all_sent;
    byId("field-outbox").classList.toggle("waiting", queued.length > 0);
    byId("field-send").hidden = !queued.length;
    D.queue = String(queued.length);
  }

  function renderProblems() {
    var fresh = problems.filter(function (p) { return !p.seen; });
    var seen = problems.filter(function (p) { return p.seen; });
    byId("field-problems").hidden = !problems.length;
    [["field-problem-list", fresh], ["field-problem-earlier", seen]].forEach(function (pair) {
      var list = byId(pair[0]);
      list.textContent = "";
      pair[1].forEach(function (problem) {
        var entry = node("li", "field-problem " + problem.outcome);
        entry.dataset.id = problem.id;
        entry.appendChild(node("strong", null, problem.label));
        entry.appendChild(node("span", null, " · " + dateText(problem.at)));
        entry.appendChild(node("p", null, problem.message));
        if (!problem.seen) {
          var ok = button("seen-" + problem.id, T.seen, "small");
          ok.dataset.seen = problem.id;
          entry.appendChild(ok);
        }
        if (problem.item) {
          var again = button("again-" + problem.id, T.again, "small");
          again.dataset.again = problem.id;
          entry.appendChild(again);
        }
        list.appendChild(entry);
      });
    });
    byId("field-problems-earlier").hidden = !seen.length;
    D.problems = String(fresh.length);
  }

  function reloadQueue() {
    return Promise.all([allOf("queue", USER), allOf("problems", USER)]).then(function (found) {
      queued = found[0];
      problems = found[1];
      renderOutbox();
      renderProblems();
      rerender();
    });
  }

  var seq = 0;

  function enqueue(item) {
    var order = orderById(item.work_order);
    if (order && order.case && !item.number) item.number = order.case.number;  // for the lists, if it goes
    item.user = USER;
    item.seq = Date.now() * 1000 + (seq++ % 1000);
    item.created = new Date().toISOString();
    return put("queue", item).then(reloadQueue).then(function () {
      say(T.queued);
      flush();
    });
  }

  function queueAction(order, kind, extra) {
    var action = { id: uuid(), kind: kind, work_order: order.id, at: new Date().toISOString() };
    Object.keys(extra || {}).forEach(function (key) { action[key] = extra[key]; });
    return enqueue({ id: action.id, type: "action", work_order: order.id, action: action });
  }

  // -- sending ---------------------------------------------------------------------------------------------

  function device(user) {
    return get("state", "device:" + user).then(function (found) { return found && found.token; });
  }

  // One request for ``who``'s queue. The signed-in user's goes with the session (and the CSRF token) until the
  // session answers 401, then with the device key and no cookies; another user of this phone (signed out
  // here) only with that user's own device key. Resolves {status, data}; rejects without a connection.
  function send(url, body, json, who) {
    var mine = who === USER;
    function go(token) {
      var headers = {};
      if (json) headers["Content-Type"] = "application/json";
      if (token) headers.Authorization = "Device " + token;
      else headers["X-CSRFToken"] = csrf();
      return fetch(url, {
        method: "POST", body: body, headers: headers, credentials: token ? "omit" : "same-origin", cache: "no-store"
      }).then(function (response) {
        setOnline(true);
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (error) { data = null; }
          return { status: response.status, data: data };
        });
      }, function (error) {
        setOnline(false);
        throw error;
      });
    }
    if (!mine) {
      return device(who).then(function (token) {
        return token ? go(token) : { status: 401, data: null };
      });
    }
    var attempt = deviceMode ? device(USER).then(function (token) { return go(token || null); }) : go(null);
    return attempt.then(function (answer) {
      if (answer.status !== 401 || deviceMode) return answer;
      return device(USER).then(function (token) {
        if (!token) return answer;
        deviceMode = true;
        return go(token);
      });
    });
  }

  function keepProblem(item, outcome, message) {
    var problem = {
      id: item.id, user: item.user, label: labelOf(item), work_order: item.work_order, outcome: outcome,
      message: message || "", at: new Date().toISOString(), seen: false, seq: item.seq, item: item
    };
    return put("problems", problem).then(function () { return remove("queue", item.id); });
  }

  function settle(item, answer) {
    // No answer, or the server could not record it now ("error"): it stays in the queue for the next try.
    if (!answer || !answer.outcome || answer.outcome === "error") return Promise.resolve(false);
    if (answer.outcome === "applied") {
      return remove("queue", item.id).then(function () {
        return item.type === "photo" ? remove("photos", item.id) : null;
      }).then(function () { return true; });
    }
    return keepProblem(item, answer.outcome, answer.message).then(function () { return true; });
  }

  // What one answer means for the loop: true to go on, false to stop (kept for later).
  function handle(items, answer, who) {
    if (answer.status === 401) {
      if (who !== USER) return Promise.resolve(false);  // that user sends it after signing in again
      signedOut = true;
      return device(USER).then(function (token) {
        // A refused device key: the server says why (revoked, or not valid); else the session is gone.
        var refused = deviceMode && answer.data && answer.data.message;
        showSignedOut(refused || (token ? T.signed_out : T.no_device));
        return false;
      });
    }
    if (answer.status >= 500 || answer.status === 429 || answer.status === 408 || !answer.data) {
      if (who === USER) say(T.server_error);
      return Promise.resolve(false);
    }
    if (answer.status === 200 && Array.isArray(answer.data.results)) {
      var byAction = {};
      answer.data.results.forEach(function (r) { if (r && r.id) byAction[r.id] = r; });
      return items.reduce(function (chain, item) {
        return chain.then(function (going) {
          return going ? settle(item, byAction[item.id]) : false;
        });
      }, Promise.resolve(true));
    }
    if (answer.status === 200 && answer.data.outcome) return settle(items[0], answer.data);
    // The request as a whole was refused (4xx): each item is kept as a problem with the server's words.
    var message = answer.data.message || answer.data.detail || ("HTTP " + answer.status);
    return items.reduce(function (chain, item) {
      return chain.then(function () { return keepProblem(item, "refused", message); });
    }, Promise.resolve()).then(function () { return true; });
  }

  function sendPhoto(item) {
    return get("photos", item.id).then(function (kept) {
      if (!kept) return keepProblem(item, "refused", T.photo_unreadable).then(function () { return true; });
      var form = new FormData();
      form.append("id", item.id);
      form.append("work_order", item.work_order);
      form.append("phase", item.phase);
      form.append("taken_at", item.taken_at);
      form.append("latitude", item.latitude);
      form.append("longitude", item.longitude);
      form.append("source", item.source);
      form.append("file", new Blob([kept.bytes], { type: "image/jpeg" }), "foto-" + item.id + ".jpg");
      return send(D.urlPhoto, form, false, item.user).then(function (answer) { return handle([item], answer, item.user); });
    });
  }

  function sendActions(items) {
    var who = items[0].user;
    var body = JSON.stringify({ actions: items.map(function (item) { return item.action; }) });
    return send(D.urlActions, body, true, who).then(function (answer) { return handle(items, answer, who); });
  }

  // ``who``'s queue, oldest first: photos one by one, runs of actions up to BATCH at a time, until it is
  // empty or something stops it (no connection, the server, signed out). Resolves whether anything went.
  function sendNext(who, sent) {
    return allOf("queue", who).then(function (items) {
      if (who === USER) { queued = items; renderOutbox(); }
      if (!items.length) return sent;
      var request;
      if (items[0].type === "photo") {
        request = sendPhoto(items[0]);
      } else {
        var batch = [];
        for (var i = 0; i < items.length && items[i].type === "action" && batch.length < BATCH; i++) batch.push(items[i]);
        request = sendActions(batch);
      }
      return request.then(function (going) { return going ? sendNext(who, true) : sent; });
    });
  }

  // What other users of this phone left waiting (a shared team phone): sent with their own device keys.
  function sendOthers() {
    return allOf("queue").then(function (items) {
      var others = [];
      items.forEach(function (item) { if (item.user !== USER && others.indexOf(item.user) < 0) others.push(item.user); });
      return others.reduce(function (chain, who) {
        return chain.then(function () { return sendNext(who, false); });
      }, Promise.resolve());
    });
  }

  var flushing = null;

  function flush() {
    if (flushing) return flushing;
    root.dataset.sending = "yes";
    var sent = false;
    flushing = sendNext(USER, false).then(function (went) {
      sent = went;
      return sendOthers();
    }).catch(function () {
      say(T.kept);
    }).then(function () {
      flushing = null;
      root.dataset.sending = "no";
      return reloadQueue().then(function () {
        if (!queued.length && sent) say(T.all_sent);
        if (sent && !signedOut) loadList();
      });
    });
    return flushing;
  }

  // -- the day's list ------------------------------------------------------------------------------------------

  function useList(data, copy) {
    orders = Array.isArray(data.work_orders) ? data.work_orders : (Array.isArray(data.results) ? data.results : []);
    listAt = data.server_time || null;
    fromCopy = copy;
    loaded = true;
    D.loaded = copy ? "copy" : "network";
    // When the day's work was first on the screen, in ms from the start of the page's load (bench/field.py).
    if (!D.usableMs && window.performance) D.usableMs = String(Math.round(performance.now()));
    if (Array.isArray(data.teams)) {
      teams = data.teams;
      duty = teams.some(function (t) { return t.on_duty !== undefined ? !!t.on_duty : t.status !== "off_duty"; });
    }
    if (data.position_every) EVERY_MS = Math.max(10, parseInt(data.position_every, 10) || 30) * 1000;
    showDuty();
    rerender();
  }

  function loadList() {
    var url = D.urlList;
    if (position) url += "?lat=" + position.latitude.toFixed(6) + "&lng=" + position.longitude.toFixed(6);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      setOnline(!response.headers.get("X-Field-Copy"));
      if (response.status === 401) {
        signedOut = true;
        return device(USER).then(function (token) {
          showSignedOut(token ? T.signed_out : T.no_device);
          if (token) { deviceMode = true; flush(); }
          return fromPhone();
        });
      }
      if (!response.ok) {
        // Online, but refused (no longer in a field team) or the server failed: its words, and the copy.
        return response.json().catch(function () { return {}; }).then(function (data) {
          say((data && data.message) || T.server_error);
          return fromPhone();
        });
      }
      return response.json().then(function (data) {
        var copy = !!response.headers.get("X-Field-Copy");
        if (!copy) {
          signedOut = false;
          deviceMode = false;
          showSignedOut("");
          put("state", { key: "orders:" + USER, data: data });
          keepPhotos(data);
          askDevice();
        }
        useList(data, copy);
      });
    }).catch(function () {
      setOnline(false);
      return fromPhone();
    });
  }

  function fromPhone() {
    return get("state", "orders:" + USER).then(function (found) {
      if (found && found.data) useList(found.data, true);
      else rerender();
    });
  }

  // The photos of the day's work orders, kept in the worker's cache for the basement.
  function keepPhotos(data) {
    if (!window.caches) return;
    var wanted = {};
    (data.work_orders || []).forEach(function (order) {
      (order.photos || []).forEach(function (photo) {
        if (photo.url) wanted[new URL(photo.url, window.location.href).href] = true;
      });
    });
    caches.open(CACHE).then(function (cache) {
      return cache.keys().then(function (keys) {
        var have = {};
        keys.forEach(function (request) {
          if (request.url.indexOf("/ek/") < 0) return;
          if (wanted[request.url]) have[request.url] = true;
          else cache.delete(request);
        });
        return Promise.all(Object.keys(wanted).filter(function (url) { return !have[url]; }).slice(0, 100).map(function (url) {
          return cache.add(url).catch(function () {});
        }));
      });
    }).catch(function () {});
  }

  // A device token, once per user and phone, while the session is good.
  function askDevice() {
    device(USER).then(function (token) {
      if (token) return;
      var label = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform || "";
      return fetch(D.urlDevice, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ label: ("kentmasa Saha " + label).trim().slice(0, 200) })
      }).then(function (response) {
        if (!response.ok) return;
        return response.json().then(function (data) {
          if (data && data.token) {
            return put("state", { key: "device:" + USER, token: data.token, id: data.id || null, at: new Date().toISOString() });
          }
        });
      }).then(function () { root.dataset.device = "yes"; });
    }).catch(function () {});
  }

  // -- position and duty -----------------------------------------------------------------------------------

  // The phone's position, at most ``maxAge`` ms old (0: a new reading).
  function locate(maxAge) {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) { reject(new Error(T.position_unsupported)); return; }
      navigator.geolocation.getCurrentPosition(function (found) {
        resolve({
          latitude: found.coords.latitude, longitude: found.coords.longitude,
          accuracy: Math.round(found.coords.accuracy || 0), at: new Date(found.timestamp || Date.now()).toISOString()
        });
      }, function (error) {
        reject(new Error(error && error.code === 1 ? T.position_denied : T.position_unsupported));
      }, { enableHighAccuracy: true, maximumAge: maxAge, timeout: 15000 });
    });
  }

  function round6(value) { return Math.round(value * 1e6) / 1e6; }

  function showDuty() {
    var toggle = byId("field-duty");
    var state = byId("field-duty-state");
    var names = teams.map(function (t) { return t.name; }).join(", ");
    if (names) state.textContent = names + (duty === null ? "" : " · " + (duty ? T.on_duty : T.off_duty));
    toggle.hidden = false;
    toggle.textContent = duty ? T.end_duty : T.start_duty;
    toggle.dataset.duty = duty ? "on" : "off";
    state.className = "field-duty " + (duty ? "on" : "off");
  }

  function sendPosition() {
    if (!position || duty === false || !online) return;
    send(D.urlPosition, JSON.stringify({
      latitude: round6(position.latitude), longitude: round6(position.longitude), accuracy: position.accuracy
    }), true, USER).then(function (answer) {
      if (answer.status === 409) { duty = false; showDuty(); }
      else if (answer.status < 300) { duty = true; showDuty(); root.dataset.positionSent = position.at; }
    }).catch(function () {});
  }

  function positionTick() {
    return locate(Math.min(EVERY_MS / 2, 30000)).then(function (found) {
      position = found;
      if (byId("field-order-view").hidden) renderList();
      else if (byId("order-meta") && orderById(byId("field-order").dataset.id)) {
        byId("order-meta").lastChild.textContent = " " + meta(orderById(byId("field-order").dataset.id));
      }
      sendPosition();
    }, function (error) {
      if (!position) say(error.message);
    });
  }

  function toggleDuty() {
    var wanted = duty ? "off_duty" : "on_duty";
    send(D.urlDuty, JSON.stringify({ status: wanted }), true, USER).then(function (answer) {
      if (answer.status >= 300) { say((answer.data && answer.data.message) || T.server_error); return; }
      duty = wanted === "on_duty";
      var changed = answer.data && answer.data.team;
      teams.forEach(function (t) {
        if (!changed || t.id === changed.id) { t.status = changed ? changed.status : t.status; t.on_duty = duty; }
      });
      showDuty();
      if (duty) positionTick();
    }, function () { say(T.duty_needs_network); });
  }

  // -- photos ------------------------------------------------------------------------------------------------

  // The position and time in a JPEG's EXIF (APP1) segment: {latitude, longitude, taken, offset}, any of
  // them missing when the photo does not say. Reads within the segment only; anything odd gives {}.
  function readExif(buffer) {
    try {
      var view = new DataView(buffer);
      if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) return {};
      var offset = 2;
      while (offset + 4 <= view.byteLength) {
        var marker = view.getUint16(offset);
        if ((marker & 0xFF00) !== 0xFF00 || marker === 0xFFDA || marker === 0xFFD9) return {};
        var size = view.getUint16(offset + 2);
        if (size < 2) return {};
        if (marker === 0xFFE1 && size >= 16 && view.getUint32(offset + 4) === 0x45786966 && view.getUint16(offset + 8) === 0) {
          return readTiff(view, offset + 10, Math.min(offset + 2 + size, view.byteLength));
        }
        offset += 2 + size;
      }
    } catch (error) { /* a broken file: no EXIF */ }
    return {};
  }

  function readTiff(view, start, end) {
    var order = view.getUint16(start);
    if (order !== 0x4949 && order !== 0x4D4D) return {};
    var little = order === 0x4949;
    function check(at, size) { if (at < start || at + size > end) throw new RangeError("outside the segment"); return at; }
    function u16(at) { return view.getUint16(check(at, 2), little); }
    function u32(at) { return view.getUint32(check(at, 4), little); }
    if (u16(start + 2) !== 42) return {};
    function entries(ifd) {
      var at = start + ifd;
      var count = u16(at);
      if (count > 400) return {};
      var found = {};
      for (var i = 0; i < count; i++) {
        var entry = at + 2 + i * 12;
        found[u16(entry)] = { type: u16(entry + 2), count: u32(entry + 4), at: entry + 8 };
      }
      return found;
    }
    function where(entry, size) { return entry.count * size > 4 ? start + u32(entry.at) : entry.at; }
    function ascii(entry) {
      if (!entry || entry.type !== 2) return "";
      var at = where(entry, 1);
      var text = "";
      for (var i = 0; i < Math.min(entry.count, 64); i++) {
        var code = view.getUint8(check(at + i, 1));
        if (!code) break;
        text += String.fromCharCode(code);
      }
      return text.trim();
    }
    function degrees(entry) {
      if (!entry || entry.type !== 5 || entry.count < 3) return null;
      var at = where(entry, 8);
      var parts = [];
      for (var i = 0; i < 3; i++) {
        var denominator = u32(at + i * 8 + 4);
        if (!denominator) return null;
        parts.push(u32(at + i * 8) / denominator);
      }
      return parts[0] + parts[1] / 60 + parts[2] / 3600;
    }
    var first = entries(u32(start + 4));
    var exif = first[0x8769] ? entries(u32(first[0x8769].at)) : {};
    var gps = first[0x8825] ? entries(u32(first[0x8825].at)) : {};
    var result = { taken: ascii(exif[0x9003]) || ascii(first[0x0132]), offset: ascii(exif[0x9011]) };
    var lat = degrees(gps[2]), lon = degrees(gps[4]);
    if (lat !== null && lon !== null) {
      if (ascii(gps[1]).toUpperCase() === "S") lat = -lat;
      if (ascii(gps[3]).toUpperCase() === "W") lon = -lon;
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && (lat || lon)) {
        result.latitude = round6(lat);
        result.longitude = round6(lon);
      }
    }
    return result;
  }

  // EXIF's "2025:06:01 10:20:30" (+ "+03:00" when the camera wrote its offset, else the phone's zone) as
  // ISO 8601; null when it is not a plausible time.
  function exifTime(taken, offset) {
    var m = /^(\d{4}):(\d{2}):(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(taken || "");
    if (!m) return null;
    var date = /^[+-]\d{2}:\d{2}$/.test(offset || "")
      ? new Date(m[1] + "-" + m[2] + "-" + m[3] + "T" + m[4] + ":" + m[5] + ":" + m[6] + offset)
      : new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    var time = date.getTime();
    if (isNaN(time) || date.getFullYear() < 2000 || time > Date.now() + 86400000) return null;
    return date.toISOString();
  }

  function canvasBlob(canvas) {
    return new Promise(function (resolve, reject) {
      canvas.toBlob(function (blob) { if (blob) resolve(blob); else reject(new Error("toBlob")); }, "image/jpeg", QUALITY);
    });
  }

  // The photo redrawn with its long edge at most LONG_EDGE (the canvas keeps no EXIF), and a small preview.
  function shrink(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONG_EDGE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      var context = canvas.getContext("2d");
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      var small = document.createElement("canvas");
      var thumbScale = 160 / Math.max(canvas.width, canvas.height);
      small.width = Math.max(1, Math.round(canvas.width * thumbScale));
      small.height = Math.max(1, Math.round(canvas.height * thumbScale));
      small.getContext("2d").drawImage(canvas, 0, 0, small.width, small.height);
      if (bitmap.close) bitmap.close();
      return canvasBlob(canvas).then(function (blob) {
        return blob.arrayBuffer().then(function (bytes) {
          return { bytes: bytes, thumb: small.toDataURL("image/jpeg", 0.7), width: canvas.width, height: canvas.height };
        });
      });
    });
  }

  function takePhotos(input) {
    var order = orderById(input.dataset.order);
    var files = Array.prototype.slice.call(input.files || []);
    var phase = input.dataset.phase;
    if (!order || !files.length) return;
    var here = locate(10000).catch(function () { return null; });  // the phone's position at capture
    var made = 0;
    files.reduce(function (chain, file) {
      return chain.then(function () {
        return file.arrayBuffer().then(function (original) {
          var exif = readExif(original);
          return Promise.all([shrink(file), exif.latitude === undefined ? here : null]).then(function (done) {
            var phone = done[1];
            var fromPhoto = exif.latitude !== undefined;
            var item = {
              id: uuid(), type: "photo", work_order: order.id, phase: phase,
              taken_at: exifTime(exif.taken, exif.offset) || new Date().toISOString(),
              latitude: fromPhoto ? exif.latitude : (phone ? round6(phone.latitude) : ""),
              longitude: fromPhoto ? exif.longitude : (phone ? round6(phone.longitude) : ""),
              source: fromPhoto ? "photo" : "phone",
              size: done[0].bytes.byteLength, original_size: file.size,
              width: done[0].width, height: done[0].height, thumb: done[0].thumb
            };
            made += 1;
            return put("photos", { id: item.id, bytes: done[0].bytes }).then(function () { return enqueue(item); });
          });
        }).catch(function () { say(T.photo_unreadable); });
      });
    }, Promise.resolve()).then(function () {
      input.value = "";
      if (made) say(fill(T.photo_queued, { count: made }));
    });
  }

  // -- events ----------------------------------------------------------------------------------------------

  document.addEventListener("click", function (event) {
    var target = event.target.closest("button, a");
    if (!target) return;
    if (target.hasAttribute("data-network")) {
      // The menu's pages and the report are not kept for offline use: without a connection the app says so
      // instead of leaving for the browser's own error page.
      if (!online || navigator.onLine === false) {
        event.preventDefault();
        showNavNote(T.needs_network);
        var menu = byId("field-menu");
        if (menu) menu.open = false;
      }
      return;
    }
    showNavNote("");
    if (target.id === "field-send") { flush(); return; }
    if (target.id === "field-duty") { toggleDuty(); return; }
    if (target.id === "field-back") { event.preventDefault(); window.location.hash = ""; return; }
    if (target.dataset.again) {
      var failed = problems.filter(function (p) { return p.id === target.dataset.again; })[0];
      if (failed) {
        remove("problems", failed.id).then(function () { return enqueue(failed.item); });
      }
      return;
    }
    if (target.dataset.seen) {
      var problem = problems.filter(function (p) { return p.id === target.dataset.seen; })[0];
      if (problem) { problem.seen = true; put("problems", problem).then(reloadQueue); }
      return;
    }
    if (target.id === "order-call") {
      // The call itself goes on (tel:); the timeline hears of it through the queue.
      var called = orderById(target.dataset.order);
      if (called) queueAction(called, "call", {});
      return;
    }
    var act = /^act-(\w+)$/.exec(target.id);
    if (!act) return;
    var order = orderById(byId("field-order").dataset.id);
    if (!order) return;
    var kind = act[1];
    if (kind === "set_out") {
      queueAction(order, "set_out", {});
    } else if (kind === "arrived") {
      target.disabled = true;
      locate(0).then(function (found) {
        position = found;
        return { latitude: round6(found.latitude), longitude: round6(found.longitude), accuracy: found.accuracy };
      }, function (error) { say(error.message); return {}; }).then(function (where) {
        queueAction(order, "arrived", where);
      });
    } else if (kind === "note") {
      var note = byId("note-text").value.trim();
      if (!note) { say(T.write_note); return; }
      queueAction(order, "note", { text: note }).then(function () { if (byId("note-text")) byId("note-text").value = ""; });
    } else if (kind === "done" || kind === "other_team" || kind === "failed") {
      var extra = { text: byId("finish-text").value.trim() };
      if (kind === "other_team" && !extra.text) { say(T.other_team_text); byId("finish-text").focus(); return; }
      if (kind === "failed") {
        var reason = byId("finish-reason").value;
        if (!reason) { say(T.choose_reason); byId("finish-reason").focus(); return; }
        extra.reason = parseInt(reason, 10);
      }
      queueAction(order, kind, extra);
    }
  });

  // The shell may be an older copy: the sign-out form takes the CSRF token of the cookie.
  document.addEventListener("submit", function (event) {
    var token = event.target.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) token.value = csrf();
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=file][data-phase]")) takePhotos(event.target);
  });

  window.addEventListener("hashchange", route);
  window.addEventListener("online", function () { setOnline(true); showNavNote(""); flush().then(loadList); });
  window.addEventListener("offline", function () { setOnline(false); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flush();
  });
  setInterval(function () { if (queued.length) flush(); }, RETRY_MS);
  (function every() {
    setTimeout(function () { positionTick().then(every, every); }, EVERY_MS);
  })();

  // -- the service worker: the shell and the static files kept for offline use -----------------------------

  function keepShell() {
    if (!("serviceWorker" in navigator) || !window.caches) return;
    // Was this page answered by the worker (which then keeps the shell itself)? Asked before it may claim it.
    var answeredByWorker = !!navigator.serviceWorker.controller;
    // Registered once (push.js may have done it too); the browser checks it for updates by itself.
    var registered = answeredByWorker ? Promise.resolve() :
      navigator.serviceWorker.register(D.worker, { scope: "/" });
    registered.then(function () {
      return navigator.serviceWorker.ready;
    }).then(function () {
      return caches.open(CACHE);
    }).then(function (cache) {
      var assets = (D.assets || "").split(" ").filter(Boolean);
      // What the cache lacks; the shell too unless the worker answered this page (it keeps the shell then).
      var wanted = answeredByWorker ? assets : [window.location.pathname].concat(assets);
      return Promise.all(wanted.map(function (url) {
        return cache.match(url).then(function (kept) { return kept || cache.add(url); });
      })).then(function () {
        return cache.keys();
      }).then(function (keys) {
        // An earlier version's static files (hashed names) are not needed any more.
        return Promise.all(keys.filter(function (request) {
          var path = new URL(request.url).pathname;
          return path.indexOf("/static/") === 0 && assets.indexOf(path) < 0;
        }).map(function (request) { return cache.delete(request); }));
      });
    }).then(function () {
      D.offlineReady = "yes";
    }).catch(function () {});
  }

  // -- start ---------------------------------------------------------------------------------------------

  showNet();
  showDuty();
  route();
  reloadQueue().then(function () {
    return fromPhone();  // at once, before the network answers
  }).then(function () {
    return locate(30000).then(function (found) { position = found; }, function () {});
  }).then(function () {
    flush();
    return loadList();
  }).then(function () {
    sendPosition();
    // After the day's list is on the screen: on a slow network the worker and the offline copy of the files
    // must not compete with it.
    keepShell();
  });
})();
