// kentmasa staff screens: the console's caller pick and category search, and the Leaflet maps.
// Plain script, no build step; htmx does the fetching, this file only wires keys and fields.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // -- caller pick: fill the citizen fields from a lookup result ------------------------------------------
  function pickCaller(button) {
    var d = button.dataset;
    var fields = { id_citizen: d.id, id_citizen_name: d.name, id_citizen_phone: d.phone,
                   id_citizen_tc_kimlik: d.tc, id_citizen_email: d.email };
    Object.keys(fields).forEach(function (id) {
      var input = byId(id);
      if (input && (fields[id] || id === "id_citizen")) input.value = fields[id] || "";
    });
    var picked = byId("picked-caller");
    if (picked) {
      picked.hidden = !d.id;
      byId("picked-caller-name").textContent = d.name || d.phone || "";
    }
    var next = byId("id_category_search");
    if (next) next.focus();
  }

  function clearCaller() {
    ["id_citizen", "id_citizen_name", "id_citizen_phone", "id_citizen_tc_kimlik", "id_citizen_email"]
      .forEach(function (id) { var input = byId(id); if (input) input.value = ""; });
    byId("picked-caller").hidden = true;
    var name = byId("id_citizen_name");
    if (name) name.focus();
  }

  // -- queue: one box ticks every case on the page --------------------------------------------------------
  document.addEventListener("change", function (event) {
    var name = event.target.dataset && event.target.dataset.selectAll;
    if (!name) return;
    document.querySelectorAll('input[type=checkbox][name="' + name + '"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".pick-caller");
    if (button) { event.preventDefault(); pickCaller(button); }
    if (event.target.id === "clear-caller") { event.preventDefault(); clearCaller(); }
  });

  // -- category combobox: type, arrows, Enter ---------------------------------------------------------------
  // The ARIA combobox pattern with a list of suggestions: typing shows them with none highlighted; ArrowDown
  // highlights the first (opening the list if it is closed), ArrowUp from nothing the last; Enter takes the
  // highlighted one (or the only suggestion, when the text matches just one); Escape closes the list.
  function initCombobox(root) {
    var input = root.querySelector("[role=combobox]");
    var hidden = byId("id_category");
    var list = byId(input.getAttribute("aria-controls"));
    var chosen = byId("category-chosen");
    var highlightFirst = false;  // ArrowDown asked for options still on their way: highlight the first
    var picked = false;  // a topic was just taken; suggestions arriving late must not open the list again

    function options() { return Array.prototype.slice.call(list.querySelectorAll("[role=option]")); }
    function open(yes) {
      list.hidden = !yes;
      input.setAttribute("aria-expanded", yes ? "true" : "false");
      if (!yes) mark(-1);
    }
    function mark(index) {
      var all = options();
      all.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      if (all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }
    function active() {
      return options().findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    }
    function pick(option) {
      hidden.value = option.dataset.id;
      input.value = option.dataset.label;
      chosen.textContent = "";
      var strong = document.createElement("strong");
      strong.textContent = option.dataset.label;
      chosen.appendChild(strong);
      if (option.dataset.unit) chosen.appendChild(document.createTextNode(" → " + option.dataset.unit));
      list.innerHTML = "";
      open(false);
      picked = true;
    }
    function fetchOptions() {
      highlightFirst = true;
      picked = false;
      if (window.htmx) {
        htmx.ajax("GET", root.dataset.url + "?q=" + encodeURIComponent(input.value), { target: list, swap: "innerHTML" });
      }
    }

    input.addEventListener("input", function () {
      // What was picked no longer matches the text; old options must not be picked by an early Enter.
      hidden.value = "";
      chosen.textContent = "";
      list.innerHTML = "";
      open(false);
      picked = false;
    });
    input.addEventListener("keydown", function (event) {
      var all = options();
      var i = active();
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!all.length) { fetchOptions(); return; }
        if (list.hidden) { open(true); mark(0); return; }
        mark(Math.min(i + 1, all.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!all.length) return;
        if (list.hidden) open(true);
        mark(i < 0 ? all.length - 1 : Math.max(i - 1, 0));
      } else if (event.key === "Enter") {
        var only = all.length === 1 ? all[0] : null;
        if (!list.hidden && (i >= 0 || only)) {
          event.preventDefault();
          pick(i >= 0 ? all[i] : only);
        } else if (!hidden.value) {
          event.preventDefault();  // no category yet: do not send the form by accident
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) { event.preventDefault(); open(false); }
      }
    });
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) pick(option);
    });
    input.addEventListener("blur", function () { open(false); });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target !== list) return;
      if (picked) { list.innerHTML = ""; open(false); return; }  // a late answer after the choice
      // Never pre-highlighted, so ArrowDown takes the first; an option already highlighted stays so when the
      // same suggestions come back (a second answer to the same text).
      var before = input.getAttribute("aria-activedescendant");
      var shown = document.activeElement === input && list.children.length > 0;
      list.hidden = !shown;
      input.setAttribute("aria-expanded", shown ? "true" : "false");
      var again = options().findIndex(function (o) { return o.id === before; });
      mark(!shown ? -1 : highlightFirst ? Math.max(again, 0) : again);
      highlightFirst = false;
    });
  }

  // -- maps: Leaflet, tiles only when configured, points always; click sets the location when editable -----
  // Leaflet puts string tooltip and popup content in as HTML; labels carry what citizens typed, so they
  // always go in as a text node.
  function textLabel(text) {
    var span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span;
  }

  function initMap(element) {
    var config = JSON.parse(byId(element.id + "-config").textContent);
    var latInput = byId(element.dataset.latInput);
    var lonInput = byId(element.dataset.lonInput);
    // A map shown as a picture (role=img: the case page) holds nothing that could take the focus.
    var picture = element.getAttribute("role") === "img";
    var map = L.map(element, {
      keyboard: false, zoomControl: !picture, attributionControl: !!config.tiles && !picture
    });
    // Leaflet's tooltips listen for focus on their shapes, which makes an SVG shape a Tab stop in Chromium
    // (a hundred on the console between the longitude field and Save): shapes are for the mouse only.
    map.on("layeradd", function (event) {
      var shape = event.layer instanceof L.Path && event.layer.getElement();
      if (shape) shape.setAttribute("tabindex", "-1");
    });
    if (config.tiles) {
      L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
    } else {
      element.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    // The console's map asks the server for the open cases in view, block by block, as the task map does
    // (map_blocks.js and the task map's points endpoint): the page itself carries no case.
    var cases = null;
    if (config.blocks && window.kentmasaMaps) {
      cases = window.kentmasaMaps.caseBlocks(map, L.layerGroup().addTo(map), {
        url: config.blocks.url,
        filters: config.blocks.filters,
        cellsPerTile: config.blocks.cells_per_tile,
        text: config.blocks.text,
        linkTarget: "_blank",  // the case opens beside the half-typed new one, which stays
        onChange: function (summary) {
          element.dataset.clusters = summary.clusters;
          element.dataset.points = summary.points;
        },
        onLoaded: function (count) { element.dataset.loaded = count; }
      });
    }
    var bounds = [];
    config.points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], { radius: 5, weight: 1, color: "#2f5d8a", fillOpacity: 0.6 })
        .bindTooltip(textLabel(p.label)).addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    var marker = null;
    function place(lat, lon) {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.circleMarker([lat, lon], { radius: 9, weight: 3, color: "#b3261e", fillOpacity: 0.3 }).addTo(map);
    }
    var start = latInput && lonInput && latInput.value && lonInput.value
      ? [parseFloat(latInput.value.replace(",", ".")), parseFloat(lonInput.value.replace(",", "."))] : null;
    if (start && !isNaN(start[0]) && !isNaN(start[1])) {
      place(start[0], start[1]);
      map.setView(start, 16);
    } else if (config.center) {
      place(config.center[0], config.center[1]);
      map.setView(config.center, 16);
    } else if (bounds.length) {
      map.fitBounds(bounds, { padding: [20, 20], maxZoom: 16 });
    } else if (config.extent) {  // the institution's mahalles
      var e = config.extent;
      map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { padding: [10, 10] });
    } else {
      map.setView([39.0, 35.2], 6);  // Turkey
    }
    if (cases) {
      var timer = null;
      map.on("moveend", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(cases.load, 150);
      });
      cases.load();
    }
    // The map is for the mouse; the keyboard path is the latitude and longitude fields.
    element.querySelectorAll("a, [tabindex]").forEach(function (el) { el.tabIndex = -1; });
    if (config.editable && latInput && lonInput) {
      map.on("click", function (event) {
        latInput.value = event.latlng.lat.toFixed(6);
        lonInput.value = L.Util.wrapNum(event.latlng.lng, [-180, 180], true).toFixed(6);
        place(event.latlng.lat, event.latlng.lng);
      });
      [latInput, lonInput].forEach(function (input) {
        input.addEventListener("change", function () {
          var lat = parseFloat(latInput.value.replace(",", "."));
          var lon = parseFloat(lonInput.value.replace(",", "."));
          if (!isNaN(lat) && !isNaN(lon)) { place(lat, lon); map.panTo([lat, lon]); }
        });
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-combobox]").forEach(initCombobox);
    if (window.L) document.querySelectorAll("[data-map]").forEach(initMap);
  });
})();
