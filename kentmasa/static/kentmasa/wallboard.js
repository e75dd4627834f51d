// The wall screen (kentmasa.reports.wallboard): keeps the board's figures fresh without anyone touching it.
//
// It listens to the board's live stream (/pano/<token>/canli/, server-sent events) and, when something
// changed, fetches the figures again (?parca=1) and swaps them in: at most every 5 seconds, however many
// events come, and every minute anyway (a stream that is down is not noticed by a TV's viewers). The
// stream reconnects by itself; when the browser gives up on it, this script opens a new one. A board whose
// link was revoked answers 404: the page reloads and shows that. Plain script, no build step, no inline code.
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.hasAttribute("data-wallboard")) return;

  var MIN_GAP = 5000; // ms between two fetches of the figures
  var RECONNECT = 10000; // ms before a new stream when the browser has given up on one
  var fragmentUrl = body.getAttribute("data-fragment-url");
  var streamUrl = body.getAttribute("data-stream-url");
  var fallback = (parseInt(body.getAttribute("data-refresh-seconds"), 10) || 60) * 1000;
  var seen = parseInt(body.getAttribute("data-seq"), 10) || 0; // the last live event heard of
  var resume = seen; // where a new stream starts: the last resume point the stream gave
  var shownSeq = seen; // the live position the figures on screen were counted at
  var lastFetch = Date.now();
  var timer = null;
  var busy = false;
  var source = null;

  function region() { return document.getElementById("board-figures"); }

  function setLive(state) { body.setAttribute("data-live", state); }

  function later(delay) {
    if (timer !== null) return;
    timer = window.setTimeout(function () { timer = null; refresh(); }, Math.max(0, delay));
  }

  // Ask for the figures again, no sooner than MIN_GAP after the last time.
  function wanted() { later(lastFetch + MIN_GAP - Date.now()); }

  function swap(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("board-figures");
    var current = region();
    if (!fresh || !current) return;
    var before = {};
    current.querySelectorAll("#board-changes li[data-tracking]").forEach(function (li) {
      before[li.getAttribute("data-tracking") + "|" + li.querySelector("time").getAttribute("datetime")] = true;
    });
    fresh = document.importNode(fresh, true);
    fresh.querySelectorAll("#board-changes li[data-tracking]").forEach(function (li) {
      var key = li.getAttribute("data-tracking") + "|" + li.querySelector("time").getAttribute("datetime");
      if (!before[key]) li.classList.add("fresh");
    });
    current.replaceWith(fresh);
    shownSeq = parseInt(fresh.getAttribute("data-seq"), 10) || shownSeq;
    if (shownSeq > seen) seen = shownSeq;
  }

  function refresh() {
    if (busy) { wanted(); return; }
    busy = true;
    lastFetch = Date.now();
    fetch(fragmentUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 404) { window.location.reload(); return null; } // the link was revoked
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        if (html === null) return;
        swap(html);
        // Figures counted before the last event we heard of (they come from a cache a few seconds old):
        // ask once more when that cache has run out.
        if (shownSeq < seen) wanted();
      })
      .catch(function () { /* the next event or the fallback tries again */ })
      .then(function () { busy = false; });
  }

  function onEvent(event) {
    // The SSE id is where the stream resumes from (kentmasa.notify.stream): it may lie below the event's
    // seq, while an earlier change is still being committed; reconnecting from seq could skip that one.
    var point = parseInt(event.lastEventId, 10);
    if (point > resume) resume = point;
    try {
      var data = JSON.parse(event.data);
      if (data && typeof data.seq === "number" && data.seq > seen) seen = data.seq;
    } catch (ignored) { /* a malformed event still means something changed */ }
    wanted();
  }

  function connect() {
    if (!window.EventSource) return;
    source = new EventSource(streamUrl + "?since=" + encodeURIComponent(String(resume)));
    source.addEventListener("open", function () { setLive("open"); });
    source.addEventListener("case", onEvent);
    source.addEventListener("reset", function () { wanted(); });
    source.addEventListener("error", function () {
      setLive("connecting");
      if (source.readyState === EventSource.CLOSED) {
        // Refused (a revoked link) or a server that did not answer as a stream: try again later; the
        // fallback refresh meanwhile notices a revoked link and reloads.
        source.close();
        window.setTimeout(connect, RECONNECT);
      }
    });
  }

  // The clock, in the institution's time (Europe/Istanbul), whatever the TV's own setting.
  var clock = document.getElementById("board-clock");
  var date = document.getElementById("board-date");
  var language = body.getAttribute("data-language") || "tr";
  var timeFormat = null;
  var dateFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit", hour12: false,
                                                     timeZone: "Europe/Istanbul" });
    dateFormat = new Intl.DateTimeFormat(language, { day: "numeric", month: "long", year: "numeric",
                                                     weekday: "long", timeZone: "Europe/Istanbul" });
  } catch (ignored) { /* an old browser: the server's time stays */ }
  function tick() {
    var now = new Date();
    if (clock && timeFormat) clock.textContent = timeFormat.format(now);
    if (date && dateFormat) date.textContent = dateFormat.format(now);
  }
  if (timeFormat) { tick(); window.setInterval(tick, 1000); }

  window.setInterval(wanted, fallback);
  connect();
})();
