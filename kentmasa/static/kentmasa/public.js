// The citizen pages: share the phone's position on the application form, and print the receipt.
// Everything works without JavaScript; this only adds the location button.
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
    button.addEventListener("click", function () {
      button.disabled = true;
      say(button.dataset.locating, "");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var coords = position.coords;
          latitude.value = coords.latitude.toFixed(6);
          longitude.value = coords.longitude.toFixed(6);
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

  document.addEventListener("DOMContentLoaded", function () {
    setupLocation();
    setupPrint();
    focusErrors();
  });
})();
