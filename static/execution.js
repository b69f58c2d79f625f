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

  function paint(nodes) {
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
    for (const text of [event.id, event.type, step, event.timestamp]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    history.appendChild(tr);
  }

  function apply(message) {
    message.events.filter((e) => e.id > lastEventId).sort((a, b) => a.id - b.id).forEach((event) => {
      addRow(event);
      lastEventId = Math.max(lastEventId, event.id);
    });
    if (message.nodes) paint(message.nodes);
    if (message.status) {
      statusBox.textContent = message.status;
      statusBox.className = "status status-" + message.status;
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
