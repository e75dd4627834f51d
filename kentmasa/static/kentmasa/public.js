// The citizen pages: share the phone's position on the application form (with a small map whose pin can be
// dragged, and il, ilçe, mahalle filled in from the point), record a voice message in the browser, check the
// size of a video before sending, and print the receipt. Everything works without JavaScript: the address
// fields stay to be written, and a recording or video is chosen with the file inputs.
(function () {
  "use strict";

  function setupLocation() {
    var button = document.getElementById("locate-button");
    var clear = document.getElementById("locate-clear");
    var status = document.getElementById("locate-status");
    var latitude = document.getElementById("id_latitude");
    var longitude = document.getElementById("id_longitude");
    if (!button || !latitude || !longitude || !status) return;
    if (!("geolocation" in navigator)) return; // the button stays hidden; the address fields remain

    var IMPRECISE_METRES = 100;

    function say(text, tone) {
      status.textContent = text;
      status.className = "locate__status" + (tone ? " locate__status--" + tone : "");
    }

    button.hidden = false;
    // A form given back (a refused field) keeps its point: show it again, leaving the address as written.
    if (latitude.value && longitude.value) {
      showPlace(parseFloat(latitude.value), parseFloat(longitude.value), true);
    }
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.locating, "");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var coords = position.coords;
          latitude.value = coords.latitude.toFixed(6);
          longitude.value = coords.longitude.toFixed(6);
          showPlace(coords.latitude, coords.longitude);
          var metres = Math.round(coords.accuracy);
          var text = button.dataset.found + " " + button.dataset.accuracy + " " + metres + " m.";
          if (metres > IMPRECISE_METRES) {
            say(text + " " + button.dataset.imprecise, "warn");
          } else {
            say(text, "");
          }
          button.disabled = false;
          if (clear) clear.hidden = false;
        },
        function (error) {
          button.disabled = false;
          say(error.code === error.PERMISSION_DENIED ? button.dataset.denied : button.dataset.failed, "error");
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });

    if (clear) {
      clear.addEventListener("click", function () {
        latitude.value = "";
        longitude.value = "";
        clear.hidden = true;
        say("", "");
        hidePlace();
      });
    }
  }

  function setupPrint() {
    document.querySelectorAll("[data-print]").forEach(function (element) {
      element.addEventListener("click", function () { window.print(); });
    });
  }

  // After a refused form the error summary takes the focus, so a screen reader reads it first. Each of its
  // links puts the focus in its field (the first field of a group such as the location) with the field's
  // label in view.
  function focusErrors() {
    var summary = document.getElementById("form-errors");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      var target = link && document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      if (!target.matches("input, select, textarea, button")) {
        target = target.querySelector("input:not([type=hidden]), select, textarea") || target;
      }
      event.preventDefault();
      (target.closest(".field") || target).scrollIntoView();
      target.focus({ preventScroll: true });
    });
  }

  // -- the small map: the point, the boundary of its mahalle, a pin to drag; the address from the point

  var placeMap = null, placePin = null, placeShape = null, placeRequest = 0;

  function showPlace(lat, lon, keepFields) {
    var box = document.getElementById("place-map");
    if (!box || !window.L) return;
    box.hidden = false;
    if (!placeMap) {
      // No tiles: none are reachable from the citizen's side of the institution's network either way, and a
      // plain background with the mahalle's boundary says where the point is without sending it anywhere.
      placeMap = L.map("place-map-canvas", { attributionControl: false, zoomControl: true, keyboard: true });
      L.control.scale({ imperial: false }).addTo(placeMap);
      var icon = L.divIcon({ className: "", html: '<div class="place-pin"></div>', iconSize: [22, 22], iconAnchor: [11, 22] });
      placePin = L.marker([lat, lon], { draggable: true, icon: icon, keyboard: true, title: box.getAttribute("aria-label") || "" }).addTo(placeMap);
      placePin.on("dragend", function () {
        var at = placePin.getLatLng();
        document.getElementById("id_latitude").value = at.lat.toFixed(6);
        document.getElementById("id_longitude").value = at.lng.toFixed(6);
        lookUp(at.lat, at.lng, false, true);
      });
      placeMap.setView([lat, lon], 16);
    } else {
      placePin.setLatLng([lat, lon]);
      placeMap.setView([lat, lon], placeMap.getZoom());
    }
    placeMap.invalidateSize();
    lookUp(lat, lon, true, !keepFields);
  }

  function hidePlace() {
    var box = document.getElementById("place-map");
    if (box) box.hidden = true;
    var status = document.getElementById("place-status");
    if (status) status.textContent = "";
  }

  function placeSay(text, tone) {
    var status = document.getElementById("place-status");
    if (!status) return;
    status.textContent = text;
    status.className = "locate__status" + (tone ? " locate__status--" + tone : "");
  }

  function lookUp(lat, lon, fit, fill) {
    var box = document.getElementById("place-map");
    var mine = ++placeRequest;
    var url = box.dataset.placeUrl + "?lat=" + encodeURIComponent(lat.toFixed(6)) + "&lon=" + encodeURIComponent(lon.toFixed(6));
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json().catch(function () { return { ok: false }; }); })
      .then(function (answer) {
        if (mine !== placeRequest) return; // a later move of the pin has asked again
        if (!answer.ok) {
          placeSay(answer.message || box.dataset.failed, "error");
          return;
        }
        if (fill) {
          [["id_province", answer.province], ["id_district", answer.district], ["id_neighbourhood", answer.neighbourhood]].forEach(function (pair) {
            var field = document.getElementById(pair[0]);
            if (field && pair[1]) field.value = pair[1];
          });
        }
        if (placeShape) placeMap.removeLayer(placeShape);
        placeShape = null;
        if (answer.boundary) {
          placeShape = L.geoJSON(answer.boundary, { interactive: false, style: { color: "#0b5cad", weight: 2, fillColor: "#0b5cad", fillOpacity: 0.08 } }).addTo(placeMap);
          if (fit) placeMap.fitBounds(placeShape.getBounds(), { padding: [12, 12], maxZoom: 17 });
        }
        var names = [answer.neighbourhood, answer.district, answer.province].filter(Boolean).join(", ");
        var said = fill ? box.dataset.filled + " " + names + "." : names + ".";
        placeSay(said + (answer.note ? " " + answer.note : ""), answer.note ? "warn" : "");
      })
      .catch(function () {
        if (mine === placeRequest) placeSay(box.dataset.failed, "error");
      });
  }

  // -- the voice message: MediaRecorder into the form's file input (WebM/Opus in Chrome, MP4/AAC in Safari)

  function recorderType() {
    var types = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  function extension(type) {
    if (type.indexOf("mp4") >= 0) return "m4a";
    if (type.indexOf("ogg") >= 0) return "ogg";
    return "webm";
  }

  function setupRecorder() {
    var box = document.getElementById("recorder");
    var input = document.getElementById("id_voice");
    if (!box || !input) return;
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.DataTransfer) return;
    var start = document.getElementById("record-start");
    var stop = document.getElementById("record-stop");
    var clock = document.getElementById("record-time");
    var preview = document.getElementById("record-preview");
    var discard = document.getElementById("record-discard");
    var status = document.getElementById("record-status");
    var maxSeconds = parseInt(box.dataset.maxSeconds, 10) || 180;
    var maxBytes = parseInt(input.dataset.maxBytes, 10) || 5 * 1024 * 1024;
    var recorder = null, chunks = [], timer = null, started = 0, previewUrl = "";
    box.hidden = false;

    function say(text, error) {
      status.textContent = text;
      status.className = "recorder__status" + (error ? " recorder__status--error" : "");
    }

    function tick() {
      var seconds = Math.floor((Date.now() - started) / 1000);
      clock.textContent = Math.floor(seconds / 60) + ":" + ("0" + (seconds % 60)).slice(-2);
      if (seconds >= maxSeconds && recorder && recorder.state === "recording") {
        say(box.dataset.limit, false);
        recorder.stop();
      }
    }

    function clearRecording() {
      if (previewUrl) URL.revokeObjectURL(previewUrl);
      previewUrl = "";
      preview.removeAttribute("src");
      preview.hidden = true;
      discard.hidden = true;
      input.value = "";
    }

    start.addEventListener("click", function () {
      clearRecording();
      navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
        var type = recorderType();
        recorder = type ? new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 48000 }) : new MediaRecorder(stream);
        chunks = [];
        recorder.addEventListener("dataavailable", function (event) { if (event.data && event.data.size) chunks.push(event.data); });
        recorder.addEventListener("stop", function () {
          clearInterval(timer);
          stream.getTracks().forEach(function (track) { track.stop(); });
          start.hidden = false;
          stop.hidden = true;
          clock.hidden = true;
          var recordedType = (recorder.mimeType || type || "audio/webm").split(";")[0];
          var blob = new Blob(chunks, { type: recordedType });
          if (!blob.size) { say(box.dataset.failed, true); return; }
          if (blob.size > maxBytes) { say(box.dataset.tooLarge, true); return; }
          var file = new File([blob], "sesli-mesaj." + extension(recordedType), { type: recordedType });
          var transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          previewUrl = URL.createObjectURL(blob);
          preview.src = previewUrl;
          preview.hidden = false;
          discard.hidden = false;
          if (status.textContent !== box.dataset.limit) say(box.dataset.recorded, false);
          else say(box.dataset.limit + " " + box.dataset.recorded, false);
        });
        recorder.start(1000);
        started = Date.now();
        clock.textContent = "0:00";
        clock.hidden = false;
        start.hidden = true;
        stop.hidden = false;
        stop.focus();
        say(box.dataset.recording, false);
        timer = setInterval(tick, 250);
      }).catch(function (error) {
        say(error && error.name === "NotAllowedError" ? box.dataset.denied : box.dataset.failed, true);
      });
    });

    stop.addEventListener("click", function () {
      if (recorder && recorder.state === "recording") recorder.stop();
    });

    discard.addEventListener("click", function () {
      clearRecording();
      say(box.dataset.removed, false);
      start.focus();
    });
  }

  // A file over its limit is refused at once, before a long upload that the server would refuse.
  function setupFileLimits() {
    var status = document.getElementById("file-status");
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () {
        var limit = parseInt(input.dataset.maxBytes, 10);
        var file = input.files && input.files[0];
        if (status) { status.textContent = ""; status.className = "file-status"; }
        if (file && limit && file.size > limit) {
          input.value = "";
          if (status) {
            status.textContent = status.dataset.tooLarge;
            status.className = "file-status file-status--error";
          }
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupLocation();
    setupRecorder();
    setupFileLimits();
    setupPrint();
    focusErrors();
  });
})();
