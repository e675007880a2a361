// The page's own script: draw every chart from its inline spec, and make
// every table sortable by clicking its headers. No network.
(function () {
  "use strict";
  document.querySelectorAll("div.vega[data-spec]").forEach(function (el) {
    var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
    vegaEmbed(el, spec, { actions: false, renderer: "svg", logLevel: vega.Error })
      .then(function () { el.dataset.rendered = "true"; })
      .catch(function (err) {
        el.textContent = "chart failed: " + err;
        el.className += " chart-error";
        el.dataset.rendered = "error";
        throw err;
      });
  });

  function compare(kind, dir) {
    return function (a, b) {
      var x = a.sortValue, y = b.sortValue;
      if (x === "" && y === "") return 0;
      if (x === "") return 1;  // empty cells last whatever the direction
      if (y === "") return -1;
      var d = kind === "num" ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
      return dir * d;
    };
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.map.call(body.rows, function (tr) {
          return { tr: tr, sortValue: tr.cells[index].dataset.sort || "" };
        });
        rows.sort(compare(th.dataset.kind, dir));
        rows.forEach(function (r) { body.appendChild(r.tr); });
      });
    });
  });
})();
