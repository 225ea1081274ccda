// The hospital's phone page: a +/− tap posts its form in the background and shows the new figures at once (no
// reload); the server's answer is the truth (a refused or unanswered tap shows why and puts the figure back).
// Without script the forms post and the page reloads.
(function () {
  "use strict";

  var page = document.getElementById("my-beds");
  if (!page) { return; }
  var errorBox = page.querySelector("[data-tap-error]");
  var FIELDS = ["total", "occupied", "reserved", "queue", "free"];

  function show(card, figures) {
    FIELDS.forEach(function (name) {
      var cell = card.querySelector('[data-figure="' + name + '"]');
      if (cell) { cell.textContent = String(figures[name]); }
    });
    card.querySelector("[data-updated]").textContent = figures.updated_label;
    card.querySelector("[data-stale]").hidden = true;
  }

  page.addEventListener("submit", function (event) {
    var form = event.target;
    var box = form.closest(".bed-figure");
    if (!box) { return; }  // the full-figures form posts normally
    event.preventDefault();
    var card = form.closest("li");
    var cell = box.querySelector("strong");
    var before = cell.textContent;
    var delta = parseInt(form.querySelector('[name="delta"]').value, 10);
    cell.textContent = String(parseInt(before, 10) + delta);  // instant feedback; the answer confirms or undoes it
    box.classList.add("busy");
    errorBox.hidden = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      box.classList.remove("busy");
      if (answer.ok) {
        show(card, answer.data);
      } else {
        cell.textContent = before;
        errorBox.textContent = answer.data.error;
        errorBox.hidden = false;
      }
    }).catch(function () {
      box.classList.remove("busy");
      cell.textContent = before;
      // No answer (network, or signed out): say so; a blind retry could count one tap twice.
      errorBox.textContent = errorBox.getAttribute("data-offline-message");
      errorBox.hidden = false;
    });
  });
})();
