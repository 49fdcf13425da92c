// Accessible names that Material's markup leaves out (found by axe-core in the browser tests):
// the search dialog, code-annotation markers and task-list checkboxes. Runs on every page,
// including pages reached through instant navigation (Material's document$ observable).
(function () {
  "use strict";

  function label(root) {
    var search = root.querySelector('.md-search[role="dialog"]');
    if (search && !search.hasAttribute("aria-label")) {
      search.setAttribute("aria-label", "Search this site");
    }
    root.querySelectorAll(".md-annotation__index").forEach(function (marker) {
      if (!marker.hasAttribute("aria-label")) {
        var number = marker.textContent.trim() || marker.getAttribute("data-md-annotation-id");
        marker.setAttribute("aria-label", "Show annotation " + (number || ""));
      }
    });
    root.querySelectorAll(".task-list-item input[type=checkbox]").forEach(function (box) {
      if (!box.hasAttribute("aria-label")) {
        var item = box.closest(".task-list-item");
        box.setAttribute("aria-label", (item ? item.textContent : "").trim().slice(0, 120));
      }
    });
  }

  if (typeof document$ !== "undefined") {
    document$.subscribe(function () { label(document); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { label(document); });
  }
})();
