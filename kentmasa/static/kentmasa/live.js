// kentmasa live screens: the queue, the console, the case page, the overview and the inbox update themselves.
//
// One EventSource per page listens to the live stream (data-live-url on <body>, from the last event before the
// page was rendered: data-live-since; on a reconnect the browser sends Last-Event-ID itself). An event does not
// carry what the page shows: it says that something changed, and the page fetches its own URL again (header
// X-Live-Refresh: 1) and swaps in the parts marked data-live-region (each with an id), taken from the element
// with the same id. The header's counts come from data-live-counts (JSON).
//
//   data-live-region="case"           refreshed on case events (the default when the value is empty),
//                    "notification"   on the user's notifications (the inbox), or both, space separated.
//   data-live-case="<id>"             (body or region) only events about that case (the case page).
//   data-live-throttle="<ms>"         (body or region) at most one refresh per that many milliseconds.
//
// The user's work is never overwritten: a region holding the focused element or a field the user has changed
// waits until focus leaves it; ticked checkboxes are ticked again in the new rows (by name and value). Rows
// (elements with an id, table rows by their first cell) that are new or changed are highlighted briefly, and a
// polite status says "Updated" once per refresh. When the session has ended (the stream refuses it, the page
// answers with the login page) the page stops listening and is left as it is; when the stream failed
// otherwise (a proxy's 502 during a restart, a server error), a new one is opened when it answers again.
// Plain script, no build step; data-live-state on <body> says how the stream is ("open", "stopped").
(function () {
  "use strict";

  var body = document.body;
  var streamUrl = body && body.dataset.liveUrl;
  if (!streamUrl || typeof EventSource === "undefined" || !window.fetch || !window.DOMParser) return;

  var DEBOUNCE = 400; // ms: the events of a burst become one refresh
  var RETRY_AFTER_FAILURE = 5000; // ms: a refresh that failed (network, server error) is tried again later
  var HIGHLIGHT_MS = 6000; // the highlight's class stays this long (the CSS fades it)
  var STATUS_MS = 5000; // the "Updated" message stays this long
  var SEEN_LIMIT = 2000; // event numbers remembered to drop repeats after a reconnect
  var REOPEN_AFTER = 5000; // ms: a stream the browser gave up on (a proxy's 502, a server error) is asked again

  var countsUrl = body.dataset.liveCounts || "";
  var pageCase = body.dataset.liveCase || "";
  var pageThrottle = parseInt(body.dataset.liveThrottle || "0", 10) || 0;
  var stopped = false;
  var source = null;
  var position = body.dataset.liveSince || "0"; // where a new stream starts: the last resume point heard
  var seen = new Map(); // data.seq -> true, oldest first
  var regionState = {}; // region id -> {stale, since, last, waiting, html}
  var timer = null;
  var timerAt = 0;
  var busy = false;

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live-region][id]"));
  }

  function stateOf(region) {
    var state = regionState[region.id];
    if (!state) {
      // html: the server's last markup of the region, to tell what a refresh changed (the page's own DOM
      // may carry classes and ticks of its own).
      state = regionState[region.id] = { stale: false, since: 0, last: 0, waiting: false, html: region.innerHTML };
    }
    return state;
  }

  function topicsOf(region) {
    var value = (region.getAttribute("data-live-region") || "").trim();
    return value ? value.split(/\s+/) : ["case"];
  }

  function throttleOf(region) {
    var own = parseInt(region.dataset.liveThrottle || "", 10);
    return isNaN(own) ? pageThrottle : own;
  }

  function dueAt(region, state) {
    return Math.max(state.since + DEBOUNCE, state.last + throttleOf(region));
  }

  // -- the user's state ----------------------------------------------------------------------------------

  function fieldChanged(field) {
    var type = (field.type || "").toLowerCase();
    if (type === "hidden" || type === "submit" || type === "button" || type === "reset" || type === "image") return false;
    if (type === "checkbox") return false; // ticks are carried over to the new rows (keepTicks)
    if (type === "radio") return field.checked !== field.defaultChecked;
    if (field.tagName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    if (type === "file") return field.files && field.files.length > 0;
    return field.value !== field.defaultValue;
  }

  // A region is left alone while the user is in it or has changed one of its fields.
  function blocked(region) {
    var active = document.activeElement;
    if (active && active !== body && active !== document.documentElement && region.contains(active)) return true;
    return Array.prototype.some.call(region.querySelectorAll("input, textarea, select"), fieldChanged);
  }

  function ticksOf(region) {
    var ticks = [];
    region.querySelectorAll("input[type=checkbox][name]").forEach(function (box) {
      if (box.checked !== box.defaultChecked) ticks.push({ name: box.name, value: box.value, checked: box.checked });
    });
    return ticks;
  }

  function keepTicks(region, ticks) {
    ticks.forEach(function (tick) {
      region.querySelectorAll("input[type=checkbox][name]").forEach(function (box) {
        if (box.name === tick.name && box.value === tick.value) box.checked = tick.checked;
      });
    });
  }

  // -- what changed ------------------------------------------------------------------------------------------

  // An element is followed from one version to the next by its id, a table row without one by its table and
  // first cell (the overview's rows: unit or service names).
  function keyOf(element) {
    if (element.id) return "#" + element.id;
    if (element.tagName === "TR" && element.cells && element.cells.length) {
      var table = element.closest("table");
      return "tr:" + (table ? table.id : "") + ":" + element.cells[0].textContent.trim();
    }
    return "";
  }

  function keyed(root) {
    var found = [];
    root.querySelectorAll("[id], tr").forEach(function (element) {
      var key = keyOf(element);
      if (key) found.push({ key: key, element: element });
    });
    return found;
  }

  // The markup of each keyed element in a region's earlier version, and of its other children, parsed in a
  // document of its own (inert: nothing in it loads or runs) inside an element like the region, so rows stay
  // rows.
  var scratch = document.implementation.createHTMLDocument("");

  function earlier(region, html) {
    var holder = scratch.createElement(region.tagName);
    holder.innerHTML = html;
    var markup = {};
    keyed(holder).forEach(function (item) { markup[item.key] = item.element.outerHTML; });
    var children = {}; // outerHTML -> how many children had it (a timeline's entries, a list's lines)
    Array.prototype.forEach.call(holder.children, function (child) {
      children[child.outerHTML] = (children[child.outerHTML] || 0) + 1;
    });
    return { keyed: markup, children: children };
  }

  function highlight(element) {
    element.classList.remove("live-changed");
    void element.offsetWidth; // restart the fade if it is still running
    element.classList.add("live-changed");
    setTimeout(function () { element.classList.remove("live-changed"); }, HIGHLIGHT_MS);
  }

  // Marks what is new or changed: the outermost keyed elements only (a changed row, not each of its cells);
  // a child of the region without a key when no earlier child was the same (a new timeline entry); the whole
  // region when what changed is neither (a sentence, a count).
  function highlightChanges(region, before) {
    var marked = [];
    function mark(element) {
      if (marked.some(function (outer) { return outer.contains(element); })) return;
      marked.push(element);
    }
    keyed(region).forEach(function (item) {
      if (before.keyed[item.key] !== item.element.outerHTML) mark(item.element);
    });
    var left = Object.assign({}, before.children);
    Array.prototype.forEach.call(region.children, function (child) {
      var html = child.outerHTML;
      if (left[html]) {
        left[html] -= 1;
        return;
      }
      if (keyOf(child) || child.querySelector("[id], tr")) return; // followed by its key, or its rows' keys
      mark(child);
    });
    if (!marked.length) marked.push(region);
    marked.forEach(highlight);
  }

  // -- the status message --------------------------------------------------------------------------------

  var statusTimer = null;

  function announce() {
    var status = document.getElementById("live-status");
    if (!status) return;
    var text = status.dataset.updated || "Updated";
    clearTimeout(statusTimer);
    status.textContent = ""; // emptied first, so the same words are read out again
    status.classList.add("shown");
    setTimeout(function () { status.textContent = text; }, 50);
    statusTimer = setTimeout(function () {
      status.textContent = "";
      status.classList.remove("shown");
    }, STATUS_MS);
  }

  // -- refreshing the regions ------------------------------------------------------------------------------

  function plan() {
    if (stopped || busy || document.hidden) return;
    var next = Infinity;
    regions().forEach(function (region) {
      var state = stateOf(region);
      if (state.stale && !state.waiting) next = Math.min(next, dueAt(region, state));
    });
    if (next === Infinity) return;
    if (timer && timerAt <= next) return; // already planned, and no later
    clearTimeout(timer);
    timerAt = next;
    timer = setTimeout(refresh, Math.max(0, next - Date.now()));
  }

  function markStale(topic, caseId) {
    var now = Date.now();
    regions().forEach(function (region) {
      if (topic !== "*") {
        if (topicsOf(region).indexOf(topic) < 0) return;
        var only = region.dataset.liveCase || pageCase;
        if (topic === "case" && only && String(caseId) !== only) return;
      }
      var state = stateOf(region);
      if (!state.stale) {
        state.stale = true;
        state.since = now;
      }
    });
    plan();
  }

  function failed(due) {
    var later = Date.now() + RETRY_AFTER_FAILURE;
    due.forEach(function (region) {
      var state = stateOf(region);
      state.stale = true;
      state.since = Math.max(state.since, later);
    });
  }

  function refresh() {
    timer = null;
    timerAt = 0;
    if (stopped || busy) return;
    var now = Date.now();
    var due = regions().filter(function (region) {
      var state = stateOf(region);
      if (!state.stale || state.waiting || dueAt(region, state) > now + 20) return false;
      if (blocked(region)) {
        state.waiting = true; // until the user leaves it (focusout below)
        return false;
      }
      return true;
    });
    if (!due.length) {
      plan();
      return;
    }
    busy = true;
    due.forEach(function (region) { stateOf(region).stale = false; }); // what comes during the fetch marks them again
    fetch(location.href, {
      headers: { "X-Live-Refresh": "1" },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "follow"
    })
      .then(function (response) {
        if (response.redirected && new URL(response.url).pathname !== location.pathname) {
          stop(); // signed out (the login page), or the page is no longer this one
          return null;
        }
        if (response.status === 401 || response.status === 403 || response.status === 404) {
          stop(); // no longer allowed to see it (a case moved to another unit)
          return null;
        }
        if (!response.ok) {
          failed(due);
          return null;
        }
        return response.text();
      })
      .then(function (html) {
        if (html !== null && !stopped) swap(due, new DOMParser().parseFromString(html, "text/html"));
      })
      .catch(function () { failed(due); })
      .then(function () {
        busy = false;
        plan();
      });
  }

  function swap(due, doc) {
    var changed = false;
    var now = Date.now();
    due.forEach(function (region) {
      var state = stateOf(region);
      var incoming = doc.getElementById(region.id);
      if (!incoming) return; // the new page has no such part: leave this one as it is
      if (blocked(region)) { // the user came in while the page was being fetched
        state.stale = true;
        state.waiting = true;
        return;
      }
      state.last = now;
      var html = incoming.innerHTML;
      if (html === state.html) return;
      var before = earlier(region, state.html);
      var ticks = ticksOf(region);
      region.innerHTML = html;
      state.html = html;
      if (window.htmx) window.htmx.process(region);
      keepTicks(region, ticks);
      highlightChanges(region, before);
      changed = true;
    });
    if (changed) announce();
  }

  // A region left alone while the user was in it catches up when they leave it.
  function recheck() {
    var any = false;
    regions().forEach(function (region) {
      var state = stateOf(region);
      if (state.waiting && !blocked(region)) {
        state.waiting = false;
        any = true;
      }
    });
    if (any) plan();
  }

  document.addEventListener("focusout", function () { setTimeout(recheck, 0); });
  document.addEventListener("reset", function () { setTimeout(recheck, 0); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) plan(); });

  // -- the header's counts ---------------------------------------------------------------------------------

  var countsTimer = null;
  var countsBusy = false;
  var countsAgain = false;

  function setCount(id, count, label) {
    var badge = document.getElementById(id);
    if (!badge || label === null || label === undefined) return;
    var text = badge.firstChild; // the number; a visually hidden word follows it
    var was = text && text.nodeType === 3 ? text.nodeValue : null;
    if (was === null) {
      badge.insertBefore(document.createTextNode(label), badge.firstChild);
    } else if (was !== label) {
      text.nodeValue = label;
    }
    badge.classList.toggle("zero", !count);
    if (was !== label && count) highlight(badge);
  }

  function loadCounts() {
    countsTimer = null;
    if (stopped) return;
    if (countsBusy) {
      countsAgain = true;
      return;
    }
    countsBusy = true;
    fetch(countsUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          stop();
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (counts) {
        if (!counts) return;
        setCount("unread-count", counts.unread, counts.unread_label);
        if (counts.queue_new !== null && counts.queue_new !== undefined) {
          setCount("queue-new-count", counts.queue_new, counts.queue_new_label);
        }
      })
      .catch(function () {})
      .then(function () {
        countsBusy = false;
        if (countsAgain) {
          countsAgain = false;
          scheduleCounts();
        }
      });
  }

  function scheduleCounts() {
    if (!countsUrl || countsTimer || stopped) return;
    countsTimer = setTimeout(loadCounts, DEBOUNCE);
  }

  // -- the stream ------------------------------------------------------------------------------------------

  // The event's data, or null for one already seen (a reconnect resumes a little before where it stopped).
  function fresh(event) {
    if (event.lastEventId) position = event.lastEventId;
    var data;
    try {
      data = JSON.parse(event.data || "{}");
    } catch (error) {
      return null;
    }
    if (!data || typeof data !== "object") return null;
    if (typeof data.seq === "number") {
      if (seen.has(data.seq)) return null;
      seen.set(data.seq, true);
      if (seen.size > SEEN_LIMIT) seen.delete(seen.keys().next().value);
    }
    return data;
  }

  function stop() {
    if (stopped) return;
    stopped = true;
    if (source) source.close();
    clearTimeout(timer);
    clearTimeout(countsTimer);
    body.dataset.liveState = "stopped";
  }

  function streamAt() {
    return streamUrl + (streamUrl.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(position);
  }

  // The browser gave up on the stream: it answered something other than a stream. That is a refusal (signed
  // out, switched off: 401, 403) or a failure that passes (a proxy's 502 while the server restarts, a 500, a
  // 503): the stream's own answer, asked again a little later, says which.
  function reopenLater() {
    if (stopped) return;
    setTimeout(function () {
      if (stopped) return;
      var controller = window.AbortController ? new AbortController() : null;
      fetch(streamAt(), {
        credentials: "same-origin",
        cache: "no-store",
        headers: { Accept: "text/event-stream" },
        signal: controller ? controller.signal : undefined
      })
        .then(function (response) {
          if (controller) controller.abort(); // only its answer was wanted
          if (response.status === 401 || response.status === 403 || response.status === 404) {
            stop();
          } else if (response.ok) {
            connect();
          } else {
            reopenLater();
          }
        })
        .catch(reopenLater); // the server is not there yet
    }, REOPEN_AFTER);
  }

  function connect() {
    source = new EventSource(streamAt());
    body.dataset.liveState = "connecting";
    source.addEventListener("open", function () { body.dataset.liveState = "open"; });
    source.addEventListener("case", function (event) {
      var data = fresh(event);
      if (!data) return;
      markStale("case", data["case"]);
      if (document.getElementById("queue-new-count")) scheduleCounts(); // the queue's count of new cases
    });
    source.addEventListener("notification", function (event) {
      if (!fresh(event)) return;
      markStale("notification");
      scheduleCounts();
    });
    // Police alarms and team moves (kentmasa.emergency) are handed to the page's own scripts as
    // "kentmasa:alarm" and "kentmasa:team" events on the document, with the event's data as detail.
    ["alarm", "team"].forEach(function (topic) {
      source.addEventListener(topic, function (event) {
        var data = fresh(event);
        if (!data) return;
        document.dispatchEvent(new CustomEvent("kentmasa:" + topic, { detail: data }));
      });
    });
    source.addEventListener("reset", function (event) {
      if (event.lastEventId) position = event.lastEventId;
      markStale("*"); // too far behind to catch up event by event: everything again
      document.dispatchEvent(new CustomEvent("kentmasa:reset"));
      scheduleCounts();
    });
    source.addEventListener("error", function () {
      body.dataset.liveState = "connecting";
      if (source.readyState === EventSource.CLOSED) {
        source.close(); // the browser will not retry: this page asks again (reopenLater)
        reopenLater();
      } // else the browser reconnects by itself, with Last-Event-ID
    });
  }

  regions().forEach(stateOf);
  connect();
})();
