// URC field view: distances from the officer's position, the assignments map, and a resolve form that
// survives a weak connection (fetch with retry; the photo and the note stay in memory until the server answers).
(function () {
  "use strict";

  function distanceMetres(lat1, lon1, lat2, lon2) {
    var toRad = Math.PI / 180;
    var dPhi = (lat2 - lat1) * toRad;
    var dLambda = (lon2 - lon1) * toRad;
    var a = Math.pow(Math.sin(dPhi / 2), 2) +
      Math.cos(lat1 * toRad) * Math.cos(lat2 * toRad) * Math.pow(Math.sin(dLambda / 2), 2);
    return 2 * 6371000 * Math.asin(Math.sqrt(a));
  }

  function formatDistance(metres) {
    var lang = document.documentElement.lang || "id";
    if (metres < 1000) { return Math.round(metres).toLocaleString(lang) + " m"; }
    return (metres / 1000).toLocaleString(lang, { maximumFractionDigits: 1 }) + " km";
  }

  // --- list: distances and map (drawn again when a live update replaces the list) ---
  var status = document.querySelector("[data-location-status]");
  var position = null;
  var map = null;

  function drawMap() {
    var mapElement = document.querySelector("[data-urc-map]");
    if (!mapElement || !window.L || mapElement.getAttribute("data-ready")) { return; }
    if (map) { map.remove(); }
    mapElement.setAttribute("data-ready", "1");
    var points = JSON.parse(document.getElementById("urc-points").textContent);
    // The city's base map (street tiles, the kelurahan polygons when tiles cannot be loaded), fitted to the tasks.
    map = window.PatriotCityMap ? window.PatriotCityMap.create(mapElement, { scrollWheelZoom: false, fit: false }).map
      : L.map(mapElement, { scrollWheelZoom: false, attributionControl: false });
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.circleMarker([point.lat, point.lon], {
        radius: 8, weight: 2, color: "#9a3412", fillColor: "#f97316", fillOpacity: 0.9
      }).addTo(map);
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.number + " · " + point.title;
      marker.bindPopup(link);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 15); } else if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); }
    if (position) {
      L.circleMarker([position.lat, position.lon], { radius: 7, color: "#1e40af", fillColor: "#3b82f6", fillOpacity: 1 }).addTo(map);
    }
  }

  function applyDistances() {
    var cards = document.querySelectorAll(".urc-card[data-lat]");
    if (!position || !cards.length) { return; }
    var list = cards[0].parentElement;
    var sorted = Array.prototype.slice.call(cards).map(function (card) {
      var metres = distanceMetres(position.lat, position.lon, parseFloat(card.dataset.lat), parseFloat(card.dataset.lon));
      card.querySelector("[data-distance]").textContent = formatDistance(metres);
      return { card: card, metres: metres };
    }).sort(function (a, b) { return a.metres - b.metres; });
    sorted.forEach(function (item) { list.appendChild(item.card); });
  }

  drawMap();
  document.body.addEventListener("htmx:afterSettle", function () {
    drawMap();
    applyDistances();
  });

  if (document.querySelector(".urc-card[data-lat]") && navigator.geolocation && !/[?&]lat=/.test(window.location.search)) {
    navigator.geolocation.getCurrentPosition(function (found) {
      position = { lat: found.coords.latitude, lon: found.coords.longitude };
      applyDistances();
      if (status) { status.textContent = status.dataset.located || ""; status.hidden = !status.textContent; }
      if (map) {
        L.circleMarker([position.lat, position.lon], { radius: 7, color: "#1e40af", fillColor: "#3b82f6", fillOpacity: 1 }).addTo(map);
      }
    }, function () {
      if (status) { status.textContent = status.dataset.unavailable || ""; }
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  } else if (status && !/[?&]lat=/.test(window.location.search)) {
    status.textContent = status.dataset.unavailable || "";
  }

  // --- resolve form ---
  var form = document.querySelector("[data-resolve-form]");
  if (!form) { return; }
  var fileInput = form.querySelector("input[type=file]");
  var preview = form.querySelector("[data-photo-preview]");
  var retryBox = form.querySelector("[data-retry]");
  var retryButton = form.querySelector("[data-retry-button]");
  var sending = form.querySelector("[data-sending]");
  var submit = form.querySelector("[data-submit]");
  var errorBox = form.querySelector("[data-form-error]");
  var pending = null;

  if (fileInput && preview) {
    fileInput.addEventListener("change", function () {
      var file = fileInput.files && fileInput.files[0];
      if (!file) { preview.hidden = true; return; }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  }

  function busy(on) {
    submit.disabled = on;
    retryButton.disabled = on;
    sending.hidden = !on;
  }

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    errorBox.focus && errorBox.setAttribute("tabindex", "-1");
    errorBox.focus();
  }

  function send() {
    busy(true);
    retryBox.hidden = true;
    errorBox.hidden = true;
    fetch(form.action, {
      method: "POST",
      body: pending,
      credentials: "same-origin",
      headers: { "X-CSRFToken": window.Patriot.csrfToken(), "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (result) {
      busy(false);
      if (result.body.ok) {
        pending = null;
        window.location.href = result.body.url;
        return;
      }
      // The server refused the content (e.g. not an image): nothing to retry, the person fixes the form.
      pending = null;
      showError(result.body.message);
    }).catch(function () {
      // Network failure (or an answer that never arrived): keep `pending` and offer a retry.
      busy(false);
      retryBox.hidden = false;
      retryButton.focus();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    // Snapshot the photo and note now: they stay in memory even if the page's fields change later.
    pending = new FormData(form);
    send();
  });
  retryButton.addEventListener("click", function () {
    if (pending) { send(); }
  });
})();
