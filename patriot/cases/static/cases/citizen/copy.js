// Copy buttons of the confirmation page: data-copy names the element whose value or text is copied.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      if (!source) { return; }
      var value = source.value !== undefined && source.tagName === "INPUT" ? source.value : source.textContent.trim();
      var label = button.textContent;
      var done = function () {
        button.textContent = button.getAttribute("data-text-copied");
        window.setTimeout(function () { button.textContent = label; }, 2000);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(done);
      } else if (source.select) {
        source.select();
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
