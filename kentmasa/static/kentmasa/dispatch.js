// kentmasa dispatch board (Haber Merkezi, /haber-merkezi/): the open incidents and the teams on a map, kept
// current without a reload.
//
// - The incident list is the server's fragment (/haber-merkezi/olaylar/), fetched again (at most once a
//   second) after an "alarm" event (kentmasa:alarm from live.js), a team's status change, a reset of the
//   stream, and a case event (live.js refreshes #board-case-tick, which this file watches). A card the operator
//   is working in (a field with the focus or changed, an open "Close" box) is kept as it is until they leave
//   it; the others are swapped, and those that changed are highlighted.
// - The teams come as JSON (/haber-merkezi/ekipler/) once, then each "team" event (kentmasa:team) moves its
//   marker and row; a team the board does not know yet makes it ask for the list again.
// - A team that did not acknowledge in time (change "dispatch_timeout") raises the board's alarm (a message
//   and a few beeps through alarm.js) and the list shows the next nearest team to send.
// - Countdowns and ages tick every second against the server's clock (data-now of the fragment).
// Names and labels from the server go into the page as text, never as HTML (the fragments are the server's
// own templates, parsed, with no script in them).
(function () {
  "use strict";

  var MIN_GAP_MS = 1000; // at most one incident list fetch per second
  var POSITION_REFRESH_MS = 10000; // moving teams change the nearest-team offers: not more often than this
  var RETRY_MS = 5000;
  var HIGHLIGHT_MS = 6000;
  var STATUS_COLOURS = { available: "#1e6b3a", en_route: "#b25e00", on_scene: "#2f5d8a", off_duty: "#6b7580" };

  function byId(id) { return document.getElementById(id); }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function init() {
    var board = byId("dispatch-board");
    if (!board) return;
    var config = JSON.parse(byId(board.dataset.config).textContent);
    var text = config.text;
    var offset = 0; // the server's clock minus this browser's
    var known = {}; // incident card id -> its server markup (normalised), to tell what changed
    var alarmed = {}; // incident ids whose team timed out, already announced
    var stopped = false;

    function now() { return Date.now() + offset; }

    function age(ms) {
      var seconds = Math.max(0, Math.floor(ms / 1000));
      if (seconds < 60) return fill(text.seconds, { s: seconds });
      var minutes = Math.floor(seconds / 60);
      if (minutes < 60) return fill(text.minutes, { m: minutes });
      return fill(text.hours, { h: Math.floor(minutes / 60), m: minutes % 60 });
    }

    function countdown(ms) {
      if (ms <= 0) return text.overdue;
      var seconds = Math.ceil(ms / 1000);
      var rest = seconds % 60;
      return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
    }

    function say(id, message) {
      var element = byId(id);
      if (!element) return;
      element.textContent = message || "";
      element.hidden = !message;
    }

    // -- the clock -------------------------------------------------------------------------------------------

    function tick() {
      var at = now();
      board.querySelectorAll("#board-incidents .age[data-since]").forEach(function (element) {
        element.textContent = age(at - Date.parse(element.dataset.since));
      });
      board.querySelectorAll("#board-incidents .countdown[data-due]").forEach(function (element) {
        var left = Date.parse(element.dataset.due) - at;
        element.textContent = countdown(left);
        element.classList.toggle("late", left <= 0);
      });
      board.querySelectorAll("#board-team-rows [data-at]").forEach(function (element) {
        element.textContent = element.dataset.at ? age(at - Date.parse(element.dataset.at)) : text.no_position;
      });
    }
    setInterval(tick, 1000);

    // -- the incident list -----------------------------------------------------------------------------------

    function normalised(card) {
      var copy = card.cloneNode(true);
      copy.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) { input.remove(); });
      // What changes by the clock alone is no change: ages, countdowns, how old a team's position is.
      copy.querySelectorAll(".age, .countdown, .offer-age").forEach(function (element) { element.textContent = ""; });
      copy.classList.remove("live-changed");
      return copy.outerHTML;
    }

    function fieldChanged(field) {
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
      if (field.tagName === "SELECT") {
        // A select none of whose options says "selected" starts on its first.
        var start = field.multiple ? -1 : 0;
        Array.prototype.forEach.call(field.options, function (option, index) {
          if (option.defaultSelected) start = index;
        });
        return field.selectedIndex !== start;
      }
      return field.value !== field.defaultValue;
    }

    // The operator is working in this card: typing, choosing, or with its "Close" box open.
    function working(card) {
      var active = document.activeElement;
      if (active && card.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) return true;
      if (card.querySelector("details[open]")) return true;
      return Array.prototype.some.call(card.querySelectorAll("input, select, textarea"), fieldChanged);
    }

    function highlight(element) {
      element.classList.remove("live-changed");
      void element.offsetWidth;
      element.classList.add("live-changed");
      setTimeout(function () { element.classList.remove("live-changed"); }, HIGHLIGHT_MS);
    }

    function remember(list) {
      list.querySelectorAll("li.incident[id]").forEach(function (card) { known[card.id] = normalised(card); });
      if (list.dataset.now) offset = Date.parse(list.dataset.now) - Date.now();
    }

    var keptCards = false;

    function swap(html) {
      var incoming = new DOMParser().parseFromString(html, "text/html").getElementById("board-incidents");
      var current = byId("board-incidents");
      if (!incoming || !current) return;
      var active = document.activeElement;
      var focusedId = active && current.contains(active) ? active.id : "";
      var focusedCard = active && current.contains(active) && active.closest ? active.closest("li.incident") : null;
      var keep = {};
      keptCards = false;
      current.querySelectorAll("li.incident[id]").forEach(function (card) {
        if (working(card)) keep[card.id] = card;
      });
      var fresh = document.importNode(incoming, true);
      var changed = [];
      var serverNow = Date.parse(fresh.dataset.now || "") || Date.now();
      offset = serverNow - Date.now();
      fresh.querySelectorAll("li.incident[id]").forEach(function (card) {
        var markup = normalised(card);
        if (keep[card.id]) {
          card.replaceWith(keep[card.id]);
          keptCards = keptCards || markup !== known[card.id];
          return; // its new version comes when the operator leaves it
        }
        if (known[card.id] !== undefined && known[card.id] !== markup) changed.push(card.id);
        if (known[card.id] === undefined && Object.keys(known).length) changed.push(card.id);
        known[card.id] = markup;
      });
      current.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      changed.forEach(function (id) { if (byId(id)) highlight(byId(id)); });
      if (focusedId && byId(focusedId)) {
        byId(focusedId).focus();
      } else if (focusedCard && byId(focusedCard.id)) {
        byId(focusedCard.id).focus(); // its button went (acknowledged, sent): the card keeps the focus
      }
      tick();
      drawIncidents();
      raiseAlarms();
    }

    var timer = null;
    var busy = false;
    var again = false;
    var lastFetch = 0;

    function refresh(delay) {
      if (stopped) return;
      var wait = Math.max(delay || 0, lastFetch + MIN_GAP_MS - Date.now(), 0);
      if (timer) {
        if (delay) return; // something sooner is planned already
        clearTimeout(timer);
      }
      timer = setTimeout(load, wait);
    }

    function load() {
      timer = null;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      lastFetch = Date.now();
      fetch(config.incidents_url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 403 || (response.redirected && new URL(response.url).pathname !== new URL(config.incidents_url, location.href).pathname)) {
            stopped = true; // signed out, or no longer an operator here
            return null;
          }
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          if (html !== null) {
            swap(html);
            if (byId("board-error").dataset.failed) say("board-error", "");
            delete byId("board-error").dataset.failed;
          }
        })
        .catch(function () {
          say("board-error", text.failed);
          byId("board-error").dataset.failed = "1";
          refresh(RETRY_MS);
        })
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    // A card kept while the operator worked in it catches up when they leave it.
    board.addEventListener("focusout", function () {
      setTimeout(function () { if (keptCards) refresh(); }, 0);
    });
    board.addEventListener("toggle", function (event) {
      if (event.target.tagName === "DETAILS" && !event.target.open && keptCards) refresh();
    }, true);

    // -- the board's alarm: a team did not acknowledge ----------------------------------------------------

    function raiseAlarms() {
      var cards = board.querySelectorAll("#board-incidents li.incident.alarm");
      var fresh = false;
      var now_ = {};
      cards.forEach(function (card) {
        now_[card.dataset.incident] = true;
        if (!alarmed[card.dataset.incident]) fresh = true;
      });
      alarmed = now_;
      var banner = byId("board-alarm");
      banner.textContent = cards.length ? text.timeout : "";
      banner.hidden = !cards.length;
      board.dataset.alarm = cards.length ? "on" : "off";
      if (fresh) document.dispatchEvent(new CustomEvent("kentmasa:beep", { detail: { times: 3 } }));
    }

    // -- actions -----------------------------------------------------------------------------------------------

    function csrf(form) {
      var input = form.querySelector("input[name=csrfmiddlewaretoken]");
      return input ? input.value : "";
    }

    board.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-board-action]");
      if (!form) return;
      event.preventDefault();
      if (form.dataset.busy) return;
      form.dataset.busy = "1";
      var card = form.closest("li.incident");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf(form) }
      })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            body.ok = response.ok && body.ok !== false;
            return body;
          });
        })
        .catch(function () { return { ok: false, message: text.failed }; })
        .then(function (result) {
          delete form.dataset.busy;
          if (button) button.disabled = false;
          if (result.ok) {
            say("board-error", "");
            say("board-done", result.message || text.done);
            var details = form.closest("details");
            if (details) {
              details.open = false; // the card is no longer worked in: it may be swapped
              form.reset();
            }
          } else {
            say("board-done", "");
            say("board-error", result.message || text.failed);
          }
          if (card && !document.activeElement.closest("li.incident") && byId(card.id)) byId(card.id).focus();
          lastFetch = 0;
          refresh();
        });
    });

    // -- the map -----------------------------------------------------------------------------------------------

    var map = null;
    var teamLayer = null;
    var incidentLayer = null;
    var teams = {}; // id -> {data, marker}
    var fitted = false;

    if (window.L) {
      map = L.map("board-map", { attributionControl: !!config.tiles, keyboard: false, minZoom: 5, maxZoom: 19 });
      // Shapes with tooltips would each be a Tab stop in Chromium: the keyboard has the lists instead.
      map.on("layeradd", function (event) {
        var element = event.layer.getElement && event.layer.getElement();
        if (element && event.layer instanceof L.Path) element.setAttribute("tabindex", "-1");
      });
      if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
      L.control.scale({ imperial: false }).addTo(map);
      map.setView(config.center || [39.0, 35.0], config.center ? 12 : 6);
      incidentLayer = L.layerGroup().addTo(map);
      teamLayer = L.layerGroup().addTo(map);
      // plates.js marks the plate alerts on the same map.
      board.leafletMap = map;
      document.dispatchEvent(new CustomEvent("kentmasa:board-map", { detail: { map: map } }));
    }

    function textNode(value) {
      var span = document.createElement("span");
      span.textContent = value;
      return span;
    }

    function teamTooltip(data) {
      var label = config.status_labels[data.status] || data.status;
      var line = data.name + " · " + label;
      if (data.position_at) line += " · " + fill(text.position_age, { age: age(now() - Date.parse(data.position_at)) });
      return textNode(line);
    }

    function placeTeam(entry) {
      var data = entry.data;
      var has = data.latitude !== null && data.longitude !== null;
      if (!map) return;
      if (!has) {
        if (entry.marker) { teamLayer.removeLayer(entry.marker); entry.marker = null; }
        return;
      }
      var colour = STATUS_COLOURS[data.status] || "#6b7580";
      if (!entry.marker) {
        entry.marker = L.circleMarker([data.latitude, data.longitude], {
          radius: 8, weight: 3, color: colour, fillColor: colour, fillOpacity: 0.85, className: "team-marker"
        }).addTo(teamLayer);
        entry.marker.bindTooltip(function () { return teamTooltip(entry.data); });
      } else {
        entry.marker.setLatLng([data.latitude, data.longitude]);
        entry.marker.setStyle({ color: colour, fillColor: colour });
      }
      var element = entry.marker.getElement && entry.marker.getElement();
      if (element) {
        element.setAttribute("data-team", data.id);
        element.setAttribute("data-status", data.status);
      }
    }

    function teamRow(data) {
      var row = document.createElement("tr");
      row.id = "team-row-" + data.id;
      row.dataset.status = data.status;
      var name = document.createElement("th");
      name.scope = "row";
      name.textContent = data.name;
      var status = document.createElement("td");
      var badge = textNode(config.status_labels[data.status] || data.status);
      badge.className = "status-badge team-" + data.status;
      status.appendChild(badge);
      var position = document.createElement("td");
      position.className = "position-age";
      position.dataset.at = data.latitude !== null && data.position_at ? data.position_at : "";
      position.textContent = position.dataset.at ? age(now() - Date.parse(position.dataset.at)) : text.no_position;
      row.appendChild(name);
      row.appendChild(status);
      row.appendChild(position);
      return row;
    }

    function showTeam(data) {
      var entry = teams[data.id] = teams[data.id] || { data: {}, marker: null };
      entry.data = Object.assign(entry.data, data);
      placeTeam(entry);
      var row = byId("team-row-" + data.id);
      var fresh = teamRow(entry.data);
      if (row) {
        var changed = row.dataset.status !== fresh.dataset.status;
        row.replaceWith(fresh);
        if (changed) highlight(fresh);
      }
      return entry;
    }

    function fitAll() {
      if (!map || fitted) return;
      var points = [];
      Object.keys(teams).forEach(function (id) {
        var data = teams[id].data;
        if (data.latitude !== null && data.longitude !== null) points.push([data.latitude, data.longitude]);
      });
      readPoints().forEach(function (point) { points.push([point.lat, point.lon]); });
      if (!points.length) return;
      fitted = true;
      map.fitBounds(points, { padding: [30, 30], maxZoom: 15 });
    }

    var teamsBusy = false;

    function loadTeams() {
      if (teamsBusy || stopped) return;
      teamsBusy = true;
      fetch(config.teams_url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.json();
        })
        .then(function (body) {
          offset = Date.parse(body.now) - Date.now();
          var rows = byId("board-team-rows");
          rows.textContent = "";
          var seen = {};
          body.teams.forEach(function (data) {
            seen[data.id] = true;
            var entry = showTeam(data);
            rows.appendChild(teamRow(entry.data));
          });
          Object.keys(teams).forEach(function (id) {
            if (seen[id]) return;
            if (teams[id].marker) teamLayer.removeLayer(teams[id].marker);
            delete teams[id];
          });
          board.dataset.teams = String(body.teams.length);
          fitAll();
        })
        .catch(function () {
          say("board-error", text.failed);
          setTimeout(loadTeams, RETRY_MS);
        })
        .then(function () { teamsBusy = false; });
    }

    function readPoints() {
      var source = byId("board-points");
      if (!source) return [];
      try { return JSON.parse(source.textContent) || []; } catch (error) { return []; }
    }

    function drawIncidents() {
      if (!map) return;
      incidentLayer.clearLayers();
      readPoints().forEach(function (point) {
        var marker = L.marker([point.lat, point.lon], {
          keyboard: false,
          icon: L.divIcon({
            className: "incident-marker " + (point.kades ? "incident-kades" : "incident-call") + (point.alarm ? " alarm" : ""),
            iconSize: [16, 16]
          })
        }).addTo(incidentLayer);
        marker.bindTooltip(textNode(point.label));
        marker.on("click", function () {
          var card = byId("incident-" + point.id);
          if (card) {
            card.scrollIntoView({ block: "nearest" });
            card.focus();
          }
        });
        var element = marker.getElement && marker.getElement();
        if (element) element.setAttribute("data-incident", point.id);
      });
      fitAll();
    }

    // -- what the stream says ------------------------------------------------------------------------------------

    document.addEventListener("kentmasa:alarm", function (event) {
      var data = event.detail || {};
      if (String(data.change || "").indexOf("plate_") === 0) return; // plate alerts: plates.js
      if (data.change === "dispatch_timeout") {
        say("board-alarm", text.timeout);
        document.dispatchEvent(new CustomEvent("kentmasa:beep", { detail: { times: 3 } }));
      }
      refresh();
    });

    document.addEventListener("kentmasa:team", function (event) {
      var data = event.detail || {};
      if (data.team === undefined || data.team === null) return;
      var entry = teams[data.team];
      if (!entry) {
        loadTeams(); // a team the board has not seen (new, or back from inactive)
        return;
      }
      var statusChanged = data.status && data.status !== entry.data.status;
      showTeam({
        id: data.team,
        status: data.status || entry.data.status,
        latitude: data.latitude === undefined ? entry.data.latitude : data.latitude,
        longitude: data.longitude === undefined ? entry.data.longitude : data.longitude,
        accuracy_m: data.accuracy_m === undefined ? entry.data.accuracy_m : data.accuracy_m,
        position_at: data.position_at === undefined ? entry.data.position_at : data.position_at,
        status_at: data.status_at === undefined ? entry.data.status_at : data.status_at
      });
      // Who is available, and how near, changes the offers.
      if (statusChanged) refresh();
      else if (board.querySelector("#board-incidents .offers")) refresh(POSITION_REFRESH_MS);
    });

    document.addEventListener("kentmasa:reset", function () {
      loadTeams();
      refresh();
    });

    document.addEventListener("kentmasa:board-changed", function () { refresh(); }); // an action in the alarm

    // A case event (a new 155 report, a comment): live.js refreshed the hidden tick.
    var tickElement = byId("board-case-tick");
    if (tickElement && window.MutationObserver) {
      new MutationObserver(function () { refresh(); }).observe(tickElement, {
        childList: true, characterData: true, subtree: true
      });
    }

    remember(byId("board-incidents"));
    raiseAlarms();
    tick();
    drawIncidents();
    loadTeams();
    board.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", init); // after leaflet.js, deferred as this file is
})();
