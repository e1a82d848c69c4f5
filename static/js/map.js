// The events map: Leaflet draws what /map/data.json sends for the current view.
// The server does the clustering (grid cells counted in SQL); this file only draws
// markers, so it stays fast whatever the number of events. Without JavaScript, or if
// Leaflet fails to load, the page keeps its message and the list of places.
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function plural(n, word) {
    return n.toLocaleString("en-GB") + " " + word + (n === 1 ? "" : "s");
  }

  // Event titles and places come from the database: build popups as DOM nodes, never HTML.
  function eventItem(properties) {
    var item = element("div", "map-popup-event");
    var type = element("p", "map-popup-type");
    var swatch = element("span", "type-swatch type-" + properties.type, properties.symbol);
    swatch.setAttribute("aria-hidden", "true");
    type.appendChild(swatch);
    type.appendChild(document.createTextNode(" " + properties.type_name + " · " + properties.date));
    item.appendChild(type);
    var title = element("p", "map-popup-title");
    var link = element("a", "", properties.title);
    link.href = properties.url;
    title.appendChild(link);
    item.appendChild(title);
    return item;
  }

  var PAGE = 20;

  // A "More" button that adds the next page of events to a popup's list.
  function moreButton(label, onClick) {
    var button = element("button", "map-popup-more", label);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  // Events at one spot: listed PAGE at a time (they are already loaded).
  function eventsPopup(group) {
    var box = element("div", "map-popup");
    var place = group[0].properties.place;
    box.appendChild(element("p", "map-popup-place", group.length > 1 ? plural(group.length, "event") + " in " + place : place));
    var shown = 0;
    function showMore() {
      group.slice(shown, shown + PAGE).forEach(function (feature) {
        box.insertBefore(eventItem(feature.properties), button);
      });
      shown += PAGE;
      if (shown >= group.length) { button.remove(); }
    }
    var button = moreButton("Show " + PAGE + " more", showMore);
    box.appendChild(button);
    showMore();
    return box;
  }

  // A group at one place from the server: its events are fetched a page at a time.
  function clusterPopup(properties) {
    var box = element("div", "map-popup");
    box.appendChild(element("p", "map-popup-place", plural(properties.count, "event") + " in " + properties.place));
    var p = element("p");
    var link = element("a", "", "List them on the timeline");
    link.href = properties.list_url;
    p.appendChild(link);
    box.appendChild(p);
    var next = properties.events_url;
    var button = moreButton("Show " + PAGE + " here", load);
    box.appendChild(button);
    function load() {
      if (!next) { return; }
      button.disabled = true;
      fetch(next, { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          (body.events || []).forEach(function (properties) {
            box.insertBefore(eventItem(properties), button);
          });
          next = body.next;
          button.disabled = false;
          button.textContent = "Show " + PAGE + " more";
          if (!next) { button.remove(); }
        })
        .catch(function () { button.textContent = "Could not load; try again"; button.disabled = false; });
    }
    return box;
  }

  // Symbols grow with the killed figure (lowest reported), as the legend shows.
  function symbolSize(killed) {
    return Math.round(18 + 8 * Math.log10(1 + (killed || 0)));
  }

  function latLng(feature) {
    var c = feature.geometry.coordinates;
    return L.latLng(c[1], c[0]);
  }

  function eventMarker(group) {
    var first = group[0].properties;
    var icon = element("span", "map-marker-inner", group.length > 1 ? String(group.length) : first.symbol);
    icon.setAttribute("aria-hidden", "true");
    var single = group.length === 1;
    var killed = group.reduce(function (sum, feature) { return sum + (feature.properties.killed || 0); }, 0);
    var size = Math.max(symbolSize(killed), single ? 18 : 26);
    return L.marker(latLng(group[0]), {
      icon: L.divIcon({
        className: "map-marker" + (single ? " type-" + first.type : " map-marker-group"),
        html: icon,
        iconSize: [size, size]
      }),
      title: single ? first.title + " (" + first.type_name + ", " + first.date + ")" : plural(group.length, "event") + " in " + first.place,
      riseOnHover: true
    }).bindPopup(eventsPopup(group), { maxHeight: 260 });
  }

  function clusterMarker(map, feature) {
    var properties = feature.properties;
    var size = Math.round(30 + 8 * Math.log10(properties.count));
    var label = element("span", "map-cluster-count", properties.count.toLocaleString("en-GB"));
    label.setAttribute("aria-hidden", "true");
    var single = properties.places === 1;
    var marker = L.marker(latLng(feature), {
      icon: L.divIcon({ className: "map-cluster", html: label, iconSize: [size, size] }),
      title: plural(properties.count, "event") + (single ? " in " + properties.place : " in " + properties.places + " places; zoom in"),
      riseOnHover: true
    });
    if (single) {
      marker.bindPopup(clusterPopup(properties));
    } else {
      marker.on("click", function () {
        map.setView(marker.getLatLng(), Math.min(map.getZoom() + 2, map.getMaxZoom()));
      });
    }
    return marker;
  }

  // Events at the same spot share one marker (its popup lists them all).
  function groupByPosition(features) {
    var groups = {};
    var order = [];
    features.forEach(function (feature) {
      var key = feature.geometry.coordinates.join(",");
      if (!groups[key]) { groups[key] = []; order.push(key); }
      groups[key].push(feature);
    });
    return order.map(function (key) { return groups[key]; });
  }

  function wrapLongitude(lng) {
    return L.Util.wrapNum(lng, [-180, 180], true);
  }

  function viewBox(map) {
    var bounds = map.getBounds();
    var south = Math.max(-90, bounds.getSouth());
    var north = Math.min(90, bounds.getNorth());
    var west = -180;
    var east = 180;
    if (bounds.getEast() - bounds.getWest() < 360) {
      // May give west > east: the server reads that as a box across the antimeridian.
      west = wrapLongitude(bounds.getWest());
      east = wrapLongitude(bounds.getEast());
    }
    return [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
  }

  function start() {
    var container = document.getElementById("map");
    if (!container || !window.L) { return; }
    var message = container.querySelector(".map-message");
    if (message) { message.remove(); }
    container.classList.add("map-live");
    var status = document.getElementById("map-status");
    var map = L.map(container, { worldCopyJump: true, minZoom: 1, maxZoom: 18 });
    if (container.dataset.tileUrl) {
      L.tileLayer(container.dataset.tileUrl, {
        attribution: container.dataset.tileAttribution,
        maxZoom: 19
      }).addTo(map);
    }
    // Country and coast outlines shipped with the app, beneath any tiles: without tiles
    // (or offline) the map still shows where things are.
    if (container.dataset.basemap) {
      map.createPane("basemap").style.zIndex = 150;
      fetch(container.dataset.basemap)
        .then(function (response) { return response.json(); })
        .then(function (outlines) {
          L.geoJSON(outlines, { pane: "basemap", interactive: false, className: "map-basemap" }).addTo(map);
        })
        .catch(function () { /* the markers still work on a plain background */ });
    }
    var b = (container.dataset.bounds || "").split(",").map(Number);
    if (b.length === 4 && b.every(isFinite)) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {
        padding: [40, 40], maxZoom: Number(container.dataset.maxZoom) || 11
      });
    } else {
      map.setView([25, 20], 2);
    }
    var layer = L.layerGroup().addTo(map);
    var pending = null;

    function draw(data) {
      layer.clearLayers();
      if (data.mode === "clusters") {
        data.features.forEach(function (feature) { layer.addLayer(clusterMarker(map, feature)); });
        status.textContent = plural(data.count, "event") + " in view, in " + plural(data.features.length, "group") + ". Zoom in, or choose a group, to see single events.";
      } else {
        groupByPosition(data.features).forEach(function (group) { layer.addLayer(eventMarker(group)); });
        status.textContent = plural(data.count, "event") + " in view.";
      }
    }

    function load() {
      var url = new URL(container.dataset.source, window.location.href);
      url.searchParams.set("bbox", viewBox(map));
      url.searchParams.set("zoom", String(Math.round(map.getZoom())));
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(url, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.json().then(function (body) {
            if (!response.ok) { throw new Error((body.errors || []).join(" ") || response.statusText); }
            return body;
          });
        })
        .then(draw)
        .catch(function (error) {
          if (error.name === "AbortError") { return; }
          status.textContent = "The map could not load events: " + error.message + " The list below still works.";
        });
    }

    map.on("moveend", load);
    load();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
