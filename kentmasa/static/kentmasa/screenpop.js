// The call-centre screen pop on the operator console: put the caller's number in the lookup box when a call
// pops (or when the console was opened with ?telefon=), and close the pop on request. htmx does the polling.
(function () {
  "use strict";

  function fillLookup(number) {
    var input = document.getElementById("caller-lookup");
    if (input && number) input.value = number;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var prefill = document.getElementById("screenpop-prefill");
    if (prefill) fillLookup(prefill.dataset.number);
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "screenpop") return;
    var call = document.getElementById("screenpop-call");
    if (call) fillLookup(call.dataset.number);
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-screenpop-dismiss]")) return;
    event.preventDefault();
    var pop = document.getElementById("screenpop");
    if (pop) pop.innerHTML = "";
  });
})();
