// Timestamps: the server writes <time datetime="ISO">; the page shows them in the browser's
// time zone, and relative ("3 min ago") where the element asks for it with data-relative.
(function () {
  "use strict";
  const relative = new Intl.RelativeTimeFormat(undefined, {numeric: "auto"});
  const absolute = new Intl.DateTimeFormat(undefined, {dateStyle: "medium", timeStyle: "medium"});
  const STEPS = [[60, "second"], [60, "minute"], [24, "hour"], [7, "day"], [4.35, "week"], [12, "month"]];

  function ago(date) {
    let amount = (date.getTime() - Date.now()) / 1000;
    for (const [size, unit] of STEPS) {
      if (Math.abs(amount) < size) return relative.format(Math.round(amount), unit);
      amount /= size;
    }
    return relative.format(Math.round(amount), "year");
  }

  function show(el) {
    const date = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) return;
    const full = absolute.format(date);
    el.title = full;
    el.textContent = "relative" in el.dataset ? ago(date) : full;
  }

  function all(root) { (root || document).querySelectorAll("time[datetime]").forEach(show); }
  window.stepbridgeTime = {show: show, all: all};
  all(document);
  setInterval(() => document.querySelectorAll("time[data-relative]").forEach(show), 30000);
})();
