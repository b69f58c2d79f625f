// Live execution page: paints node statuses and appends history rows pushed over the
// WebSocket. The server folds history into statuses (engine/states/progress.py); the page
// only applies them, so the first render and live updates always agree.
(function () {
  "use strict";
  const graph = document.getElementById("graph");
  if (!graph) return;
  const executionId = graph.dataset.executionId;
  let lastEventId = Number(graph.dataset.lastEventId || 0);
  const history = document.querySelector("#history tbody");
  const indicator = document.getElementById("live-indicator");
  const statusBox = document.getElementById("execution-status");
  const resultBox = document.getElementById("execution-result");
  const stopDate = document.getElementById("execution-stop-date");
  const stopForm = document.getElementById("stop-form");

  function paint(nodes) {
    if (graph.dataset.scrubbing === "on") return; // the scrubber shows a past moment
    document.querySelectorAll("#graph g.state-node").forEach((node) => {
      const status = nodes[node.dataset.state];
      if (status && node.dataset.status !== status) node.dataset.status = status;
    });
  }

  function addRow(event) {
    if (history.querySelector(`tr[data-event-id="${event.id}"]`)) return;
    const tr = document.createElement("tr");
    tr.dataset.eventId = event.id;
    const step = (event.stateEnteredEventDetails || event.stateExitedEventDetails || {}).name || "";
    for (const text of [event.id, event.type, step]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    const cell = document.createElement("td");
    const time = document.createElement("time");
    time.setAttribute("datetime", event.timestamp);
    time.textContent = event.timestamp;
    if (window.stepbridgeTime) window.stepbridgeTime.show(time);
    cell.appendChild(time);
    tr.appendChild(cell);
    history.appendChild(tr);
  }

  // The execution's end event carries its Result (output, or error and cause) and stop date.
  function finish(event) {
    if (!/^Execution(Succeeded|Failed|TimedOut|Aborted)$/.test(event.type)) return;
    const key = Object.keys(event).find((k) => k.endsWith("EventDetails"));
    const d = key ? event[key] : {};
    if (resultBox) {
      let text = "";
      if (d.output !== undefined) {
        try { text = JSON.stringify(JSON.parse(d.output)); } catch (e) { text = String(d.output); }
      } else if (d.error !== undefined || d.cause !== undefined) {
        text = (d.error || "") + ": " + (d.cause || "");
      }
      resultBox.textContent = text;
    }
    if (stopDate) {
      stopDate.setAttribute("datetime", event.timestamp);
      stopDate.textContent = event.timestamp;
      if (window.stepbridgeTime) window.stepbridgeTime.show(stopDate);
    }
  }

  function apply(message) {
    message.events.filter((e) => e.id > lastEventId).sort((a, b) => a.id - b.id).forEach((event) => {
      addRow(event);
      lastEventId = Math.max(lastEventId, event.id);
    });
    document.dispatchEvent(new CustomEvent("stepbridge:events", {detail: message.events}));
    document.dispatchEvent(new CustomEvent("stepbridge:step", {detail: {events: message.events, nodes: message.nodes || {}}}));
    message.events.forEach(finish);
    if (message.nodes) paint(message.nodes);
    if (message.status) {
      statusBox.textContent = message.status;
      statusBox.className = "status status-" + message.status;
      if (stopForm) stopForm.hidden = message.status !== "RUNNING";
    }
  }

  let delay = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/executions/${executionId}/?after=${lastEventId}`);
    socket.onopen = () => { indicator.dataset.live = "open"; indicator.textContent = "live"; delay = 500; };
    socket.onmessage = (msg) => apply(JSON.parse(msg.data));
    socket.onclose = () => {
      indicator.dataset.live = "closed"; indicator.textContent = "reconnecting…";
      setTimeout(connect, delay); delay = Math.min(delay * 2, 8000);
    };
  }
  connect();
})();
