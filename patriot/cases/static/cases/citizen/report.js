// The POT report form: the chosen category's questions, location by tapping the map (or the device's location),
// a readout of the kelurahan, category search, photo previews with a count/size/type check, one submission per click.
(function () {
  "use strict";

  var form = document.querySelector("[data-report-form]");
  if (!form) { return; }

  // --- category questions ---------------------------------------------------------------------------
  // htmx fetches a category's questions when the choice changes, but a choice made before htmx listened (a slow
  // phone tapping while the scripts load, the browser restoring the form on Back) fired no request. Once htmx
  // listens (its DOMContentLoaded handler runs before ours), ask again if the questions shown are another's.
  var picker = form.querySelector("[data-category-picker]");
  var questions = document.getElementById("attributes");
  function askForChosenQuestions() {
    var chosen = form.querySelector("[name=category]:checked");
    if (chosen && window.htmx && chosen.value !== questions.getAttribute("data-questions-for")) {
      window.htmx.trigger(picker, "change");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", askForChosenQuestions);
  } else {
    askForChosenQuestions();
  }

  // --- location -------------------------------------------------------------------------------------
  var mapElement = document.getElementById("report-map");
  var latInput = form.querySelector("[name=latitude]");
  var lonInput = form.querySelector("[name=longitude]");
  var readout = form.querySelector("[data-location-readout]");
  var text = function (name) { return mapElement.getAttribute("data-text-" + name) || ""; };
  var cityMap = window.PatriotCityMap.create(mapElement);
  var map = cityMap.map;
  var marker = null;
  var lookup = 0;

  function setReadout(message, invalid) {
    readout.textContent = message;
    readout.classList.toggle("location-readout--invalid", !!invalid);
  }

  function place(lat, lon, pan) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon], { keyboard: false }).addTo(map); }
    if (pan) { map.setView([lat, lon], Math.max(map.getZoom(), 16)); }
    setReadout(text("chosen") + ": " + lat.toFixed(5) + ", " + lon.toFixed(5) + " …");
    var ticket = ++lookup;
    var url = mapElement.getAttribute("data-locate-url") + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
      .then(function (result) {
        if (ticket !== lookup) { return; }
        if (!result.ok) {
          setReadout((result.body && result.body.message) || text("outside"), true);
          return;
        }
        var where = result.body;
        setReadout(text("chosen") + ": " + text("village") + " " + (where.village_name || where.village || "") +
          ", " + text("district") + " " + (where.district_name || where.district || ""));
        readout.setAttribute("data-village", where.village_code || where.village || "");
      })
      .catch(function () { /* the readout keeps the coordinates; the server checks the point again */ });
  }

  map.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, false); });
  cityMap.ready.then(function (layer) {
    if (layer) { layer.on("click", function (event) { place(event.latlng.lat, event.latlng.lng, false); }); }
    if (latInput.value && lonInput.value) {
      place(parseFloat(latInput.value), parseFloat(lonInput.value), true);
    }
  });

  form.querySelector("[data-pin-centre]").addEventListener("click", function () {
    var centre = map.getCenter();
    place(centre.lat, centre.lng, false);
  });

  form.querySelector("[data-use-my-location]").addEventListener("click", function () {
    if (!navigator.geolocation) { setReadout(text("no-geolocation"), true); return; }
    setReadout(text("locating"));
    navigator.geolocation.getCurrentPosition(
      function (position) { place(position.coords.latitude, position.coords.longitude, true); },
      function () { setReadout(text("no-geolocation"), true); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // --- category search ------------------------------------------------------------------------------
  var search = form.querySelector("[data-category-search]");
  if (search) {
    search.addEventListener("input", function () {
      var words = search.value.trim().toLowerCase();
      form.querySelectorAll("[data-category-group]").forEach(function (group) {
        var shown = 0;
        group.querySelectorAll(".category-option").forEach(function (option) {
          var match = !words || option.getAttribute("data-keywords").indexOf(words) !== -1;
          option.hidden = !match;
          if (match) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (words) { group.open = shown > 0; }
      });
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
  }

  // --- photos ---------------------------------------------------------------------------------------
  var photoInput = form.querySelector("[data-photo-input]");
  var photoError = form.querySelector("[data-photo-error]");
  var previews = form.querySelector("[data-photo-previews]");
  var accepted = ["image/jpeg", "image/png", "image/webp"];

  function checkPhotos() {
    var files = Array.prototype.slice.call(photoInput.files || []);
    var maxFiles = parseInt(photoInput.getAttribute("data-max-files"), 10);
    var maxBytes = parseInt(photoInput.getAttribute("data-max-bytes"), 10);
    var problems = [];
    if (files.length > maxFiles) { problems.push(photoInput.getAttribute("data-text-too-many")); }
    files.forEach(function (file) {
      if (file.size > maxBytes) { problems.push(photoInput.getAttribute("data-text-too-big") + " " + file.name); }
      if (file.type && accepted.indexOf(file.type) === -1) {
        problems.push(photoInput.getAttribute("data-text-wrong-type") + " " + file.name);
      }
    });
    previews.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
    previews.textContent = "";
    files.slice(0, maxFiles).forEach(function (file) {
      var item = document.createElement("li");
      if (accepted.indexOf(file.type) !== -1) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        item.appendChild(img);
      }
      var caption = document.createElement("span");
      caption.textContent = file.name + " · " + (file.size / 1048576).toFixed(1) + " MB";
      item.appendChild(caption);
      previews.appendChild(item);
    });
    photoError.textContent = problems.join(" ");
    photoError.hidden = problems.length === 0;
    photoInput.setCustomValidity(problems.join(" "));
    photoInput.setAttribute("aria-invalid", problems.length ? "true" : "false");
    return problems.length === 0;
  }

  photoInput.addEventListener("change", checkPhotos);

  // --- sending --------------------------------------------------------------------------------------
  var submit = form.querySelector("[data-submit]");
  form.addEventListener("submit", function (event) {
    if (photoInput.files && photoInput.files.length && !checkPhotos()) {
      event.preventDefault();
      photoInput.focus();
      return;
    }
    if (form.getAttribute("data-sending")) { event.preventDefault(); return; }
    form.setAttribute("data-sending", "1");
    submit.setAttribute("aria-busy", "true");
  });

  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
