// 巡查上报 without signal. Every report goes into an IndexedDB queue first, then the queue is sent whenever
// the phone is online (now, on the `online` event, on opening the page). The report's client id makes a
// repeated send harmless: the server stores it once and answers a repeat with the first result. An item
// leaves the queue only when the server has answered for it.
(function () {
  "use strict";
  var form = document.getElementById("patrol-form");
  if (!form || !window.indexedDB) return;
  var DB = "civicgrid-patrol", STORE = "queue";
  var board = document.getElementById("patrol-queue");
  var me = form.dataset.user;  // one phone, several accounts: each sends only what it queued itself
  var sending = false;

  function open() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "id" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function store(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), request = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  var queued = function () {
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (item) { return item.user === me; });
    });
  };
  var keep = function (item) { return store("readwrite", function (s) { return s.put(item); }); };
  var drop = function (id) { return store("readwrite", function (s) { return s.delete(id); }); };

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function say(text, kind) {
    var line = document.createElement("div");
    line.className = "alert alert-" + (kind || "info") + " py-2 mb-2";
    line.textContent = text;
    board.appendChild(line);
  }
  function showCount(n) {
    var counter = document.getElementById("patrol-pending");
    counter.textContent = n ? "有 " + n + " 条上报保存在手机上，联网后自动发送。" : "";
    counter.classList.toggle("d-none", !n);
  }
  function refresh() { return queued().then(function (items) { showCount(items.length); return items; }); }

  function snapshot() {
    var fields = [], files = [];
    new FormData(form).forEach(function (value, name) {
      if (value instanceof File) { if (value.size) files.push({ name: name, file: value, filename: value.name }); }
      else fields.push([name, value]);
    });
    var text = form.elements.text.value.trim();
    return { id: form.elements.client_id.value, fields: fields, files: files, title: text.slice(0, 20), at: Date.now(), user: me };
  }

  // The token in a page opened from the cache may be older than the last login: ask for a fresh one.
  function freshToken() {
    return fetch(form.action, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error("signed out");
      return r.text();
    }).then(function (html) {
      var input = new DOMParser().parseFromString(html, "text/html").querySelector("input[name=csrfmiddlewaretoken]");
      if (!input) throw new Error("no token");
      form.elements.csrfmiddlewaretoken.value = input.value;
    });
  }

  // A refused report goes back into the form (when it is empty), photos included, so nothing typed is lost.
  function restore(item) {
    if (form.elements.text.value.trim()) return;
    item.fields.forEach(function (pair) {
      var field = form.elements[pair[0]];
      if (!field || pair[0] === "csrfmiddlewaretoken" || pair[0] === "client_id") return;
      field.value = pair[1];
    });
    ["photos", "after_photos"].forEach(function (name) {
      var kept = item.files.filter(function (f) { return f.name === name; });
      if (!kept.length || !window.DataTransfer) return;
      var box = new DataTransfer();
      kept.forEach(function (f) { box.items.add(new File([f.file], f.filename, { type: f.file.type })); });
      form.elements[name].files = box.files;
      form.elements[name].dispatchEvent(new Event("change"));
    });
    outcomeChanged();
  }

  function send(item, again) {
    var body = new FormData();
    item.fields.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") body.append(pair[0], pair[1]);
    });
    body.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    item.files.forEach(function (f) { body.append(f.name, f.file, f.filename); });
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") >= 0;
      if (response.status === 403 && !json && !again) {
        return freshToken().then(function () { return send(item, true); }, function () {
          return { retry: true, message: "登录已过期，请重新登录，保存在手机上的上报会自动发送" };
        });
      }
      if (!json) return { retry: true, message: "登录已过期，请重新登录，保存在手机上的上报会自动发送" };
      return response.json().then(function (answer) {
        if (response.ok) return { done: true, message: answer.message };
        if (response.status === 400) return { done: true, refused: true, message: answer.message };
        return { retry: true };
      });
    }, function () { return { retry: true }; });
  }

  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    return queued().then(function next(items) {
      if (!items.length || !navigator.onLine) return;
      var item = items[0];
      return send(item).then(function (outcome) {
        if (outcome.retry) { if (outcome.message) say(outcome.message, "warning"); return; }
        return drop(item.id).then(function () {
          if (outcome.refused) {
            say("「" + item.title + "」未上报：" + outcome.message + "已放回表单，请修改后重新上报。", "danger");
            restore(item);
          }
          else say("「" + item.title + "」" + outcome.message, "success");
          return next(items.slice(1));
        });
      });
    }).then(refresh, refresh).then(function () { sending = false; }, function () { sending = false; });
  }

  // The form: the after-photo matters only when solved on the spot; a place is needed one way or another.
  var after = document.getElementById("after-photos");
  function outcomeChanged() {
    var solved = form.querySelector("input[name=outcome]:checked");
    solved = solved && solved.value === "solved";
    after.classList.toggle("d-none", !solved);
    form.elements.after_photos.required = solved;
  }
  form.querySelectorAll("input[name=outcome]").forEach(function (r) { r.addEventListener("change", outcomeChanged); });
  outcomeChanged();

  var where = document.getElementById("patrol-where");
  document.getElementById("locate-me").addEventListener("click", function () {
    if (!navigator.geolocation) { where.textContent = "本机无法定位，请填写地址。"; return; }
    where.textContent = "正在定位……";
    navigator.geolocation.getCurrentPosition(function (p) {
      form.elements.lat.value = p.coords.latitude.toFixed(6);
      form.elements.lon.value = p.coords.longitude.toFixed(6);
      where.textContent = "已定位（误差约 " + Math.round(p.coords.accuracy || 0) + " 米）。";
    }, function () {
      where.textContent = "无法定位，请填写地址。";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  // Manual fallback: tap the place on a map of the grids' outlines (no tile server), fetched only when asked.
  var pick = document.getElementById("pick-on-map"), box = document.getElementById("patrol-map");
  var map = null, marker = null;
  function put(latitude, longitude) {
    form.elements.lat.value = latitude.toFixed(6);
    form.elements.lon.value = longitude.toFixed(6);
    where.textContent = "已在地图上选定位置。";
    if (marker) marker.setLatLng([latitude, longitude]);
    else marker = L.circleMarker([latitude, longitude], { radius: 9, color: "#dc3545" }).addTo(map);
  }
  if (typeof L !== "undefined" && window.fetch) {
    pick.hidden = false;
    pick.addEventListener("click", function () {
      box.hidden = false;
      pick.hidden = true;
      if (map) return;
      fetch(box.dataset.url).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (geojson) {
          if (!geojson.features || !geojson.features.length) throw new Error("empty");
          map = L.map(box, { attributionControl: false });
          var layer = L.geoJSON(geojson, {
            style: { color: "#888", weight: 1, fillColor: "#f8d7da", fillOpacity: 0.35 },
            onEachFeature: function (feature, shape) {
              var name = document.createElement("span");
              name.textContent = feature.properties.name;  // register text, never markup
              shape.bindTooltip(name);
            }
          }).addTo(map);
          map.fitBounds(layer.getBounds());
          map.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); });
          layer.on("click", function (e) { put(e.latlng.lat, e.latlng.lng); });
        })
        .catch(function () { box.hidden = true; where.textContent = "地图暂不可用，请填写地址。"; });
    });
  }

  form.querySelectorAll("input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      var shown = document.getElementById(input.id + "-preview");
      shown.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var img = document.createElement("img");
        img.className = "thumb"; img.alt = file.name; img.src = URL.createObjectURL(file);
        shown.appendChild(img);
      });
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var address = form.elements.address;
    var placed = form.elements.lat.value && form.elements.lon.value;
    address.setCustomValidity(placed || address.value.trim() ? "" : "请点「获取当前位置」，或填写地址");
    if (!form.reportValidity()) return;
    keep(snapshot()).then(function () {
      form.reset();
      form.elements.client_id.value = newId();
      form.elements.lat.value = form.elements.lon.value = "";
      where.textContent = "";
      if (marker) { marker.remove(); marker = null; }
      form.querySelectorAll(".thumbs").forEach(function (t) { t.textContent = ""; });
      outcomeChanged();
      if (!navigator.onLine) say("当前没有信号，上报已保存在手机上，联网后自动发送。", "warning");
      return refresh();
    }).then(flush);
  });
  form.elements.address.addEventListener("input", function () { this.setCustomValidity(""); });
  window.addEventListener("online", flush);
  refresh().then(flush);
})();
