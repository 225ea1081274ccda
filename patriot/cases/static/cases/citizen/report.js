// The POT report form: the chosen category's questions, location by tapping the map (or the device's location),
// a readout of the kelurahan, category search, photo previews with a count/size/type check, one submission per click.
(function () {
  "use strict";

  var form = document.querySelector("[data-report-form]");
  if (!form) { return; }

  // --- category questions ---------------------------------------------------------------------------
  // The chosen category's questions appear right under its name: fetched when the choice changes (also for a
  // choice the browser restored on Back), and the slot moves below the chosen option.
  var questions = document.getElementById("attributes");
  var questionsUrl = questions.getAttribute("data-attributes-url");
  function showQuestionsFor(option) {
    var label = option.closest(".category-option");
    if (label && label.nextElementSibling !== questions) { label.insertAdjacentElement("afterend", questions); }
    if (option.value === questions.getAttribute("data-questions-for")) { return; }
    questions.setAttribute("data-questions-for", option.value);
    fetch(questionsUrl + "?category=" + encodeURIComponent(option.value), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (questions.getAttribute("data-questions-for") === option.value) { questions.innerHTML = html; }
      })
      .catch(function () { /* the server asks for the questions when the form is sent */ });
  }
  form.addEventListener("change", function (event) {
    if (event.target.name === "category") { showQuestionsFor(event.target); }
  });
  var restored = form.querySelector("[name=category]:checked");
  if (restored) { showQuestionsFor(restored); }

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

  // "Sudah dilaporkan?": open reports of the chosen category near the chosen point.
  var nearby = document.getElementById("nearby");
  function askNearby() {
    var chosen = form.querySelector("[name=category]:checked");
    if (!nearby || !chosen || !latInput.value || !lonInput.value) { return; }
    var params = new URLSearchParams({ category: chosen.value, latitude: latInput.value, longitude: lonInput.value });
    fetch(nearby.getAttribute("data-nearby-url") + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { nearby.innerHTML = html; })
      .catch(function () { /* nothing shown: the report goes on */ });
  }
  form.addEventListener("change", function (event) { if (event.target.name === "category") { askNearby(); } });

  function place(lat, lon, pan) {
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (marker) {
      marker.closePopup();
      marker.unbindPopup();  // a place's name belongs to the point chosen from the search, not to a later tap
      marker.setLatLng([lat, lon]);
    } else {
      marker = L.marker([lat, lon], { keyboard: false }).addTo(map);
    }
    if (pan) { cityMap.showPlace(lat, lon); }
    setReadout(text("chosen") + ": " + lat.toFixed(5) + ", " + lon.toFixed(5) + " …");
    askNearby();
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
  // The server matches what was typed (any words, any order, typos, Bekasi's own words); when nothing matches
  // the list stays, says so, and offers "Lainnya / tidak tahu kategorinya".
  var search = form.querySelector("[data-category-search]");
  var searchResult = form.querySelector("[data-category-search-result]");
  var searchTimer = null;
  var searchTicket = 0;
  function showCategories(codes, found, fallback) {
    var shownCodes = {};
    codes.forEach(function (code) { shownCodes[code] = true; });
    if (!found) { shownCodes[fallback] = true; }
    form.querySelectorAll("[data-category-group]").forEach(function (group) {
      var shown = 0;
      group.querySelectorAll(".category-option").forEach(function (option) {
        var match = codes === null || shownCodes[option.getAttribute("data-category-code")] === true;
        option.hidden = !match;
        if (match) { shown += 1; }
      });
      group.hidden = shown === 0;
      group.open = codes !== null && shown > 0;
    });
    if (codes === null) {
      searchResult.hidden = true;
    } else {
      searchResult.hidden = false;
      var foundText = codes.length === 1 ? searchResult.getAttribute("data-text-found-one")
        : codes.length + " " + searchResult.getAttribute("data-text-found");
      searchResult.textContent = found ? foundText : searchResult.getAttribute("data-text-none");
      searchResult.classList.toggle("category-search-result--none", !found);
    }
  }
  function runSearch() {
    var words = search.value.trim();
    if (!words) { showCategories(null, true, ""); return; }
    var ticket = ++searchTicket;
    fetch(search.getAttribute("data-search-url") + "?q=" + encodeURIComponent(words), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) { if (ticket === searchTicket) { showCategories(body.codes, body.found, body.fallback); } })
      .catch(function () { /* the whole list stays */ });
  }
  if (search) {
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 200);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(searchTimer); runSearch(); }
    });
  }

  // --- place search ---------------------------------------------------------------------------------
  var placeSearch = form.querySelector("[data-place-search]");
  if (placeSearch) {
    placeSearch.hidden = false;
    var placeInput = placeSearch.querySelector("[data-place-search-input]");
    var placeStatus = placeSearch.querySelector("[data-place-search-status]");
    var placeList = placeSearch.querySelector("[data-place-search-results]");
    var placeTimer = null;
    var placeTicket = 0;
    var wordsOf = function (text) { return text.toLowerCase().split(/[^0-9a-z\u00c0-\u024f]+/).filter(Boolean); };
    var holdsEveryWord = function (name, typed) {
      var known = wordsOf(name);
      return wordsOf(typed).every(function (word) {
        return known.some(function (other) { return other === word || (word.length >= 3 && other.indexOf(word) === 0); });
      });
    };
    var findPlaces = function () {
      var words = placeInput.value.trim();
      placeList.textContent = "";
      placeStatus.textContent = "";
      if (words.length < 2) { return; }
      var ticket = ++placeTicket;
      fetch(placeSearch.getAttribute("data-url") + "?q=" + encodeURIComponent(words), { credentials: "same-origin" })
        .then(function (response) { if (!response.ok) { throw new Error("search"); } return response.json(); })
        .then(function (places) {
          if (ticket !== placeTicket) { return; }
          if (!places.length) { placeStatus.textContent = placeStatus.getAttribute("data-text-none"); return; }
          // Typos are forgiven, so "kalimalang" may offer only "Kaliabang Tengah": say that nothing bears the typed
          // name, lest the citizen take a look-alike for their street.
          if (!places.some(function (found) { return holdsEveryWord(found.name, words); })) {
            placeStatus.textContent = placeStatus.getAttribute("data-text-similar");
          }
          places.forEach(function (found) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.className = "secondary outline";
            button.textContent = found.name;
            button.addEventListener("click", function () {
              placeList.textContent = "";
              placeInput.value = found.name;
              place(found.latitude, found.longitude, true);
              // The place's name over the pin, as text; the map pans so the whole popup shows, even at the top, and
              // clear of the zoom buttons in the top-left corner.
              var label = document.createElement("span");
              label.textContent = found.name;
              marker.bindPopup(label, {
                autoPan: true,
                keepInView: true,
                autoPanPaddingTopLeft: [56, 12],
                autoPanPaddingBottomRight: [12, 12],
                maxWidth: 240
              });
              marker.openPopup();
            });
            item.appendChild(button);
            placeList.appendChild(item);
          });
        })
        .catch(function () { if (ticket === placeTicket) { placeStatus.textContent = placeStatus.getAttribute("data-text-failed"); } });
    };
    placeInput.addEventListener("input", function () {
      clearTimeout(placeTimer);
      // The answers to what was typed before go at once (and any still on their way are ignored): on a slow line
      // they would stand under the new words for seconds, and a quick tap would place the pin at the old place.
      placeTicket += 1;
      placeList.textContent = "";
      placeStatus.textContent = "";
      placeTimer = setTimeout(findPlaces, 250);
    });
    placeInput.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); clearTimeout(placeTimer); findPlaces(); }
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
