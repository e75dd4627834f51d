// kentmasa plate alerts on the dispatch board (Haber Merkezi, /haber-merkezi/): the "Plate alerts" panel,
// kept current without a reload, and each alert's last read on the board's map.
//
// - The panel is the server's fragment (/haber-merkezi/plaka/panel/, kentmasa.emergency.pts_views), fetched
//   again (at most once a second) after a live "alarm" event whose change starts with "plate_" (a new alert,
//   a new read of it, a team saw it, acknowledged, closed: kentmasa:alarm from live.js) and after a reset of
//   the stream. A card the operator works in (a field with the focus or changed, an open "Close" box) is kept
//   until they leave it; the others are swapped, and those that changed are highlighted.
// - A new alert, or a new read of an open one, is announced: a banner (role=alert) naming the plate, its
//   reason and the camera, and a rising three-tone chime, unlike the KADES alarm's beep, so an operator
//   tells the two apart without looking. The sound plays once the page was clicked (browsers allow it only
//   then; the shift's start button of alarm.js is such a click).
// - The map is dispatch.js's (it hands it over as board.leafletMap and the "kentmasa:board-map" event); each
//   open alert is a plate-shaped marker at its last read, in the reason's colour.
// Names and labels from the server go into the page as text, never as HTML.
(function () {
  "use strict";

  var MIN_GAP_MS = 1000;
  var RETRY_MS = 5000;
  var HIGHLIGHT_MS = 6000;

  function byId(id) { return document.getElementById(id); }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function init() {
    var host = byId("plate-board");
    if (!host || !window.fetch || !window.DOMParser) return;
    var config = JSON.parse(byId(host.dataset.config).textContent);
    var text = config.text;
    var offset = 0; // the server's clock minus this browser's
    var known = {}; // card id -> normalised markup
    var hits = {}; // alert id -> reads counted at the last swap
    var stopped = false;

    function now() { return Date.now() + offset; }

    function age(ms) {
      var seconds = Math.max(0, Math.floor(ms / 1000));
      var shown;
      if (seconds < 60) shown = fill(text.seconds, { s: seconds });
      else if (seconds < 3600) shown = fill(text.minutes, { m: Math.floor(seconds / 60) });
      else shown = fill(text.hours, { h: Math.floor(seconds / 3600), m: Math.floor(seconds / 60) % 60 });
      return fill(text.ago, { age: shown });
    }

    function say(id, message) {
      var element = byId(id);
      if (!element) return;
      element.textContent = message || "";
      element.hidden = !message;
    }

    function tick() {
      var at = now();
      host.querySelectorAll(".plate-age[data-since]").forEach(function (element) {
        element.textContent = age(at - Date.parse(element.dataset.since));
      });
    }
    setInterval(tick, 1000);

    // -- the cue: a chime unlike the KADES beep, and a banner ----------------------------------------------

    var audio = null;

    function unlock() {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      if (!audio) audio = new Context();
      if (audio.state !== "running") audio.resume().catch(function () {});
    }
    document.addEventListener("pointerdown", unlock, true);
    document.addEventListener("keydown", unlock, true);

    function chime(times) {
      if (!audio || audio.state !== "running") return;
      var at = audio.currentTime + 0.02;
      for (var round = 0; round < times; round++) {
        [587.33, 880, 1174.66].forEach(function (frequency, index) {
          var start = at + round * 1.2 + index * 0.16;
          var oscillator = audio.createOscillator();
          var gain = audio.createGain();
          oscillator.type = "sine";
          oscillator.frequency.value = frequency;
          gain.gain.setValueAtTime(0.0001, start);
          gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
          gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.4);
          oscillator.connect(gain);
          gain.connect(audio.destination);
          oscillator.start(start);
          oscillator.stop(start + 0.45);
        });
      }
    }

    function announce(message, times) {
      say("plate-banner", message);
      host.dataset.cues = String((parseInt(host.dataset.cues || "0", 10) || 0) + 1);
      chime(times);
    }

    // -- the panel ------------------------------------------------------------------------------------------

    function normalised(card) {
      var copy = card.cloneNode(true);
      copy.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) { input.remove(); });
      copy.querySelectorAll(".plate-age").forEach(function (element) { element.textContent = ""; });
      copy.classList.remove("live-changed");
      return copy.outerHTML;
    }

    function fieldChanged(field) {
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") return false;
      if (field.tagName === "SELECT") {
        var start = 0;
        Array.prototype.forEach.call(field.options, function (option, index) {
          if (option.defaultSelected) start = index;
        });
        return field.selectedIndex !== start;
      }
      return field.value !== field.defaultValue;
    }

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

    function remember(panel) {
      panel.querySelectorAll("li.plate-alert[id]").forEach(function (card) {
        known[card.id] = normalised(card);
        hits[card.dataset.plateAlert] = parseInt(card.dataset.hits, 10) || 0;
      });
      if (panel.dataset.now) offset = Date.parse(panel.dataset.now) - Date.now();
    }

    var keptCards = false;

    function swap(html) {
      var incoming = new DOMParser().parseFromString(html, "text/html").getElementById("plate-panel");
      var current = byId("plate-panel");
      if (!incoming || !current) return;
      var active = document.activeElement;
      var focusedId = active && current.contains(active) ? active.id : "";
      var focusedCard = active && current.contains(active) && active.closest ? active.closest("li.plate-alert") : null;
      var keep = {};
      keptCards = false;
      current.querySelectorAll("li.plate-alert[id]").forEach(function (card) {
        if (working(card)) keep[card.id] = card;
      });
      var fresh = document.importNode(incoming, true);
      if (fresh.dataset.now) offset = Date.parse(fresh.dataset.now) - Date.now();
      var changed = [];
      var newAlert = null;
      var newHit = null;
      fresh.querySelectorAll("li.plate-alert[id]").forEach(function (card) {
        var id = card.dataset.plateAlert;
        var count = parseInt(card.dataset.hits, 10) || 0;
        if (hits[id] === undefined) newAlert = newAlert || card;
        else if (count > hits[id]) newHit = newHit || card;
        hits[id] = count;
        var markup = normalised(card);
        if (keep[card.id]) {
          card.replaceWith(keep[card.id]);
          keptCards = keptCards || markup !== known[card.id];
          return;
        }
        if (known[card.id] !== markup) changed.push(card.id);
        known[card.id] = markup;
      });
      current.replaceWith(fresh);
      changed.forEach(function (id) { if (byId(id)) highlight(byId(id)); });
      if (focusedId && byId(focusedId)) byId(focusedId).focus();
      else if (focusedCard && byId(focusedCard.id)) byId(focusedCard.id).focus();
      tick();
      drawAlerts();
      if (newAlert) {
        announce(fill(text.new_alert, {
          plate: newAlert.dataset.plate, reason: newAlert.dataset.reason, camera: newAlert.dataset.camera
        }), 2);
      } else if (newHit) {
        announce(fill(text.new_hit, { plate: newHit.dataset.plate, camera: newHit.dataset.camera }), 1);
      }
    }

    var timer = null;
    var busy = false;
    var again = false;
    var lastFetch = 0;

    function refresh() {
      if (stopped || timer) return;
      timer = setTimeout(load, Math.max(0, lastFetch + MIN_GAP_MS - Date.now()));
    }

    function load() {
      timer = null;
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      lastFetch = Date.now();
      fetch(config.panel_url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (response.status === 401 || response.status === 403 || response.redirected) {
            stopped = true; // signed out, or no longer an operator here
            return null;
          }
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          if (html === null) return;
          swap(html);
          var error = byId("plate-error");
          if (error.dataset.failed) say("plate-error", ""); // only the panel's own failure: not an action's
          delete error.dataset.failed;
        })
        .catch(function () {
          say("plate-error", text.failed);
          byId("plate-error").dataset.failed = "1";
          setTimeout(refresh, RETRY_MS);
        })
        .then(function () {
          busy = false;
          if (again) {
            again = false;
            refresh();
          }
        });
    }

    host.addEventListener("focusout", function () {
      setTimeout(function () { if (keptCards) refresh(); }, 0);
    });
    host.addEventListener("toggle", function (event) {
      if (event.target.tagName === "DETAILS" && !event.target.open && keptCards) refresh();
    }, true);

    // -- actions ------------------------------------------------------------------------------------------------

    host.addEventListener("submit", function (event) {
      var form = event.target.closest("form[data-plate-action]");
      if (!form) return;
      event.preventDefault();
      if (form.dataset.busy) return;
      form.dataset.busy = "1";
      var card = form.closest("li.plate-alert");
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token ? token.value : "" }
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
          delete byId("plate-error").dataset.failed;
          if (result.ok) {
            say("plate-error", "");
            say("plate-done", result.message || text.done);
            say("plate-banner", "");
            var details = form.closest("details");
            if (details) {
              details.open = false;
              form.reset();
            }
          } else {
            say("plate-done", "");
            say("plate-error", result.message || text.failed);
          }
          if (card && byId(card.id) && !(document.activeElement && document.activeElement.closest("li.plate-alert"))) {
            byId(card.id).focus();
          }
          lastFetch = 0;
          refresh();
        });
    });

    // -- the map --------------------------------------------------------------------------------------------------

    var map = null;
    var layer = null;

    function readPoints() {
      var source = byId("plate-points");
      if (!source) return [];
      try { return JSON.parse(source.textContent) || []; } catch (error) { return []; }
    }

    function drawAlerts() {
      if (!map || !window.L) return;
      if (!layer) layer = L.layerGroup().addTo(map);
      layer.clearLayers();
      readPoints().forEach(function (point) {
        var marker = L.marker([point.lat, point.lon], {
          keyboard: false,
          zIndexOffset: 1000,
          icon: L.divIcon({
            className: "plate-marker reason-" + point.reason + (point.acknowledged ? "" : " unacknowledged"),
            iconSize: [22, 12]
          })
        }).addTo(layer);
        var label = document.createElement("span");
        label.textContent = point.label;
        marker.bindTooltip(label);
        marker.on("click", function () {
          var card = byId("plate-alert-" + point.id);
          if (card) {
            card.scrollIntoView({ block: "nearest" });
            card.focus();
          }
        });
        var element = marker.getElement && marker.getElement();
        if (element) element.setAttribute("data-plate-alert", point.id);
      });
      host.dataset.markers = String(readPoints().length);
    }

    function useMap(given) {
      if (!given || map === given) return;
      map = given;
      drawAlerts();
    }

    document.addEventListener("kentmasa:board-map", function (event) { useMap(event.detail && event.detail.map); });
    var board = byId("dispatch-board");
    if (board && board.leafletMap) useMap(board.leafletMap);

    // -- what the stream says -------------------------------------------------------------------------------------

    document.addEventListener("kentmasa:alarm", function (event) {
      var data = event.detail || {};
      // Each change comes once for the board and once more for every team told (data.team): one is enough.
      if (String(data.change || "").indexOf("plate_") === 0 && (data.team === undefined || data.team === null)) refresh();
    });
    document.addEventListener("kentmasa:reset", refresh);

    remember(byId("plate-panel"));
    tick();
    drawAlerts();
    host.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", init);
})();
