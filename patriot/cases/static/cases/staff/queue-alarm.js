// The POC queue's emergency alarm: #queue-live carries the tracking numbers of every emergency (urgent priority)
// waiting in the queue, whatever page, filter or order is shown. When a live refresh brings a number this page has
// not seen, a banner (role=alert) names it and a tone plays through WebAudio until the operator acknowledges it.
// Browsers start audio only after a user gesture: until the page has had one, a button offers to turn sound on.
(function () {
  "use strict";

  var alarm = document.querySelector("[data-emergency-alarm]");
  if (!alarm) { return; }
  var list = alarm.querySelector("[data-alarm-list]");
  var soundButton = alarm.querySelector("[data-alarm-sound]");
  var seen = new Set(current());
  var audio = null;
  var ringing = null;

  function live() { return document.getElementById("queue-live"); }

  function current() {
    var region = live();
    var value = region ? region.getAttribute("data-emergencies") || "" : "";
    return value.split(" ").filter(Boolean);
  }

  function context() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) { return null; }
    if (!audio) { audio = new Context(); }
    return audio;
  }

  function beep() {
    var ctx = context();
    if (!ctx) { return; }
    if (ctx.state === "suspended") {
      ctx.resume();
      soundButton.hidden = false;
    }
    var start = ctx.currentTime;
    [0, 0.35].forEach(function (offset) {
      var tone = ctx.createOscillator();
      var gain = ctx.createGain();
      tone.type = "square";
      tone.frequency.value = offset ? 660 : 880;
      gain.gain.setValueAtTime(0.15, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.3);
      tone.connect(gain).connect(ctx.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.3);
    });
  }

  // What and where, read from the report's row when the page shows it: "Fallen tree · Marga Jaya".
  function summary(number) {
    var links = live().querySelectorAll("tbody a.case-number");
    for (var i = 0; i < links.length; i++) {
      if (links[i].textContent.trim() !== number) { continue; }
      var cells = links[i].closest("tr").cells;
      var title = cells[2] && cells[2].querySelector("strong");
      var place = cells[3] ? cells[3].firstChild : null;
      return [title ? title.textContent.trim() : "", place ? place.textContent.trim() : ""].filter(Boolean).join(" · ");
    }
    return "";
  }

  function raise(numbers) {
    var url = live().getAttribute("data-case-url");
    numbers.forEach(function (number) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = url.replace("NUMBER", number);
      link.className = "case-number";
      link.textContent = number;
      item.appendChild(link);
      var what = summary(number);
      if (what) { item.appendChild(document.createTextNode(" · " + what)); }
      list.appendChild(item);
    });
    alarm.hidden = false;
    document.documentElement.classList.add("alarm-on");
    beep();
    if (!ringing) { ringing = window.setInterval(beep, 4000); }
  }

  function acknowledge() {
    alarm.hidden = true;
    list.textContent = "";
    document.documentElement.classList.remove("alarm-on");
    if (ringing) { window.clearInterval(ringing); ringing = null; }
  }

  alarm.querySelector("[data-alarm-ack]").addEventListener("click", acknowledge);
  soundButton.addEventListener("click", function () {
    var ctx = context();
    if (ctx) { ctx.resume(); }
    soundButton.hidden = true;
  });
  // Any click on the page counts as the gesture that lets the alarm sound later.
  document.addEventListener("pointerdown", function () {
    var ctx = context();
    if (ctx && ctx.state === "suspended") { ctx.resume(); }
  }, { once: true });

  document.body.addEventListener("htmx:afterSettle", function () {
    var fresh = current().filter(function (number) { return !seen.has(number); });
    fresh.forEach(function (number) { seen.add(number); });
    if (fresh.length) { raise(fresh); }
  });
})();
