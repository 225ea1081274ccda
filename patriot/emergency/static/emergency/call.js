// The call taker's page: show the proposed triage level as the answers are given. The proposals come from the
// server's own table (emergency.triage.table(), rendered into the page), so this file holds no triage rule.
(function () {
  "use strict";
  var form = document.querySelector("[data-call-form]");
  var tableNode = document.getElementById("triage-table");
  var labelsNode = document.getElementById("triage-labels");
  if (!form || !tableNode || !labelsNode) return;
  var table = JSON.parse(tableNode.textContent);
  var labels = JSON.parse(labelsNode.textContent);
  var output = form.querySelector("[data-proposal]");
  var button = form.querySelector("[data-propose-button]");
  if (button) button.hidden = true;

  function value(name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }

  function update() {
    var key = [value("complaint"), value("conscious"), value("breathing_normally"), value("severe_bleeding"),
      value("age_band") || "unknown"].join("|");
    var level = table[key];
    if (!output) return;
    output.className = "level level-" + (level || "none");
    output.textContent = level ? labels[level] : output.getAttribute("data-empty") || output.textContent;
  }

  if (output) output.setAttribute("data-empty", output.textContent);
  form.addEventListener("change", update);
  update();
})();
