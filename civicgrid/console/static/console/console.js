// Label every table cell with its column heading, so a table read as cards on a phone stays readable;
// and on grid staff's pages (those carrying the manifest) register the service worker.
(function () {
  document.querySelectorAll("main table.table").forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    if (!heads.length) return;
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.children, function (cell) {
        var label = heads[column];
        if (label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
        column += cell.colSpan || 1;
      });
    });
  });
  var manifest = document.querySelector("link[rel=manifest][data-sw]");
  if (manifest && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(manifest.dataset.sw, { scope: "/console/" }).catch(function () {});
  }
})();
