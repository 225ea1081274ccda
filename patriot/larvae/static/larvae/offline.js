/* The jumantik's offline queue. Every inspection saved on the form is first kept on the phone (IndexedDB, a photo
   as a blob), then sent to the form's URL with its own idempotency key and the phone's time of the inspection, so
   a send that is retried (no signal, a lost answer) never counts a house twice. Sending starts at once, again when
   the phone comes back online, and otherwise after a pause that doubles (2 s … 5 min). The form page and the week
   page list what is still waiting. Without IndexedDB the form simply posts (it needs a signal then). */
(function () {
  "use strict";
  var panel = document.querySelector("[data-offline-queue]");
  if (!panel || !window.indexedDB || !window.fetch || !window.Promise) { return; }
  var form = document.querySelector("[data-inspection-form]");
  var text = panel.dataset;
  var countLabel = panel.querySelector("[data-queue-count]");
  var list = panel.querySelector("[data-queue-list]");
  var status = panel.querySelector("[data-queue-status]");
  var sendNow = panel.querySelector("[data-send-now]");
  var postUrl = panel.getAttribute("data-post-url");
  // Several people may share a phone: each sees and sends only what they entered themselves.
  var owner = panel.getAttribute("data-user");
  var DB_NAME = "patriot-jumantik";
  var STORE = "inspections";
  var MIN_PAUSE = 2000, MAX_PAUSE = 300000;
  var failures = 0, timer = null, sending = false, sentSomething = false, lastSent = "";
  var csrfToken = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  panel.hidden = false;

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = action(transaction.objectStore(STORE));
        transaction.oncomplete = function () { db.close(); resolve(result && result.result); };
        transaction.onerror = function () { db.close(); reject(transaction.error); };
      });
    });
  }

  function allRecords() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (records) {
      return (records || []).filter(function (record) { return record.owner === owner; })
        .sort(function (a, b) { return a.savedAt - b.savedAt; });
    });
  }
  function putRecord(record) { return withStore("readwrite", function (store) { return store.put(record); }); }
  function deleteRecord(key) { return withStore("readwrite", function (store) { return store.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function isoWithOffset(date) {
    function pad(n) { return (n < 10 ? "0" : "") + n; }
    var offset = -date.getTimezoneOffset();
    var sign = offset >= 0 ? "+" : "-";
    offset = Math.abs(offset);
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) + "T" +
      pad(date.getHours()) + ":" + pad(date.getMinutes()) + ":" + pad(date.getSeconds()) +
      sign + pad(Math.floor(offset / 60)) + ":" + pad(offset % 60);
  }

  function say(message) { status.textContent = message; }

  function render() {
    return allRecords().then(function (records) {
      countLabel.textContent = String(records.length);
      panel.classList.toggle("offline-queue--waiting", records.length > 0);
      sendNow.hidden = !records.some(function (record) { return !record.error; });
      list.textContent = "";
      records.forEach(function (record) {
        var item = document.createElement("li");
        item.setAttribute("data-queued", record.key);
        var title = document.createElement("strong");
        title.textContent = record.label;
        var when = document.createElement("small");
        when.textContent = new Date(record.savedAt).toLocaleString();
        item.appendChild(title);
        item.appendChild(when);
        if (record.error) {
          var error = document.createElement("span");
          error.className = "field-error";
          error.textContent = text.textRefused + " " + record.error;
          item.appendChild(error);
          var remove = document.createElement("button");
          remove.type = "button";
          remove.className = "secondary";
          remove.textContent = text.textDelete;
          remove.addEventListener("click", function () {
            if (window.confirm(text.textConfirmDelete)) { deleteRecord(record.key).then(render); }
          });
          item.appendChild(remove);
        } else {
          var badge = document.createElement("span");
          badge.className = "badge badge-orange";
          badge.textContent = text.textWaiting;
          item.appendChild(badge);
        }
        list.appendChild(item);
      });
      if (!records.length) { say(sentSomething ? (lastSent + " " + text.textAllSent).trim() : text.textEmpty); }
      return records;
    });
  }

  function schedule() {
    if (timer) { clearTimeout(timer); }
    var pause = Math.min(MAX_PAUSE, MIN_PAUSE * Math.pow(2, Math.max(0, failures - 1)));
    timer = setTimeout(sendAll, pause);
  }

  function refreshToken() {
    return fetch(postUrl, { credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var match = /<meta name="csrf-token" content="([^"]+)"/.exec(html);
        if (match) { csrfToken = match[1]; return true; }
        return false;
      });
  }

  function body(record) {
    var data = new FormData();
    record.fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    if (record.photo) { data.append("photo", record.photo, record.photoName || "foto.jpg"); }
    return data;
  }

  // One record: "sent", "refused" (the server will never take it: shown with its reason), or "later".
  function sendOne(record, retried) {
    return fetch(postUrl, {
      method: "POST",
      body: body(record),
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken }
    }).then(function (response) {
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (isJson && (response.status === 200 || response.status === 201)) {
        return response.json().then(function (answer) {
          lastSent = answer.detail || "";
          return deleteRecord(record.key);
        }).then(function () { sentSomething = true; return "sent"; });
      }
      if (!isJson) {
        // Signed out (a redirect to the sign-in page) or a stale form token: fetch a fresh token once, else wait.
        if (!retried) {
          return refreshToken().then(function (fresh) { return fresh ? sendOne(record, true) : "signin"; });
        }
        return "signin";
      }
      if (response.status >= 500 || response.status === 429) { return "later"; }
      return response.json().then(function (answer) {
        record.error = answer.detail || text.textRefusedUnknown;
        return putRecord(record).then(function () { return "refused"; });
      });
    }, function () { return "later"; });
  }

  function sendAll() {
    if (sending) { return Promise.resolve(); }
    if (timer) { clearTimeout(timer); timer = null; }
    sending = true;
    return allRecords().then(function (records) {
      var waiting = records.filter(function (record) { return !record.error; });
      if (!waiting.length) { return "done"; }
      if (navigator.onLine === false) { return "later"; }
      say(text.textSending);
      var outcome = "done";
      return waiting.reduce(function (chain, record) {
        return chain.then(function () {
          if (outcome !== "done") { return; }
          return sendOne(record, false).then(function (result) {
            if (result === "later" || result === "signin") { outcome = result; }
          });
        });
      }, Promise.resolve()).then(function () { return outcome; });
    }).then(function (outcome) {
      sending = false;
      if (outcome === "done") {
        failures = 0;
      } else {
        failures += 1;
        say(outcome === "signin" ? text.textSignIn : text.textOffline);
        schedule();
      }
      return render().then(function (records) {
        if (!form && sentSomething && !records.length && outcome === "done") { window.location.reload(); }
      });
    }, function () { sending = false; failures += 1; schedule(); });
  }

  function label() {
    var address = (form.querySelector("[name=address]") || {}).value || "";
    var rt = (form.querySelector("[name=rt]") || {}).value || "?";
    var rw = (form.querySelector("[name=rw]") || {}).value || "?";
    return address + " · RT " + rt + "/RW " + rw;
  }

  if (form) {
    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) { return; }  // the browser's own messages, or the server's when it posts
      event.preventDefault();
      var inspectedAt = form.querySelector("[name=inspected_at]");
      var key = form.querySelector("[name=idempotency_key]");
      if (inspectedAt && !inspectedAt.value) { inspectedAt.value = isoWithOffset(new Date()); }
      var data = new FormData(form);
      var photo = data.get("photo");
      var fields = [];
      data.forEach(function (value, name) {
        // The form's CSRF token is not kept: it may be stale when the record is sent (a new sign-in); the header
        // carries the current one.
        if (name !== "photo" && name !== "csrfmiddlewaretoken" && typeof value === "string") {
          fields.push([name, value]);
        }
      });
      var record = {
        key: key.value,
        owner: owner,
        savedAt: Date.now(),
        label: label(),
        fields: fields,
        photo: photo && photo.size ? photo : null,
        photoName: photo && photo.size ? photo.name : "",
        error: ""
      };
      putRecord(record).then(function () {
        // Ready for the next house of the same RT: a new key, the next time, the next location.
        var keep = { building_kind: form.querySelector("[name=building_kind]:checked"),
                     rw: form.querySelector("[name=rw]").value, rt: form.querySelector("[name=rt]").value };
        form.reset();
        if (keep.building_kind) { keep.building_kind.checked = true; }
        form.querySelector("[name=rw]").value = keep.rw;
        form.querySelector("[name=rt]").value = keep.rt;
        key.value = newKey();
        if (inspectedAt) { inspectedAt.value = ""; }
        var locate = form.querySelector("[data-use-location]");
        if (locate && !locate.hidden) { locate.click(); }
        say(text.textSaved);
        window.scrollTo(0, 0);
        return render();
      }).then(function () { failures = 0; return sendAll(); });
    });
  }

  sendNow.addEventListener("click", function () { failures = 0; sendAll(); });
  window.addEventListener("online", function () { failures = 0; sendAll(); });
  window.addEventListener("offline", function () { say(text.textOffline); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { sendAll(); } });
  render().then(sendAll);

})();
