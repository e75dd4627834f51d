/* The field office forms (kentmasa/templates/field/_office_position.html): "Use my position" puts the
   phone's position into the latitude and longitude fields. Without JavaScript, or without permission, the
   fields are typed by hand. Phones give the position only over HTTPS (or on localhost). */
(function () {
  "use strict";

  function setUp(box) {
    var button = box.querySelector("[data-locate]");
    var status = box.querySelector("[data-position-status]");
    var latitude = box.querySelector("input[name$='latitude']");
    var longitude = box.querySelector("input[name$='longitude']");
    if (!button || !latitude || !longitude) return;
    if (!("geolocation" in navigator)) {
      status.textContent = box.dataset.textUnsupported;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = box.dataset.textLocating;
      button.disabled = true;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          latitude.value = position.coords.latitude.toFixed(6);
          longitude.value = position.coords.longitude.toFixed(6);
          status.textContent = box.dataset.textFound.replace("%(m)s", String(Math.round(position.coords.accuracy)));
          button.disabled = false;
        },
        function () {
          status.textContent = box.dataset.textDenied;
          button.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
      );
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-field-position]").forEach(setUp);
  });
})();
