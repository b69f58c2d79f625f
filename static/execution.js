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
  const redriveForm = document.getElementById("redrive-form");
  const redrives = document.getElementById("execution-redrives");

  function paint(nodes) {
    if (graph.dataset.scrubbing === "on") return; // the scrubber shows a past moment
    // A drill-down shows one iteration's or branch's statuses, folded by the server; the
    // whole run's statuses (by state name) would be wrong for it: ask the server again.
    if (graph.dataset.drill === "on") return; // see apply()
    document.querySelectorAll("#graph g.state-node").forEach((node) => {
      const status = nodes[node.dataset.state];
      if (status && node.dataset.status !== status) node.dataset.status = status;
    });
  }

  // The drill-down's statuses, re-read from this page's URL (the server folds them): one
  // request at a time, and one more if events arrived while it was in flight.
  let drillBusy = false;
  let drillAgain = false;
  let drillSeen = Number(graph.dataset.lastEventId || 0);
  function refreshDrill() {
    if (drillBusy) { drillAgain = true; return; }
    drillBusy = true;
    fetch(location.href, {headers: {Accept: "text/html"}})
      .then((r) => r.text())
      .then((text) => {
        const fresh = new DOMParser().parseFromString(text, "text/html");
        fresh.querySelectorAll("#graph g.state-node").forEach((node) => {
          const mine = graph.querySelector(`g.state-node[data-state="${CSS.escape(node.dataset.state)}"]`);
          if (mine && mine.dataset.status !== node.dataset.status) mine.dataset.status = node.dataset.status;
        });
      })
      .catch(() => {})
      .finally(() => {
        drillBusy = false;
        if (drillAgain) { drillAgain = false; refreshDrill(); }
      });
  }

  // A states:startExecution task's TaskSubmitted (or request-response TaskSucceeded) names the
  // child it started: link it (through the list, filtered to that machine and name, as the page
  // knows the child by its ARN only; rows rendered with the page link it directly).
  function linkChild(cell, event) {
    const d = event.taskSubmittedEventDetails || event.taskSucceededEventDetails;
    if (!d || d.resourceType !== "states" || step(event)) return;
    let arn = "";
    try { arn = String((JSON.parse(d.output) || {}).ExecutionArn || ""); } catch (e) { return; }
    const parts = arn.split(":");
    if (parts[5] !== "execution" || parts.length < 8) return;
    const a = document.createElement("a");
    a.className = "child-link";
    a.href = "/executions/?machine=" + encodeURIComponent(parts[6]) + "&name=" + encodeURIComponent(parts[7]);
    a.textContent = parts[7];
    cell.append("child ", a);
  }

  function step(event) {
    return (event.stateEnteredEventDetails || event.stateExitedEventDetails || {}).name || "";
  }

  function addRow(event) {
    if (history.querySelector(`tr[data-event-id="${event.id}"]`)) return;
    const tr = document.createElement("tr");
    tr.dataset.eventId = event.id;
    for (const text of [event.id, event.type, step(event)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    linkChild(tr.cells[2], event);
    const cell = document.createElement("td");
    const time = document.createElement("time");
    time.setAttribute("datetime", event.timestamp);
    time.textContent = event.timestamp;
    if (window.stepbridgeTime) window.stepbridgeTime.show(time);
    cell.appendChild(time);
    tr.appendChild(cell);
    history.appendChild(tr);
  }

  // A redrive reopens the execution: no Result or stop date until it ends again.
  function redriven(event) {
    const count = (event.executionRedrivenEventDetails || {}).redriveCount;
    if (resultBox) resultBox.textContent = "";
    if (stopDate) {
      stopDate.removeAttribute("datetime");
      stopDate.textContent = "—";
    }
    if (redrives && count !== undefined) redrives.textContent = String(count);
  }

  // The execution's end event carries its Result (output, or error and cause) and stop date.
  function finish(event) {
    if (event.type === "ExecutionRedriven") {
      redriven(event);
      return;
    }
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
    if (graph.dataset.drill === "on" && message.events.some((e) => e.id > drillSeen)) {
      drillSeen = lastEventId;
      refreshDrill();
    }
    if (message.status) {
      statusBox.textContent = message.status;
      statusBox.className = "status status-" + message.status;
      if (stopForm) stopForm.hidden = message.status !== "RUNNING";
      // An unsuccessful end is redrivable (the server re-checks AWS's conditions on submit).
      if (redriveForm) redriveForm.hidden = message.status === "RUNNING" || message.status === "SUCCEEDED";
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
