// A report taken on the phone: the chosen category's questions, the kelurahan picker, and an optional tap on the
// map that places the point exactly (the tap wins over the kelurahan's centre; the server places it again anyway).
(function () {
  "use strict";

  var form = document.querySelector("[data-phone-report]");
  if (!form) { return; }

  // htmx fetches a category's questions when the choice changes, but a choice made before htmx listened (a quick
  // operator while the scripts load, the browser restoring the form on Back) fired no request. Once htmx listens
  // (its DOMContentLoaded handler runs before ours), ask again if the questions shown are another category's.
  var categorySelect = form.querySelector("select[name=category]");
  var questions = document.getElementById("attributes");
  function askForChosenQuestions() {
    if (categorySelect.value && window.htmx && categorySelect.value !== questions.getAttribute("data-questions-for")) {
      window.htmx.trigger(categorySelect, "change");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", askForChosenQuestions);
  } else {
    askForChosenQuestions();
  }

  var mapElement = document.getElementById("report-map");
  var latInput = form.querySelector("[name=latitude]");
  var lonInput = form.querySelector("[name=longitude]");
  var villageSelect = form.querySelector("select[name=village]");
  var readout = form.querySelector("[data-location-readout]");
  var text = function (name) { return mapElement.getAttribute("data-text-" + name) || ""; };
  var cityMap = window.PatriotCityMap.create(mapElement, { scrollWheelZoom: false });
  var map = cityMap.map;
  var marker = null;
  var ticket = 0;
  var villagesLayer = null;

  function setReadout(message, invalid) {
    readout.textContent = message;
    readout.classList.toggle("location-readout--invalid", !!invalid);
  }

  function place(lat, lon) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon], { keyboard: false }).addTo(map); }
    setReadout(text("chosen") + ": " + lat.toFixed(5) + ", " + lon.toFixed(5) + " …");
    var mine = ++ticket;
    var url = mapElement.getAttribute("data-locate-url") + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (result) {
        if (mine !== ticket) { return; }
        if (!result.ok) { setReadout((result.body && result.body.detail) || text("outside"), true); return; }
        var where = result.body;
        var code = where.village_code || where.village || "";
        if (code && villageSelect) { villageSelect.value = code; }
        setReadout(text("chosen") + ": " + text("village") + " " + (where.village_name || code) +
          ", " + text("district") + " " + (where.district_name || where.district || ""));
      })
      .catch(function () { /* the coordinates stay; the server checks the point again */ });
  }

  function clearPoint() {
    latInput.value = "";
    lonInput.value = "";
    if (marker) { map.removeLayer(marker); marker = null; }
    setReadout("");
  }

  function showVillage(code) {
    if (!villagesLayer || !code) { return; }
    villagesLayer.eachLayer(function (polygon) {
      if (polygon.feature && polygon.feature.properties.code === code) {
        map.fitBounds(polygon.getBounds(), { padding: [12, 12], maxZoom: 16 });
      }
    });
  }

  map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); });
  cityMap.ready.then(function (layer) {
    villagesLayer = layer;
    if (layer) { layer.on("click", function (event) { place(event.latlng.lat, event.latlng.lng); }); }
    if (latInput.value && lonInput.value) {
      place(parseFloat(latInput.value), parseFloat(lonInput.value));
      map.setView([parseFloat(latInput.value), parseFloat(lonInput.value)], 16);
    } else if (villageSelect && villageSelect.value) {
      showVillage(villageSelect.value);
    }
  });

  if (villageSelect) {
    villageSelect.addEventListener("change", function () {
      // A different kelurahan than the tapped point's: the operator corrected the place, drop the point.
      if (latInput.value) { clearPoint(); }
      showVillage(villageSelect.value);
    });
  }
  form.querySelector("[data-clear-point]").addEventListener("click", clearPoint);

  var submit = form.querySelector("[data-submit]");
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
    form.setAttribute("data-sending", "1");
    submit.setAttribute("aria-busy", "true");
  });

  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
