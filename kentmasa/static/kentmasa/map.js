// kentmasa task map: the cases as server-side grid clusters, and the mahalles coloured by a measure.
// The server does the counting; this file draws what it gets. Subjects and names are citizens' and
// officials' text, so everything from the server goes into the page as text nodes, never as HTML.
(function () {
  "use strict";

  var shared = window.kentmasaMaps;  // map_blocks.js: the case blocks, shared with the console's map
  var CASE_COLOUR = shared.CASE_COLOUR;
  var LATE_COLOUR = shared.LATE_COLOUR;
  var node = shared.node;
  var fill = shared.fill;
  var queryString = shared.queryString;

  function byId(id) { return document.getElementById(id); }

  // Leaflet's tooltips listen for focus on the shapes they belong to, and Chromium makes an SVG shape with
  // focus listeners a Tab stop: a busy map was hundreds of unnamed Tab stops. Shapes are for the mouse; the
  // keyboard has the map's own keys (the task map), the skip link past it and the table beside it.
  function keepShapesOutOfTabOrder(map) {
    map.on("layeradd", function (event) {
      var layer = event.layer;
      var element = layer.getElement && layer.getElement();
      if (!element) return;
      if (layer instanceof L.Path || (layer instanceof L.Marker && element.hasAttribute("tabindex"))) {
        element.setAttribute("tabindex", "-1");
      }
    });
  }

  // Boundaries come simplified for three zoom bands; a new band means a new request.
  function boundaryZoom(zoom) { return zoom <= 10 ? 10 : (zoom <= 13 ? 13 : 16); }

  function initTaskMap(element) {
    var config = JSON.parse(byId(element.dataset.config).textContent);
    var text = config.text;
    var numbers = new Intl.NumberFormat(document.documentElement.lang || "tr");
    var status = byId("map-status");
    var measureSelect = byId("map-measure");

    // The map itself is one Tab stop: the arrow keys move it, + and - zoom (Leaflet's keyboard handler).
    var map = L.map(element, { attributionControl: !!config.tiles, zoomControl: false, minZoom: 5, maxZoom: 19 });
    keepShapesOutOfTabOrder(map);
    L.control.zoom({ zoomInTitle: text.zoom_in, zoomOutTitle: text.zoom_out }).addTo(map);
    if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    // Mahalles under the cases: their own pane below Leaflet's overlay pane, drawn by their own renderer.
    map.createPane("areas").style.zIndex = 350;
    var areaRenderer = L.svg({ pane: "areas" });
    var areaLayer = L.geoJSON(null, { renderer: areaRenderer, pane: "areas" }).addTo(map);
    var caseLayer = L.layerGroup().addTo(map);

    var areasRequest = null;
    var areasZoom = null;
    var timer = null;

    function say(message) { status.textContent = message; }

    function get(url, previous) {
      if (previous) previous.abort();
      var controller = new AbortController();
      controller.promise = fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller.signal
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      });
      return controller;
    }

    function failed(error) {
      if (error && error.name === "AbortError") return;
      say(text.failed);
    }

    // -- cases: clusters and single points, asked for per block of the viewport (map_blocks.js) ----------
    var cases = shared.caseBlocks(map, caseLayer, {
      url: config.points_url,
      filters: config.filters,
      cellsPerTile: config.cells_per_tile,
      text: text,
      numbers: numbers,
      onFail: failed,
      onChange: function (summary) {
        element.dataset.clusters = summary.clusters;
        element.dataset.points = summary.points;
        say(fill(text.in_view, { count: numbers.format(summary.total), overdue: numbers.format(summary.overdue) }));
      },
      onLoaded: function (count) { element.dataset.loaded = count; }
    });

    // -- mahalles: the coloured layer, its legend and its table --------------------------------------------
    function areaTooltip(properties) {
      var box = node("div", "map-popup");
      box.appendChild(node("strong", "", properties.name));
      box.appendChild(node("span", "", properties.district));
      box.appendChild(node("span", "", measureLabel() + ": " + properties.value_text));
      return box;
    }

    function areaPopup(properties) {
      var box = areaTooltip(properties);
      box.appendChild(node("span", "", text.cases + ": " + numbers.format(properties.count)));
      var link = node("a", "mahalle-link", text.open_mahalle);
      link.id = "mahalle-link-" + properties.id;
      link.href = properties.url;
      box.appendChild(link);
      return box;
    }

    function measureLabel() {
      return measureSelect.options[measureSelect.selectedIndex].textContent;
    }

    function drawLegend(data) {
      var legend = byId("map-legend");
      legend.textContent = "";
      data.legend.forEach(function (entry) {
        var item = node("li");
        var swatch = node("span", "swatch");
        swatch.style.backgroundColor = entry.colour;
        item.appendChild(swatch);
        item.appendChild(node("span", "", entry.label));
        legend.appendChild(item);
      });
      byId("legend-measure").textContent = data.measure_label;
      var unmatched = byId("map-unmatched");
      unmatched.hidden = !data.unmatched;
      unmatched.textContent = data.unmatched ? fill(text.unmatched, { count: numbers.format(data.unmatched) }) : "";
    }

    function drawTable(data) {
      byId("mahalle-list-measure").textContent = data.measure_label;
      var body = byId("mahalle-list").tBodies[0];
      body.textContent = "";
      data.features.slice().sort(function (a, b) {
        var x = a.properties.value, y = b.properties.value;
        if (x === y) return a.properties.name.localeCompare(b.properties.name);
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      }).forEach(function (feature) {
        var p = feature.properties;
        var row = node("tr");
        var name = node("th");
        name.scope = "row";
        var link = node("a", "", p.name);
        link.href = p.url;
        name.appendChild(link);
        row.appendChild(name);
        row.appendChild(node("td", "", p.district));
        row.appendChild(node("td", "num", numbers.format(p.count)));
        row.appendChild(node("td", "num", numbers.format(p.overdue)));
        row.appendChild(node("td", "num", p.value_text));
        body.appendChild(row);
      });
    }

    function loadAreas() {
      areasZoom = boundaryZoom(map.getZoom());
      var params = Object.assign({}, config.filters, { measure: config.measure, zoom: areasZoom });
      byId("legend-measure").textContent = text.loading;
      areasRequest = get(config.areas_url + "?" + queryString(params), areasRequest);
      areasRequest.promise.then(function (data) {
        areaLayer.clearLayers();
        areaLayer.options.style = function (feature) {
          return { color: "#56616d", weight: 1, fillColor: feature.properties.colour, fillOpacity: 0.55 };
        };
        areaLayer.options.onEachFeature = function (feature, layer) {
          layer.bindTooltip(areaTooltip(feature.properties), { sticky: true });
          layer.bindPopup(function () { return areaPopup(feature.properties); });
          layer.on("add", function () {
            var path = layer.getElement();
            if (!path) return;
            path.classList.add("mahalle");
            path.setAttribute("data-area", feature.properties.id);
            path.setAttribute("data-class", feature.properties["class"] === null ? "" : feature.properties["class"]);
          });
        };
        areaLayer.addData(data);
        element.dataset.areas = data.features.length;
        element.dataset.measure = data.measure;
        drawLegend(data);
        drawTable(data);
      }).catch(failed);
    }

    // -- wiring ---------------------------------------------------------------------------------------------
    measureSelect.addEventListener("change", function () {
      config.measure = measureSelect.value;
      var url = new URL(window.location.href);
      url.searchParams.set("measure", config.measure);
      window.history.replaceState(null, "", url.toString());
      loadAreas();
    });
    map.on("moveend", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(cases.load, 150);
      if (boundaryZoom(map.getZoom()) !== areasZoom) loadAreas();
    });

    say(text.loading);
    var e = config.extent;
    map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { padding: [10, 10] });
  }

  // The mahalle page: its boundary, its repeat locations sized by how many cases each holds, and the points
  // of the cases listed on the page. The map is a picture (role=img): nothing in it takes the focus, no
  // zoom buttons, no links; the list of cases below it is what the keyboard uses.
  function initMahalleMap(element) {
    var config = JSON.parse(byId(element.dataset.config).textContent);
    var numbers = new Intl.NumberFormat(document.documentElement.lang || "tr");
    var map = L.map(element, {
      attributionControl: false, zoomControl: false, keyboard: false, scrollWheelZoom: false
    });
    keepShapesOutOfTabOrder(map);
    var e = config.extent;
    map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { padding: [10, 10] });  // a view before any layer
    if (config.tiles) L.tileLayer(config.tiles, { maxZoom: 19 }).addTo(map);
    L.control.scale({ imperial: false }).addTo(map);
    if (config.boundary) {
      L.geoJSON(config.boundary, { style: { color: "#245a8c", weight: 2, fillOpacity: 0.08 } }).addTo(map);
    }
    config.hotspots.forEach(function (spot) {
      var colour = spot.overdue ? LATE_COLOUR : CASE_COLOUR;
      L.circleMarker([spot.lat, spot.lon], {
        radius: Math.min(18, 5 + 3 * Math.sqrt(spot.count)), weight: 2, color: colour, fillOpacity: 0.4,
        className: "hotspot"
      }).bindTooltip(node("span", "", fill(config.text.cluster, {
        count: numbers.format(spot.count), overdue: numbers.format(spot.overdue)
      }))).addTo(map);
    });
    (config.points || []).forEach(function (point) {
      var colour = point.overdue ? LATE_COLOUR : CASE_COLOUR;
      L.circleMarker([point.lat, point.lon], {
        radius: 4, weight: 1, color: colour, fillColor: colour, fillOpacity: 0.8, className: "case-point"
      }).bindTooltip(node("span", "", point.label)).addTo(map);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L || !shared) return;
    document.querySelectorAll("[data-task-map]").forEach(initTaskMap);
    document.querySelectorAll("[data-mahalle-map]").forEach(initMahalleMap);
  });
})();
