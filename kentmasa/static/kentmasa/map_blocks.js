// kentmasa maps: the cases of a Leaflet map asked from the server per viewport, in blocks, and drawn as the
// server's grid clusters and single points. Shared by the task map (map.js) and the console's location map
// (app.js); the endpoint is the task map's /raporlar/harita/noktalar (kentmasa.reports.views_map.map_points).
// Subjects are citizens' text, so everything from the server goes into the page as text nodes, never HTML.
(function () {
  "use strict";

  var CASE_COLOUR = "#2f5d8a";
  var LATE_COLOUR = "#b3261e";

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

  // The cases of `map` drawn into `layer`. options: url (the points endpoint), filters (its query
  // parameters), cellsPerTile (the server's grid), text (cluster, open_case, overdue), numbers (an
  // Intl.NumberFormat), linkTarget (where a case link opens), onChange(shown blocks' data, summary),
  // onFail(error), onLoaded(block count). Returns { load } to call after each move.
  function caseBlocks(map, layer, options) {
    var text = options.text;
    var numbers = options.numbers || new Intl.NumberFormat(document.documentElement.lang || "tr");

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
      if (options.linkTarget) { link.target = options.linkTarget; link.rel = "noopener"; }
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

    function cellSize(zoom) { return 360 / (Math.pow(2, zoom) * options.cellsPerTile); }

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
      var group = L.layerGroup();
      data.clusters.forEach(function (cluster) { group.addLayer(clusterMarker(cluster)); });
      data.points.forEach(function (point) { group.addLayer(pointMarker(point)); });
      return group;
    }

    // What is in view now: cases, overdue ones, clusters and single points drawn.
    function summarise() {
      var bounds = map.getBounds();
      var summary = { total: 0, overdue: 0, clusters: 0, points: 0 };
      Object.keys(shown).forEach(function (key) {
        var data = blocks[key] && blocks[key].data;
        if (!data) return;
        data.clusters.forEach(function (c) {
          if (!bounds.contains([c.lat, c.lon])) return;
          summary.total += c.count; summary.overdue += c.overdue; summary.clusters += 1;
        });
        data.points.forEach(function (p) {
          if (!bounds.contains([p.lat, p.lon])) return;
          summary.total += 1; summary.overdue += p.overdue ? 1 : 0; summary.points += 1;
        });
      });
      if (options.onChange) options.onChange(summary);
    }

    function show(key) {
      if (shown[key] || !blocks[key] || !blocks[key].layer) return;
      blocks[key].layer.addTo(layer);
      shown[key] = true;
    }

    function load() {
      var wanted = visibleBlocks();
      var keys = {};
      wanted.forEach(function (block) { keys[block.key] = true; });
      Object.keys(shown).forEach(function (key) {
        if (!keys[key]) { layer.removeLayer(blocks[key].layer); delete shown[key]; }
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
        var params = Object.assign({}, options.filters, { bbox: block.bbox.join(","), zoom: block.zoom });
        var entry = blocks[block.key] = blocks[block.key] || {};
        entry.promise = fetch(options.url + "?" + queryString(params), {
          credentials: "same-origin", headers: { Accept: "application/json" }
        }).then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        }).then(function (data) {
          if (shown[block.key]) { layer.removeLayer(entry.layer); delete shown[block.key]; }
          entry.at = Date.now();
          entry.data = data;
          entry.layer = blockLayer(data);
          entry.promise = null;
          if (visibleBlocks().some(function (b) { return b.key === block.key; })) show(block.key);
          summarise();
        }).catch(function (error) {
          entry.promise = null;
          if (options.onFail) options.onFail(error);
        });
        pending.push(entry.promise);
      });
      summarise();
      Promise.all(pending).then(function () { if (options.onLoaded) options.onLoaded(wanted.length); });
    }

    return { load: load };
  }

  window.kentmasaMaps = {
    CASE_COLOUR: CASE_COLOUR,
    LATE_COLOUR: LATE_COLOUR,
    node: node,
    fill: fill,
    queryString: queryString,
    caseBlocks: caseBlocks
  };
})();
