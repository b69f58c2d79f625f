// Timestamps: the server writes <time datetime="ISO">; the page shows them in the browser's
// time zone, named ("GMT+1"), since the forms that take a time (a replay's window, the events
// filter) take UTC and say so; relative ("3 min ago") where the element asks for it with
// data-relative, the full time then its tooltip.
(function () {
  "use strict";
  const relative = new Intl.RelativeTimeFormat(undefined, {numeric: "auto"});
  const absolute = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZoneName: "short",
  });
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
