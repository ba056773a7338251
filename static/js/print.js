/* Printing a page prints all of it: the closed sections (a contract's earlier quarters) open first. */
(function () {
  "use strict";
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (box) {
      box.setAttribute("open", "");
      box.dataset.openedForPrint = "1";
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (box) {
      box.removeAttribute("open");
      delete box.dataset.openedForPrint;
    });
  });
})();
