// The call's log form: the "transferred to" line only matters (and is only asked) for an emergency call.
(function () {
  "use strict";

  document.querySelectorAll("[data-end-form]").forEach(function (form) {
    var transfer = form.querySelector("[data-transfer]");
    var select = transfer && transfer.querySelector("select");
    if (!select) { return; }

    function chosenType() {
      var checked = form.querySelector("input[name=call_type]:checked");
      return checked ? checked.value : "";
    }

    function sync() {
      var emergency = chosenType() === "emergency";
      transfer.hidden = !emergency;
      select.required = emergency;
      if (!emergency) { select.value = ""; }
    }

    form.querySelectorAll("input[name=call_type]").forEach(function (radio) {
      radio.addEventListener("change", sync);
    });
    sync();
  });

  var errors = document.getElementById("end-errors");
  if (errors) { errors.focus(); }
})();
