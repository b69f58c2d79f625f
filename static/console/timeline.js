// Timeline: a Gantt chart of the execution's state visits (StateEntered to StateExited, from
// the GetExecutionHistory events the page carries and those that arrive live), one row per
// state in the order states first ran, as the Step Functions console's "Events" timeline.
(function () {
  "use strict";
  const box = document.getElementById("timeline-chart");
  const data = document.getElementById("history-data");
  if (!box || !data) return;
  const events = JSON.parse(data.textContent);
  const seen = new Set(events.map((e) => e.id));
  const NS = "http://www.w3.org/2000/svg";
  const ROW = 22, LABEL = 150, WIDTH = 640;

  function svg(tag, attrs, text) {
    const node = document.createElementNS(NS, tag);
    Object.entries(attrs).forEach(([k, v]) => node.setAttribute(k, String(v)));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function visits() {
    const open = new Map();
    const done = [];
    events.forEach((e) => {
      const t = new Date(e.timestamp).getTime();
      if (e.stateEnteredEventDetails) open.set(e.stateEnteredEventDetails.name, {name: e.stateEnteredEventDetails.name, start: t, end: null, outcome: "running"});
      if (e.stateExitedEventDetails && open.has(e.stateExitedEventDetails.name)) {
        const v = open.get(e.stateExitedEventDetails.name);
        open.delete(v.name);
        v.end = t; v.outcome = "succeeded";
        done.push(v);
      }
      if (/^Execution(Failed|TimedOut|Aborted)$/.test(e.type)) {
        open.forEach((v) => { v.end = t; v.outcome = "failed"; done.push(v); });
        open.clear();
      }
    });
    open.forEach((v) => done.push(v));
    return done;
  }

  function draw() {
    const all = visits();
    if (!events.length || !all.length) { box.textContent = "No state has run yet."; return; }
    const start = new Date(events[0].timestamp).getTime();
    const now = Date.now();
    const end = Math.max(...all.map((v) => v.end || now), start + 1);
    const names = [];
    all.forEach((v) => { if (!names.includes(v.name)) names.push(v.name); });
    const chart = svg("svg", {viewBox: `0 0 ${LABEL + WIDTH + 70} ${names.length * ROW + 8}`, role: "img",
      "aria-label": `Timeline of ${names.length} states over ${((end - start) / 1000).toFixed(1)} seconds`});
    names.forEach((name, row) => {
      chart.append(svg("text", {x: 0, y: row * ROW + 15, "font-size": 12}, name.length > 22 ? name.slice(0, 21) + "…" : name));
    });
    all.forEach((v) => {
      const row = names.indexOf(v.name);
      const x = LABEL + (WIDTH * (v.start - start)) / (end - start);
      const w = Math.max(2, (WIDTH * ((v.end || now) - v.start)) / (end - start));
      const seconds = (((v.end || now) - v.start) / 1000).toFixed(3);
      const bar = svg("rect", {x: x, y: row * ROW + 3, width: w, height: ROW - 8, rx: 2, class: "timeline-bar",
        "data-state": v.name, "data-outcome": v.outcome});
      bar.append(svg("title", {}, `${v.name}: ${seconds} s (${v.outcome})`));
      chart.append(bar, svg("text", {x: Math.min(x + w + 4, LABEL + WIDTH + 4), y: row * ROW + 15, "font-size": 11, fill: "#667085"}, seconds + " s"));
    });
    box.replaceChildren(chart);
  }

  document.addEventListener("stepbridge:events", (e) => {
    e.detail.forEach((event) => { if (!seen.has(event.id)) { seen.add(event.id); events.push(event); } });
    events.sort((a, b) => a.id - b.id);
    draw();
  });
  draw();
})();
