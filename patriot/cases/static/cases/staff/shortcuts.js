// Keyboard shortcuts of the staff case page (listed on the page): one key per action, ignored while typing.
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function firstField(container) {
    return container.querySelector("select, textarea, input:not([type=hidden]):not([type=checkbox])");
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var button = document.querySelector('#case-panel [data-shortcut="' + key + '"]');
    if (button) {
      event.preventDefault();
      button.click();
      return;
    }
    var summary = document.querySelector('#case-panel [data-shortcut-open="' + key + '"]');
    if (summary) {
      event.preventDefault();
      var details = summary.parentElement;
      details.open = true;
      var field = firstField(details);
      (field || summary).focus();
      return;
    }
    var link = document.querySelector('[data-shortcut-link="' + key + '"]');
    if (link) {
      event.preventDefault();
      window.location.href = link.href;
    }
  });

  // After htmx replaced the case panel, put focus on its message (or on a form with errors) so
  // keyboard and screen-reader users know what happened.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "case-panel") { return; }
    var panel = document.getElementById("case-panel");
    var failed = panel && panel.querySelector("[data-failed]");
    var target = failed ? (failed.querySelector("[aria-invalid=true]") || firstField(failed))
      : panel && panel.querySelector("[data-focus-after-swap]");
    if (failed && failed.closest("details")) { failed.closest("details").open = true; }
    if (target) { target.focus(); }
  });
})();
