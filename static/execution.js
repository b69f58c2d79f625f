// Live execution page: folds history events pushed over the WebSocket into node statuses.
// The folding mirrors engine/states/progress.py so the first render and live updates agree.
(function () {
  "use strict";
  const graph = document.getElementById("graph");
  if (!graph) return;
  const executionId = graph.dataset.executionId;
  let lastEventId = Number(graph.dataset.lastEventId || 0);
  const owners = new Map();   // event id -> state name
  const statuses = new Map(); // state name -> status
  const history = document.querySelector("#history tbody");
  const indicator = document.getElementById("live-indicator");
  const statusBox = document.getElementById("execution-status");
  const FAILURE = /(Failed|TimedOut)$/;
  const TASK_START = new Set(["TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"]);

  document.querySelectorAll("#graph g.state-node").forEach((node) => {
    statuses.set(node.dataset.state, node.dataset.status);
  });

  function fold(event) {
    const kind = event.type || "";
    const entered = kind.endsWith("StateEntered") && event.stateEnteredEventDetails ? event.stateEnteredEventDetails.name : null;
    const exited = kind.endsWith("StateExited") && event.stateExitedEventDetails ? event.stateExitedEventDetails.name : null;
    if (entered !== null) {
      const before = owners.get(event.previousEventId);
      if (before && before !== entered && ["failed", "retrying"].includes(statuses.get(before))) statuses.set(before, "caught");
      owners.set(event.id, entered);
      statuses.set(entered, kind === "FailStateEntered" ? "failed" : kind === "WaitStateEntered" ? "waiting" : "running");
      return;
    }
    const owner = exited || owners.get(event.previousEventId);
    if (!owner) return;
    owners.set(event.id, owner);
    if (exited) statuses.set(owner, "succeeded");
    else if (FAILURE.test(kind) && !kind.startsWith("Execution") && !kind.startsWith("MapIteration")) statuses.set(owner, "failed");
    else if (TASK_START.has(kind) && statuses.get(owner) === "failed") statuses.set(owner, "retrying");
    else if (kind === "TaskSubmitted") statuses.set(owner, "waiting");
  }

  function paint() {
    document.querySelectorAll("#graph g.state-node").forEach((node) => {
      const status = statuses.get(node.dataset.state);
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
    const fresh = message.events.filter((e) => e.id > lastEventId).sort((a, b) => a.id - b.id);
    // Re-fold from the start on the first message so owners of old events are known.
    fresh.forEach((event) => { fold(event); addRow(event); lastEventId = Math.max(lastEventId, event.id); });
    paint();
    if (message.status) {
      statusBox.textContent = message.status;
      statusBox.className = "status status-" + message.status;
    }
  }

  let delay = 500;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    // after=0: the backlog re-sends every event so the owner map is complete; rows dedupe by id.
    const socket = new WebSocket(`${scheme}://${location.host}/ws/executions/${executionId}/?after=0`);
    socket.onopen = () => { indicator.dataset.live = "open"; indicator.textContent = "live"; delay = 500; };
    socket.onmessage = (msg) => {
      const data = JSON.parse(msg.data);
      if (data.type === "backlog") {
        data.events.forEach((event) => { if (event.id <= lastEventId) fold(event); });
      }
      apply(data);
    };
    socket.onclose = () => {
      indicator.dataset.live = "closed"; indicator.textContent = "reconnecting…";
      setTimeout(connect, delay); delay = Math.min(delay * 2, 8000);
    };
  }
  connect();
})();
