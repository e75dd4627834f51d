// kentmasa team phone page (/ekip/): status buttons, the phone's position, the task to acknowledge.
//
// The panel (#team-panel) is the server's fragment; after an action here or a live event about this team
// (kentmasa:alarm with its team id: sent, acknowledged, late, arrived; kentmasa:team: its status or position
// set from another phone) it is fetched again and swapped. A new task vibrates the phone and beeps (the
// browser allows the beep once the page was touched; every button here is a touch). The position is read
// with navigator.geolocation when asked and every data-every seconds while the page is open and the team is
// not off duty. Plain script, no build step.
(function () {
  "use strict";

  var page = document.getElementById("team-page");
  if (!page || !window.fetch || !window.DOMParser) return;

  var EVERY_MS = (parseInt(page.dataset.every, 10) || 30) * 1000;
  var MIN_GAP_MS = 700;
  var text = page.dataset;

  function byId(id) { return document.getElementById(id); }
  function panel() { return byId("team-panel"); }
  function teamId() { return panel() ? panel().dataset.team : ""; }

  function csrf() {
    var input = page.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fill(template, values) {
    return String(template).replace(/%\((\w+)\)[sd]/g, function (_, key) { return values[key]; });
  }

  function say(message) {
    byId("team-message").textContent = message || "";
  }

  function fail(message) {
    var box = byId("team-error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  // -- sound and vibration for a new task --------------------------------------------------------------------

  var audio = null;

  function unlock() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    if (!audio) audio = new Context();
    if (audio.state !== "running") audio.resume().catch(function () {});
  }
  document.addEventListener("pointerdown", unlock, true);

  function alert_() {
    if (navigator.vibrate) navigator.vibrate([300, 150, 300, 150, 300]);
    if (!audio || audio.state !== "running") return;
    var at = audio.currentTime + 0.02;
    [0, 0.3, 0.6].forEach(function (delay) {
      var oscillator = audio.createOscillator();
      var gain = audio.createGain();
      oscillator.frequency.value = 880;
      gain.gain.setValueAtTime(0.0001, at + delay);
      gain.gain.exponentialRampToValueAtTime(0.25, at + delay + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + delay + 0.2);
      oscillator.connect(gain);
      gain.connect(audio.destination);
      oscillator.start(at + delay);
      oscillator.stop(at + delay + 0.25);
    });
  }

  // -- the clock ----------------------------------------------------------------------------------------------

  var offset = 0;

  function tick() {
    var now = Date.now() + offset;
    page.querySelectorAll(".countdown[data-due]").forEach(function (element) {
      var left = Date.parse(element.dataset.due) - now;
      if (left <= 0) {
        element.textContent = text.textOverdue;
      } else {
        var seconds = Math.ceil(left / 1000);
        var rest = seconds % 60;
        element.textContent = Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
      }
      element.classList.toggle("late", left <= 0);
    });
  }
  setInterval(tick, 1000);

  // -- the panel ----------------------------------------------------------------------------------------------

  var busy = false;
  var again = false;
  var last = 0;
  var timer = null;

  function pendingIds() {
    // A plate alert the team has not yet said it saw is announced like a new task.
    var selector = ".team-task[data-status=pending], .plate-told[data-seen=no]";
    return Array.prototype.map.call(page.querySelectorAll(selector), function (task) {
      return task.id;
    });
  }

  function swap(html) {
    var incoming = new DOMParser().parseFromString(html, "text/html").getElementById("team-panel");
    var current = panel();
    if (!incoming || !current) return;
    var before = pendingIds();
    var focused = document.activeElement && current.contains(document.activeElement) ? document.activeElement.id : "";
    var fresh = document.importNode(incoming, true);
    if (fresh.dataset.now) offset = Date.parse(fresh.dataset.now) - Date.now();
    current.replaceWith(fresh);
    if (focused && byId(focused)) byId(focused).focus();
    tick();
    var arrived = pendingIds().filter(function (id) { return before.indexOf(id) < 0; });
    if (arrived.length) {
      alert_();
      var button = byId(arrived[0]).querySelector("button[type=submit]");
      if (button && !focused) button.focus();
    }
    planPositions();
  }

  function refresh() {
    if (timer) return;
    timer = setTimeout(load, Math.max(0, last + MIN_GAP_MS - Date.now()));
  }

  function load() {
    timer = null;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    last = Date.now();
    fetch(panel().dataset.panelUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error(String(response.status));
        return response.text();
      })
      .then(swap)
      .catch(function () { setTimeout(refresh, 5000); })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

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
          return body;
        });
      })
      .catch(function () { return { ok: false, message: text.textFailed }; });
  }

  page.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-team-action]");
    if (!form) return;
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    unlock();
    post(form.action, data).then(function (result) {
      if (result.ok) {
        fail("");
        say(result.message);
      } else {
        fail(result.message || text.textFailed);
      }
      refresh();
    });
  });

  // -- the position ---------------------------------------------------------------------------------------------

  var positionTimer = null;
  var sending = false;

  function sendPosition(asked) {
    if (!navigator.geolocation) {
      if (asked) fail(text.textUnsupported);
      return;
    }
    if (sending) return;
    sending = true;
    if (asked) say(text.textLocating);
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var data = new FormData();
        data.append("csrfmiddlewaretoken", csrf());
        data.append("team", teamId());
        data.append("latitude", position.coords.latitude.toFixed(6));
        data.append("longitude", position.coords.longitude.toFixed(6));
        if (position.coords.accuracy !== null && isFinite(position.coords.accuracy)) {
          data.append("accuracy", String(Math.round(position.coords.accuracy)));
        }
        post(page.dataset.positionUrl, data).then(function (result) {
          sending = false;
          if (result.ok) {
            fail("");
            if (asked) say(text.textSent);
            page.dataset.positionsSent = String((parseInt(page.dataset.positionsSent || "0", 10) || 0) + 1);
          } else {
            fail(result.message || text.textFailed);
          }
          refresh();
        });
      },
      function (error) {
        sending = false;
        if (asked || error.code === 1) fail(error.code === 1 ? text.textDenied : text.textFailed);
      },
      { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 }
    );
  }

  // Every EVERY_MS while the team is on duty and the page is open.
  function planPositions() {
    var onDuty = panel() && panel().dataset.status !== "off_duty";
    if (onDuty && !positionTimer) {
      positionTimer = setInterval(function () { sendPosition(false); }, EVERY_MS);
    } else if (!onDuty && positionTimer) {
      clearInterval(positionTimer);
      positionTimer = null;
    }
  }

  page.addEventListener("click", function (event) {
    if (event.target.closest("#send-position")) sendPosition(true);
  });

  // -- what the stream says ---------------------------------------------------------------------------------------

  function ours(data) { return data && String(data.team) === String(teamId()); }

  document.addEventListener("kentmasa:alarm", function (event) { if (ours(event.detail)) refresh(); });
  document.addEventListener("kentmasa:team", function (event) { if (ours(event.detail)) refresh(); });
  document.addEventListener("kentmasa:reset", refresh);
  // An incident closed at the Haber Merkezi is told to the operators, not to the team: the panel looks again
  // now and then, so a finished task does not stay on the phone.
  setInterval(refresh, 60000);

  if (panel() && panel().dataset.now) offset = Date.parse(panel().dataset.now) - Date.now();
  tick();
  planPositions();
  page.dataset.ready = "1";
})();
