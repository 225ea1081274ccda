// Response timers on the referral pages: "sisa 7:12" counting down to each [data-due], "terlambat 2:03" after it.
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { return; }
      var left = Math.round((due - now) / 1000);
      var late = left < 0;
      var s = Math.abs(left);
      var text = Math.floor(s / 60) + ":" + pad(s % 60);
      var lang = document.documentElement.lang || "id";
      var en = lang.indexOf("en") === 0;
      el.textContent = late ? (en ? "late " : "terlambat ") + text : (en ? "left " : "sisa ") + text;
      el.classList.toggle("timer-late", late);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); window.setInterval(tick, 1000); });
  document.addEventListener("htmx:afterSwap", tick);
})();
