// The public form: when the topic changes, show its completion time and the deadline if the application
// were sent now (GET /standartlar/<kurum>/sure/?konu=<id>). Without JavaScript the page shows the hint
// for the topic it was sent back with, and the receipt gives the deadline.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("standard-hint");
    var text = document.getElementById("standard-hint-text");
    var link = document.getElementById("standard-hint-link");
    var select = document.getElementById("id_category");
    var kind = document.getElementById("id_kind");
    if (!box || !text || !window.fetch) return;
    var asked = 0;

    function show(answer) {
      text.textContent = answer.text || "";
      if (link && answer.url) link.href = answer.url;
    }

    // The topic decides the row; the kind the calendar (an information request counts administrative leave).
    function ask() {
      var mine = ++asked;
      if (select && !select.value) { text.textContent = ""; return; }
      var url = box.dataset.url + "?konu=" + encodeURIComponent(select ? select.value : "") +
        "&tur=" + encodeURIComponent(kind ? kind.value : "");
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          return response.json().catch(function () { return { ok: false }; });
        })
        .then(function (answer) {
          if (mine !== asked) return; // a later choice's answer wins
          if (answer && answer.ok) show(answer);
          else text.textContent = (answer && answer.message) || box.dataset.failed;
        })
        .catch(function () {
          if (mine === asked) text.textContent = box.dataset.failed;
        });
    }

    if (select) select.addEventListener("change", ask);
    if (kind) kind.addEventListener("change", ask);
  });
})();
