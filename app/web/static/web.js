/* Page behaviour for the web inbox. Maps: every element with data-map (rendered by the
   leaflet_map macro in templates/web/_map.html) becomes a Leaflet map, on page load and
   whenever htmx swaps new content in. Points arrive already in the tiles' datum. */
(function () {
  "use strict";
  var microgrid = (window.microgrid = window.microgrid || {});
  microgrid.maps = microgrid.maps || {};

  function drawMap(element) {
    if (element.dataset.mapReady) return;
    var options = JSON.parse(element.dataset.map);
    // Set through the DOM, which the Content-Security-Policy allows (a style attribute it would not).
    if (element.dataset.height) element.style.height = element.dataset.height;
    var map = L.map(element, { zoomControl: true }).setView(options.centre, options.zoom);
    L.tileLayer(options.tiles.url, {
      subdomains: options.tiles.subdomains,
      attribution: options.tiles.attribution,
      maxZoom: options.tiles.maxZoom,
      // Pages send no Referer off the site; tile servers (OpenStreetMap's policy) want our origin.
      referrerPolicy: "strict-origin"
    }).addTo(map);
    var markers = options.points.map(function (point) {
      var marker = L.marker([point.lat, point.lng]).addTo(map);
      if (point.label) marker.bindTooltip(point.label);
      return marker;
    });
    if (markers.length > 1) map.fitBounds(L.featureGroup(markers).getBounds(), { padding: [30, 30] });
    element.dataset.mapReady = "1";
    microgrid.maps[element.id] = map;
  }

  function drawMaps(root) {
    if (root.matches && root.matches("[data-map]")) drawMap(root);
    if (root.querySelectorAll) root.querySelectorAll("[data-map]").forEach(drawMap);
  }

  htmx.onLoad(drawMaps);
})();
