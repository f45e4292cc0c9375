// Leaflet puts a string tooltip or popup into innerHTML; ours come from the registers (grid names, imported
// GeoJSON), so a string is always shown as text. Load right after leaflet.js on every page with a map.
(function () {
  if (typeof L === "undefined" || !L.DivOverlay) return;
  function asText(value) {
    if (typeof value !== "string") return value;
    var span = document.createElement("span");
    span.textContent = value;
    return span;
  }
  var setContent = L.DivOverlay.prototype.setContent;
  L.DivOverlay.prototype.setContent = function (content) {
    if (typeof content === "function") {
      var make = content;
      return setContent.call(this, function (layer) { return asText(make(layer)); });
    }
    return setContent.call(this, asText(content));
  };
})();
