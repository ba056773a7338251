/* Phones: under 600 px a list's rows read as cards, each cell labelled with its column's header (the CSS of
   .table.cards does the layout; this labels the cells and keeps the table's roles for screen readers, which
   a table laid out as blocks would lose). Tables with form fields keep their grid (class "no-cards" too). */
(function () {
  "use strict";
  function cardify(table) {
    var heads = table.querySelectorAll("thead th");
    if (!heads.length || table.classList.contains("no-cards") || table.querySelector("input, select, textarea")) {
      return;
    }
    // a header may carry a longer name for its cards (<span class="card-label" hidden>D · 日常检查</span>)
    var names = Array.prototype.map.call(heads, function (th) {
      var longer = th.querySelector(".card-label");
      return (longer ? longer.textContent : th.textContent.replace(/\s+/g, " ")).trim();
    });
    table.setAttribute("role", "table");
    table.querySelectorAll("tr").forEach(function (row) {
      row.setAttribute("role", "row");
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var header = cell.tagName === "TH";
        cell.setAttribute("role", header ? (row.parentNode.tagName === "THEAD" ? "columnheader" : "rowheader") : "cell");
        if (!header && names[column] && !cell.hasAttribute("data-label")) {
          cell.setAttribute("data-label", names[column]);
        }
        column += cell.colSpan || 1;
      });
    });
    table.querySelectorAll("thead, tbody, tfoot").forEach(function (group) { group.setAttribute("role", "rowgroup"); });
    table.classList.add("cards");
  }
  function run() { document.querySelectorAll("table.table").forEach(cardify); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
