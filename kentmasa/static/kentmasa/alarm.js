// kentmasa KADES alarm: on every page a police operator has open (the console, the queue, the Haber Merkezi).
//
// A KADES alert (live "alarm" event, change "kades", handed over by live.js as "kentmasa:alarm") opens a
// dialog (role=alertdialog) with the alarm as the server renders it (/haber-merkezi/olay/<id>/alarm/: the
// person, her positions on a small map, earlier alerts, a Law 6284 order, the nearest teams). It stays, with
// a beeping sound, until an operator acknowledges it: here (the button names who is signed in) or on another
// console (live "acknowledged" closes it everywhere). New positions and a cancellation from the app load it
// again. Several alarms wait in turn, oldest first.
//
// Alarms raised while the page was loading are not missed: the page asks for the unacknowledged ones when it
// opens, after a "kentmasa:reset" (the stream missed too much), and with every presence call: every
// PRESENCE_MS the page tells the server that a console is open (services.touch_presence), so a KADES alert
// that finds none goes to the duty supervisors at once.
//
// Sound: browsers play it only after a click on the page, so a "start the shift" button stays visible until
// one came (any click or key on the page will do). The beep is made with Web Audio: no sound file.
// Everything the server sends goes into the page as parsed HTML of its own fragment; no script runs from it.
(function () {
  "use strict";

  var host = document.getElementById("kades-host");
  if (!host || !window.fetch || !window.DOMParser) return;

  var PRESENCE_MS = 15000;
  var RETRY_MS = 3000; // an alarm that failed to load is asked again
  var BEEP_EVERY_MS = 1600;

  function byId(id) { return document.getElementById(id); }

  var modal = byId("kades-modal");
  var dialog = byId("kades-dialog");
  var box = byId("kades-body");
  var errorBox = byId("kades-error");
  var more = byId("kades-more");
  var soundOffHint = byId("kades-sound-off");
  var shiftBar = byId("shift-bar");

  var queue = []; // incident ids (strings) waiting to be acknowledged, oldest first; the first is shown
  var shown = null; // the incident id in the dialog
  var loading = {}; // id -> true while its fragment is being fetched
  var returnFocus = null;
  var map = null;

  function csrf() {
    var input = host.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // -- sound ---------------------------------------------------------------------------------------------------

  var audio = null;
  var loop = null;

  function soundOn() { return !!audio && audio.state === "running"; }

  function showSoundState() {
    var on = soundOn();
    host.dataset.sound = on ? "on" : "off";
    if (shiftBar) shiftBar.hidden = on;
    if (soundOffHint) soundOffHint.hidden = on;
    if (on) {
      try { window.sessionStorage.setItem("kentmasa-shift", "1"); } catch (error) { /* private mode */ }
    }
  }

  function context() {
    if (!audio) {
      var Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return null;
      audio = new Context();
      audio.addEventListener("statechange", showSoundState);
    }
    return audio;
  }

  function unlock() {
    var ctx = context();
    if (!ctx) return;
    if (ctx.state !== "running") ctx.resume().then(showSoundState, function () {});
    showSoundState();
  }

  function tone(at, frequency, length) {
    var oscillator = audio.createOscillator();
    var gain = audio.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    oscillator.connect(gain);
    gain.connect(audio.destination);
    oscillator.start(at);
    oscillator.stop(at + length + 0.02);
  }

  function pattern() {
    if (!soundOn()) return;
    var at = audio.currentTime + 0.02;
    tone(at, 880, 0.18);
    tone(at + 0.25, 660, 0.18);
    tone(at + 0.5, 880, 0.18);
  }

  function startBeeping() {
    if (loop) return;
    pattern();
    loop = setInterval(pattern, BEEP_EVERY_MS);
  }

  function stopBeeping() {
    clearInterval(loop);
    loop = null;
  }

  // Other scripts (dispatch.js: a team that did not acknowledge) ask for a few beeps.
  document.addEventListener("kentmasa:beep", function (event) {
    var times = Math.min(10, (event.detail && event.detail.times) || 1);
    for (var i = 0; i < times; i++) setTimeout(pattern, i * BEEP_EVERY_MS);
  });

  var start = byId("shift-start");
  if (start) start.addEventListener("click", unlock);
  document.addEventListener("pointerdown", unlock, true);
  document.addEventListener("keydown", unlock, true);
  // A shift started on an earlier page of this tab: the browser may let the sound on without a new click.
  try {
    if (window.sessionStorage.getItem("kentmasa-shift")) unlock();
  } catch (error) { /* private mode */ }
  showSoundState();

  // -- time ----------------------------------------------------------------------------------------------------

  function countdownText(ms) {
    if (ms <= 0) return host.dataset.textOverdue || "0:00";
    var seconds = Math.ceil(ms / 1000);
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    if (!shown) return;
    box.querySelectorAll(".countdown[data-due]").forEach(function (element) {
      var left = Date.parse(element.dataset.due) - Date.now();
      element.textContent = countdownText(left);
      element.classList.toggle("late", left <= 0);
    });
  }
  setInterval(tick, 1000);

  // -- the dialog ----------------------------------------------------------------------------------------------

  function alarmUrl(id) { return host.dataset.alarmUrl.replace("/0/", "/" + encodeURIComponent(id) + "/"); }

  function setInert(yes) {
    Array.prototype.forEach.call(document.body.children, function (element) {
      if (element === host || element.tagName === "SCRIPT") return;
      if (yes) element.setAttribute("inert", "");
      else element.removeAttribute("inert");
    });
    if (shiftBar) {
      if (yes) shiftBar.setAttribute("inert", "");
      else shiftBar.removeAttribute("inert");
    }
  }

  function showMore() {
    var waiting = queue.filter(function (id) { return id !== shown; }).length;
    more.hidden = waiting === 0;
    more.textContent = waiting === 1 ? more.dataset.one : (more.dataset.many || "").replace("%(count)s", waiting);
  }

  function showError(message) {
    errorBox.textContent = message || "";
    errorBox.hidden = !message;
  }

  function open() {
    returnFocus = document.activeElement;
    modal.hidden = false;
    document.documentElement.classList.add("kades-open");
    setInert(true);
    dialog.focus();
    startBeeping();
  }

  function close() {
    stopBeeping();
    if (map) { map.remove(); map = null; }
    box.textContent = "";
    showError("");
    modal.hidden = true;
    document.documentElement.classList.remove("kades-open");
    setInert(false);
    if (returnFocus && document.contains(returnFocus) && returnFocus.focus) returnFocus.focus();
    returnFocus = null;
  }

  function want(id) {
    id = String(id);
    if (queue.indexOf(id) < 0) queue.push(id);
    next();
  }

  function drop(id) {
    id = String(id);
    queue = queue.filter(function (other) { return other !== id; });
    if (shown === id) {
      shown = null;
      host.dataset.shown = "";
      if (queue.length) {
        if (map) { map.remove(); map = null; }
        next();
      } else {
        close();
      }
    }
    showMore();
  }

  function next() {
    showMore();
    if (shown === null && queue.length) load(queue[0]);
  }

  function load(id) {
    if (loading[id]) return;
    loading[id] = true;
    fetch(alarmUrl(id), { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (response.status === 403 || response.status === 404) return "gone";
        if (!response.ok) throw new Error(String(response.status));
        return response.text();
      })
      .then(function (html) {
        delete loading[id];
        if (html === "gone") { drop(id); return; }
        render(id, html);
      })
      .catch(function () {
        delete loading[id];
        if (queue.indexOf(id) >= 0) setTimeout(function () { if (shown === null || shown === id) load(id); }, RETRY_MS);
      });
  }

  function render(id, html) {
    if (queue.indexOf(id) < 0) return; // acknowledged while it was loading
    var alarm = new DOMParser().parseFromString(html, "text/html").querySelector(".kades-alarm");
    if (!alarm) return;
    if (alarm.dataset.acknowledged || alarm.dataset.closed) { drop(id); return; } // done on another console
    var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : "";
    var opening = shown === null;
    if (map) { map.remove(); map = null; }
    box.textContent = "";
    box.appendChild(document.importNode(alarm, true));
    shown = id;
    host.dataset.shown = id;
    if (opening) open();
    else if (focused && byId(focused)) byId(focused).focus();
    else if (!box.contains(document.activeElement)) dialog.focus();
    showMore();
    tick();
    drawMap();
  }

  // The dialog keeps the keyboard: Tab cycles inside it, Escape does not close an alarm nobody acknowledged.
  dialog.addEventListener("keydown", function (event) {
    if (event.key !== "Tab") return;
    var items = Array.prototype.filter.call(
      dialog.querySelectorAll("a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex='0']"),
      function (element) { return element.offsetParent !== null; }
    );
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || document.activeElement === dialog)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });

  // -- actions in the dialog -----------------------------------------------------------------------------------

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() }
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          body.ok = response.ok && body.ok !== false;
          if (!body.message && !body.ok) body.message = host.dataset.textFailed || String(response.status);
          return body;
        });
      })
      .catch(function () { return { ok: false, message: host.dataset.textFailed || "" }; });
  }

  box.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-kades-action]");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    var id = shown;
    post(form.action, new FormData(form)).then(function (result) {
      delete form.dataset.busy;
      if (button) button.disabled = false;
      if (!result.ok) {
        showError(result.message);
        if (id) load(id); // show what is true now (acknowledged or sent meanwhile)
        return;
      }
      showError("");
      drop(id); // acknowledged (sending a team from here acknowledges too) or closed as a false alarm
      document.dispatchEvent(new CustomEvent("kentmasa:board-changed"));
    });
  });

  box.addEventListener("click", function (event) {
    if (event.target.closest("[data-kades-dismiss]") && shown) drop(shown);
  });

  // -- the small map ---------------------------------------------------------------------------------------------

  var leafletLoading = null;

  function leaflet() {
    if (window.L) return Promise.resolve(window.L);
    if (!leafletLoading) {
      leafletLoading = new Promise(function (resolve, reject) {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = host.dataset.leafletCss;
        document.head.appendChild(link);
        var script = document.createElement("script");
        script.src = host.dataset.leafletJs;
        script.onload = function () { resolve(window.L); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return leafletLoading;
  }

  function drawMap() {
    var element = box.querySelector("[data-kades-map]");
    var source = element && byId(element.dataset.kadesMap);
    if (!source) return;
    var data;
    try { data = JSON.parse(source.textContent); } catch (error) { return; }
    if (!data.positions.length && !data.teams.length) { element.hidden = true; return; }
    var forId = shown;
    leaflet().then(function (L) {
      if (shown !== forId || !document.contains(element)) return;
      if (map) map.remove();
      // A picture (role=img): no control takes the focus; the lists beside it say the same.
      map = L.map(element, {
        attributionControl: !!data.tiles, keyboard: false, scrollWheelZoom: false, zoomControl: false
      });
      if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
      L.control.scale({ imperial: false }).addTo(map);
      var bounds = [];
      data.positions.forEach(function (point, index) {
        var latest = index === data.positions.length - 1;
        if (point.accuracy_m) {
          L.circle([point.lat, point.lon], {
            radius: point.accuracy_m, weight: 1, color: "#7b1fa2", fillOpacity: latest ? 0.15 : 0.05,
            interactive: false
          }).addTo(map);
        }
        L.circleMarker([point.lat, point.lon], {
          radius: latest ? 8 : 4, weight: 2, color: "#7b1fa2", fillColor: "#7b1fa2",
          fillOpacity: latest ? 0.9 : 0.4, className: latest ? "kades-latest" : "kades-earlier", interactive: false
        }).addTo(map);
        bounds.push([point.lat, point.lon]);
      });
      data.teams.forEach(function (team) {
        var marker = L.circleMarker([team.lat, team.lon], {
          radius: 6, weight: 2, color: "#1e6b3a", fillColor: "#1e6b3a", fillOpacity: 0.8, interactive: false
        }).addTo(map);
        var label = document.createElement("span");
        label.textContent = team.label;
        marker.bindTooltip(label, { permanent: true, direction: "right", className: "team-label" });
        bounds.push([team.lat, team.lon]);
      });
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
      element.dataset.drawn = String(data.positions.length);
    }).catch(function () { element.hidden = true; });
  }

  // -- what the stream says ----------------------------------------------------------------------------------------

  document.addEventListener("kentmasa:alarm", function (event) {
    var data = event.detail || {};
    if (data.incident === undefined || data.incident === null) return;
    var id = String(data.incident);
    switch (data.change) {
      case "kades":
        want(id);
        break;
      case "acknowledged":
      case "closed":
        drop(id);
        break;
      case "kades_cancelled":
        if (shown === id) load(id);
        else if (data.source === "kades") want(id); // still unacknowledged? the fragment says, and drops it if not
        break;
      default: // a new position, a team sent, acknowledged or late: the alarm shown again as it is now
        if (shown === id) load(id);
    }
  });

  function checkOpen(list) {
    (list || []).forEach(function (alarm) { want(alarm.incident); });
  }

  function askOpen() {
    fetch(host.dataset.alarmsUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) checkOpen(body.alarms); })
      .catch(function () {});
  }

  document.addEventListener("kentmasa:reset", askOpen);

  // -- presence ---------------------------------------------------------------------------------------------------

  var presenceStopped = false;

  function present() {
    if (presenceStopped) return;
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf());
    fetch(host.dataset.presenceUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() }
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.redirected) {
          presenceStopped = true; // signed out, or no longer a police operator
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (body) { if (body) checkOpen(body.alarms); })
      .catch(function () {});
  }

  askOpen();
  present();
  setInterval(present, PRESENCE_MS);
})();
