/* The inspection form: + / − buttons on the number inputs, the phone's location and the time of the inspection.
   Without this script the form still works: the counts are plain number inputs. */
(function () {
  "use strict";
  var form = document.querySelector("[data-inspection-form]");
  if (!form) { return; }

  function value(input) {
    var number = parseInt(input.value, 10);
    return isNaN(number) ? 0 : number;
  }

  function setValue(input, number) {
    var low = input.min === "" ? 0 : parseInt(input.min, 10);
    var high = input.max === "" ? 999 : parseInt(input.max, 10);
    input.value = String(Math.max(low, Math.min(high, number)));
  }

  // A container with larvae is also an inspected one: keep "ada jentik" ≤ "diperiksa" as the counts move.
  function keepPairConsistent(changed) {
    var pair = changed.closest("[data-container-pair]");
    if (!pair) { return; }
    var inputs = pair.querySelectorAll("input[type=number]");
    if (inputs.length !== 2) { return; }
    var inspected = inputs[0], positive = inputs[1];
    if (value(positive) > value(inspected)) {
      if (changed === positive) { setValue(inspected, value(positive)); } else { setValue(positive, value(inspected)); }
    }
  }

  form.querySelectorAll("[data-stepper]").forEach(function (stepper) {
    var input = stepper.querySelector("input[type=number]");
    stepper.classList.add("stepper--ready");
    stepper.querySelectorAll("[data-step]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        setValue(input, value(input) + parseInt(button.getAttribute("data-step"), 10));
        keepPairConsistent(input);
      });
    });
    input.addEventListener("change", function () { keepPairConsistent(input); });
  });

  var latitude = form.querySelector("[name=latitude]");
  var longitude = form.querySelector("[name=longitude]");
  var locateButton = form.querySelector("[data-use-location]");
  var readout = form.querySelector("[data-location-readout]");

  function locate() {
    if (!navigator.geolocation) { return; }
    readout.textContent = locateButton.getAttribute("data-text-locating");
    navigator.geolocation.getCurrentPosition(
      function (position) {
        latitude.value = position.coords.latitude.toFixed(6);
        longitude.value = position.coords.longitude.toFixed(6);
        readout.textContent = locateButton.getAttribute("data-text-found");
      },
      function () { readout.textContent = locateButton.getAttribute("data-text-failed"); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  }

  if (navigator.geolocation && locateButton) {
    locateButton.hidden = false;
    locateButton.addEventListener("click", locate);
    if (!latitude.value || !longitude.value) { locate(); }
  }

  // The phone's own time of the inspection, with its offset, so a later send keeps when the house was visited.
  var inspectedAt = form.querySelector("[name=inspected_at]");
  function isoWithOffset(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }
  form.addEventListener("submit", function () {
    if (inspectedAt && !inspectedAt.value) { inspectedAt.value = isoWithOffset(new Date()); }
  });
})();
