// Timeline scrubber: replays the recorded run on the graph one history event at a time. The
// server folds the history into status changes per event (engine/states/progress.py,
// #status-frames); position n paints the graph as it was after the n-th event (node colours)
// and shows that event with its data (input, output, error) as recorded then. Steps that
// arrive live extend the replay; at the last position the graph follows the live run again.
(function () {
  "use strict";
  const graph = document.getElementById("graph");
  const range = document.getElementById("scrubber-range");
  const data = document.getElementById("history-data");
  const framesData = document.getElementById("status-frames");
  if (!graph || !range || !data || !framesData) return;
  if (graph.dataset.drill === "on") return; // its frames are the whole run's, not a drill-down's
  const events = JSON.parse(data.textContent);
  const frames = JSON.parse(framesData.textContent);
  const known = new Set(events.map((e) => e.id));
  const position = document.getElementById("scrubber-position");
  const count = document.getElementById("scrubber-count");
  const caption = document.getElementById("scrubber-event");
  const detail = document.getElementById("scrubber-data");
  const play = document.getElementById("scrubber-play");
  let timer = null;

  function statusesAt(n) {
    const statuses = {};
    for (let i = 0; i < n; i++) Object.assign(statuses, frames[i]);
    return statuses;
  }

  function details(event) {
    const key = Object.keys(event).find((k) => k.endsWith("EventDetails"));
    return key ? event[key] : null;
  }

  function readable(value) {
    if (value && typeof value === "object") {
      const copy = {};
      Object.entries(value).forEach(([k, v]) => {
        if (typeof v === "string" && /^[[{"]/.test(v.trim())) {
          try { copy[k] = JSON.parse(v); return; } catch (e) { /* text, as recorded */ }
        }
        copy[k] = v;
      });
      return JSON.stringify(copy, null, 2);
    }
    return "";
  }

  function show(n) {
    const last = events.length;
    n = Math.max(0, Math.min(n, last));
    range.max = String(last);
    range.value = String(n);
    position.textContent = String(n);
    count.textContent = String(last);
    const live = n === last;
    graph.dataset.scrubbing = live ? "off" : "on";
    graph.dataset.scrubbedTo = String(n);
    const statuses = statusesAt(n);
    graph.querySelectorAll("g.state-node").forEach((node) => {
      node.dataset.status = statuses[node.dataset.state] || "not-started";
    });
    const event = n > 0 ? events[n - 1] : null;
    if (!event) {
      caption.textContent = "Before the first event: nothing has run.";
      detail.hidden = true;
      return;
    }
    const step = (event.stateEnteredEventDetails || event.stateExitedEventDetails || {}).name;
    const when = new Date(event.timestamp);
    caption.textContent = `#${event.id} ${event.type}${step ? " (" + step + ")" : ""} at ${Number.isNaN(when.getTime()) ? event.timestamp : when.toLocaleString()}${live ? " · now" : ""}`;
    const text = readable(details(event));
    detail.textContent = text;
    detail.hidden = !text;
  }

  function stop() {
    if (timer !== null) clearInterval(timer);
    timer = null;
    play.textContent = "Play";
  }

  range.addEventListener("input", () => { stop(); show(Number(range.value)); });
  document.getElementById("scrubber-back").addEventListener("click", () => { stop(); show(Number(range.value) - 1); });
  document.getElementById("scrubber-forward").addEventListener("click", () => { stop(); show(Number(range.value) + 1); });
  document.getElementById("scrubber-live").addEventListener("click", () => { stop(); show(events.length); });
  play.addEventListener("click", () => {
    if (timer !== null) { stop(); return; }
    if (Number(range.value) >= events.length) show(0);
    play.textContent = "Pause";
    timer = setInterval(() => {
      const next = Number(range.value) + 1;
      show(next);
      if (next >= events.length) stop();
    }, 400);
  });

  // A live step: its events join the replay; the statuses it stored are the frame of its last
  // event (the fold happened on the server, per step).
  document.addEventListener("stepbridge:step", (e) => {
    const fresh = e.detail.events.filter((event) => !known.has(event.id)).sort((a, b) => a.id - b.id);
    if (!fresh.length) return;
    const following = Number(range.value) === events.length;
    const before = statusesAt(events.length);
    fresh.forEach((event) => { known.add(event.id); events.push(event); frames.push({}); });
    const changed = {};
    Object.entries(e.detail.nodes).forEach(([name, status]) => { if (before[name] !== status) changed[name] = status; });
    frames[frames.length - 1] = changed;
    show(following ? events.length : Number(range.value));
  });
  show(events.length);
})();
