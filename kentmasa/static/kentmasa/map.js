// kentmasa task map: the cases as server-side grid clusters, and the mahalles coloured by a measure.
// The server does the counting; this file draws what it gets. Subjects and names are citizens' and
// officials' text, so everything from the server goes into the page as text nodes, never as HTML.
(function () {
  "use strict";

  var CASE_COLOUR = "#2f5d8a";
  var LATE_COLOUR = "#b3261e";

  function byId(id) { return document.getElementById(id); }

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  // "%(count)s cases" with values: the translated templates come from the server.
  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function queryString(params) {
    return Object.keys(params)
      .filter(function (key) { return params[key] !== "" && params[key] !== null && params[key] !== undefined; })
      .map(function (key) { return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]); })
      .join("&");
  }

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

    // -- cases: clusters and single points ------------------------------------------------------------------
    function clusterMarker(cluster) {
      var size = Math.round(26 + 8 * Math.log10(cluster.count));
      var label = node("span", "", numbers.format(cluster.count));
      var marker = L.marker([cluster.lat, cluster.lon], {
        keyboard: false,
        icon: L.divIcon({
          html: label,
          className: "cluster-icon" + (cluster.overdue ? " has-overdue" : ""),
          iconSize: [size, size]
        })
      });
      marker.bindTooltip(node("span", "", fill(text.cluster, {
        count: numbers.format(cluster.count), overdue: numbers.format(cluster.overdue)
      })));
      marker.on("click", function () {
        map.setView([cluster.lat, cluster.lon], Math.min(map.getZoom() + 2, map.getMaxZoom()));
      });
      return marker;
    }

    function casePopup(point) {
      var box = node("div", "map-popup");
      box.appendChild(node("strong", "mono", point.tracking));
      box.appendChild(node("span", "", point.subject));
      if (point.overdue) box.appendChild(node("span", "late", text.overdue));
      var link = node("a", "case-link", text.open_case);
      link.href = point.url;
      box.appendChild(link);
      return box;
    }

    function pointMarker(point) {
      var colour = point.overdue ? LATE_COLOUR : CASE_COLOUR;
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: 6, weight: 2, color: colour, fillColor: colour, fillOpacity: 0.55, className: "case-point"
      });
      marker.bindTooltip(node("span", "", point.tracking + " · " + point.subject));
      marker.bindPopup(function () { return casePopup(point); });
      return marker;
    }

    // The cases are asked for in blocks of BLOCK × BLOCK cells of the server's grid, not for the whole
    // screen at once: a pan fetches only the blocks it uncovers, a zoom back finds its blocks in memory,
    // and each block is a small, index-friendly query. A block never splits a cell, so nothing is counted
    // twice; the box sent is inset by half a cell so rounding cannot reach into a neighbour.
    var BLOCK = 8;
    var KEEP_MS = 30 * 1000;  // as long as the server lets the browser cache a block
    var blocks = {};  // key → { at, layer, data }
    var shown = {};   // key → true for the blocks on the map now

    function cellSize(zoom) { return 360 / (Math.pow(2, zoom) * config.cells_per_tile); }

    function visibleBlocks() {
      var zoom = map.getZoom();
      var cell = cellSize(zoom);
      var size = cell * BLOCK;
      var bounds = map.getBounds();
      var west = Math.max(bounds.getWest(), -180), east = Math.min(bounds.getEast(), 180);
      var south = Math.max(bounds.getSouth(), -90), north = Math.min(bounds.getNorth(), 90);
      var found = [];
      for (var x = Math.floor(west / size); x <= Math.floor(east / size); x++) {
        for (var y = Math.floor(south / size); y <= Math.floor(north / size); y++) {
          found.push({
            key: zoom + "/" + x + "/" + y,
            zoom: zoom,
            bbox: [x * size + cell / 2, y * size + cell / 2, (x + 1) * size - cell / 2, (y + 1) * size - cell / 2]
          });
        }
      }
      return found;
    }

    function blockLayer(data) {
      var layer = L.layerGroup();
      data.clusters.forEach(function (cluster) { layer.addLayer(clusterMarker(cluster)); });
      data.points.forEach(function (point) { layer.addLayer(pointMarker(point)); });
      return layer;
    }

    function summarise() {
      var bounds = map.getBounds();
      var total = 0, overdue = 0, clusters = 0, points = 0;
      Object.keys(shown).forEach(function (key) {
        var data = blocks[key] && blocks[key].data;
        if (!data) return;
        data.clusters.forEach(function (c) {
          if (!bounds.contains([c.lat, c.lon])) return;
          total += c.count; overdue += c.overdue; clusters += 1;
        });
        data.points.forEach(function (p) {
          if (!bounds.contains([p.lat, p.lon])) return;
          total += 1; overdue += p.overdue ? 1 : 0; points += 1;
        });
      });
      element.dataset.clusters = clusters;
      element.dataset.points = points;
      say(fill(text.in_view, { count: numbers.format(total), overdue: numbers.format(overdue) }));
    }

    function show(key) {
      if (shown[key] || !blocks[key] || !blocks[key].layer) return;
      blocks[key].layer.addTo(caseLayer);
      shown[key] = true;
    }

    function loadPoints() {
      var wanted = visibleBlocks();
      var keys = {};
      wanted.forEach(function (block) { keys[block.key] = true; });
      Object.keys(shown).forEach(function (key) {
        if (!keys[key]) { caseLayer.removeLayer(blocks[key].layer); delete shown[key]; }
      });
      var now = Date.now();
      Object.keys(blocks).forEach(function (key) {  // forget what is old and off the map
        var entry = blocks[key];
        if (!shown[key] && !entry.promise && now - entry.at >= KEEP_MS) delete blocks[key];
      });
      var pending = [];
      wanted.forEach(function (block) {
        var known = blocks[block.key];
        if (known && known.data && now - known.at < KEEP_MS) { show(block.key); return; }
        if (known && known.promise) { pending.push(known.promise); return; }
        var params = Object.assign({}, config.filters, { bbox: block.bbox.join(","), zoom: block.zoom });
        var entry = blocks[block.key] = blocks[block.key] || {};
        entry.promise = fetch(config.points_url + "?" + queryString(params), {
          credentials: "same-origin", headers: { Accept: "application/json" }
        }).then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        }).then(function (data) {
          if (shown[block.key]) { caseLayer.removeLayer(entry.layer); delete shown[block.key]; }
          entry.at = Date.now();
          entry.data = data;
          entry.layer = blockLayer(data);
          entry.promise = null;
          if (visibleBlocks().some(function (b) { return b.key === block.key; })) show(block.key);
          summarise();
        }).catch(function (error) {
          entry.promise = null;
          failed(error);
        });
        pending.push(entry.promise);
      });
      summarise();
      Promise.all(pending).then(function () { element.dataset.loaded = wanted.length; });
    }

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
      timer = window.setTimeout(loadPoints, 150);
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
    if (!window.L) return;
    document.querySelectorAll("[data-task-map]").forEach(initTaskMap);
    document.querySelectorAll("[data-mahalle-map]").forEach(initMahalleMap);
  });
})();
