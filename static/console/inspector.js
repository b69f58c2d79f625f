// Execution inspector: click (or Enter on) a graph node or a history row to see that state's
// input and output per visit, every task attempt with its timing, error and cause, the
// variables each visit assigned, the JSONata stages (Arguments, Output, Assign) of a JSONata
// state, and for a state waiting out a Retry interval its next attempt and a countdown; the
// history table filters by type and state and expands each row's JSON. It reads only the
// GetExecutionHistory events the page carries (#history-data) and those execution.js
// receives live (the "stepbridge:events" event), so it agrees with the API's history.
(function () {
  "use strict";
  const graph = document.getElementById("graph");
  const panel = document.getElementById("inspector");
  const data = document.getElementById("history-data");
  if (!graph || !panel || !data) return;
  const events = JSON.parse(data.textContent);
  const languagesData = document.getElementById("query-languages");
  const languages = languagesData ? JSON.parse(languagesData.textContent) : {};
  const byId = new Map(events.map((e) => [e.id, e]));
  const table = document.querySelector("#history tbody");
  const typeFilter = document.getElementById("history-type");
  const stateFilter = document.getElementById("history-state");
  let selected = null;

  function details(event) {
    const key = Object.keys(event).find((k) => k.endsWith("EventDetails"));
    return key ? event[key] : {};
  }

  // The state an event belongs to: follow previousEventId back to its StateEntered/Exited.
  function stateOf(event) {
    for (let e = event, hops = 0; e && hops < 10000; e = byId.get(e.previousEventId), hops++) {
      const d = e.stateEnteredEventDetails || e.stateExitedEventDetails;
      if (d) return d.name;
    }
    return "";
  }

  // The Map iteration an event belongs to: the nearest MapIterationStarted up its chain.
  function iterationOf(event) {
    for (let e = byId.get(event.previousEventId), hops = 0; e && hops < 10000; e = byId.get(e.previousEventId), hops++) {
      if (e.mapIterationStartedEventDetails) return e.mapIterationStartedEventDetails;
      if (e.type === "MapStateStarted" || e.type === "ExecutionStarted") return null;
    }
    return null;
  }

  function pretty(text) {
    if (text === undefined || text === null) return "";
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return String(text); }
  }

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  function when(stamp) {
    const t = el("time", stamp);
    t.setAttribute("datetime", stamp);
    if (window.stepbridgeTime) window.stepbridgeTime.show(t);
    return t;
  }

  // Each visit of the state: from its StateEntered to the matching StateExited (or the end).
  function visits(name) {
    const found = [];
    let open = null;
    events.forEach((event) => {
      const owner = stateOf(event);
      if (event.stateEnteredEventDetails && event.stateEnteredEventDetails.name === name) {
        open = {entered: event, exited: null, attempts: [], errors: []};
        found.push(open);
      } else if (open && event.stateExitedEventDetails && event.stateExitedEventDetails.name === name) {
        open.exited = event;
        open = null;
      } else if (open && owner === name) {
        const d = details(event);
        if (/Scheduled$/.test(event.type)) open.attempts.push({scheduled: event, started: null, ended: null});
        const last = open.attempts[open.attempts.length - 1];
        if (last && /Started$/.test(event.type)) last.started = event;
        if (last && /(Succeeded|Failed|TimedOut|SubmitFailed|StartFailed)$/.test(event.type)) last.ended = event;
        if (d.error !== undefined || d.cause !== undefined) open.errors.push(event);
      }
    });
    events.filter((e) => /^Execution(Failed|TimedOut|Aborted)$/.test(e.type)).forEach((end) => {
      const last = found[found.length - 1];
      if (last && !last.exited) last.errors.push(end);
    });
    return found;
  }

  function block(label, text, cls) {
    const wrap = el("div", undefined, cls);
    wrap.append(el("strong", label), el("pre", text, "mono"));
    return wrap;
  }

  function seconds(a, b) {
    if (!a || !b) return "";
    return ((new Date(b.timestamp) - new Date(a.timestamp)) / 1000).toFixed(3) + " s";
  }

  function show(name) {
    selected = name;
    graph.querySelectorAll("g.state-node").forEach((n) => n.classList.toggle("selected", n.dataset.state === name));
    const node = graph.querySelector(`g.state-node[data-state="${CSS.escape(name)}"]`);
    const body = document.getElementById("inspector-body");
    document.getElementById("inspector-name").textContent = name;
    document.getElementById("inspector-status").textContent = node ? node.dataset.status : "";
    body.replaceChildren();
    const found = visits(name);
    const jsonata = languages[name] === "JSONata";
    body.dataset.queryLanguage = languages[name] || "JSONPath";
    if (!found.length) body.append(el("p", "This state has not run in this execution.", "muted"));
    found.forEach((visit, index) => {
      const section = el("section", undefined, "visit");
      section.dataset.visit = String(index + 1);
      const head = el("h3", found.length > 1 ? `Visit ${index + 1}` : "");
      if (head.textContent) section.append(head);
      const facts = el("p", undefined, "muted");
      facts.append("Entered ", when(visit.entered.timestamp));
      if (visit.exited) facts.append(" · took " + seconds(visit.entered, visit.exited));
      section.append(facts);
      section.append(block("Input", pretty(visit.entered.stateEnteredEventDetails.input), "stage-input"));
      // The data flow a Task shows in its history: what Parameters/Arguments sent, what the
      // resource returned (before ResultSelector/ResultPath/OutputPath shaped the Output).
      const first = visit.attempts[0];
      // TaskScheduled names it "parameters"; LambdaFunctionScheduled/ActivityScheduled "input".
      const scheduled = first ? details(first.scheduled) : {};
      const sent = scheduled.parameters !== undefined ? scheduled.parameters : scheduled.input;
      const sentLabel = jsonata ? "Arguments (sent to the resource)" : "Sent to the resource (after InputPath and Parameters)";
      if (sent !== undefined) section.append(block(sentLabel, pretty(sent), "stage-parameters"));
      const answered = visit.attempts.map((a) => a.ended).filter((e) => e && details(e).output !== undefined).pop();
      const resultLabel = jsonata ? "Task result ($states.result, before Output and Assign)" : "Task result (before ResultSelector and ResultPath)";
      if (answered) section.append(block(resultLabel, pretty(details(answered).output), "stage-result"));
      if (visit.attempts.length) {
        const attempts = el("table", undefined, "grid attempts");
        const rows = el("tbody");
        attempts.append(el("caption", "Attempts"), rows);
        visit.attempts.forEach((attempt, n) => {
          const tr = el("tr");
          const outcome = attempt.ended ? attempt.ended.type : "in progress";
          tr.append(el("td", "#" + (n + 1)), el("td", outcome));
          const time = el("td");
          time.append(when(attempt.scheduled.timestamp));
          if (attempt.ended) time.append(" · " + seconds(attempt.scheduled, attempt.ended));
          tr.append(time);
          const d = attempt.ended ? details(attempt.ended) : {};
          tr.append(el("td", d.error !== undefined ? `${d.error}: ${d.cause || ""}` : ""));
          rows.append(tr);
        });
        section.append(attempts);
      }
      visit.errors.forEach((event) => {
        const d = details(event);
        section.append(block(`Error (${event.type})`, `${d.error || ""}\n${pretty(d.cause)}`, "stage-error"));
      });
      const retry = !visit.exited && index === found.length - 1 && window.stepbridgeRetries ? window.stepbridgeRetries.of(name) : null;
      if (retry) {
        const wait = el("p", undefined, "stage-retry");
        const countdown = el("span", retry.left(retry.until), "countdown");
        countdown.dataset.until = retry.until;
        wait.append(el("strong", "Waiting to retry: "), `attempt ${retry.attempt} in `, countdown);
        section.append(wait);
      }
      if (visit.exited) {
        const exited = visit.exited.stateExitedEventDetails;
        section.append(block(jsonata ? "Output (after the Output field)" : "Output", pretty(exited.output), "stage-output"));
        if (exited.assignedVariables && Object.keys(exited.assignedVariables).length) {
          const assigned = {};
          Object.entries(exited.assignedVariables).forEach(([key, value]) => {
            try { assigned[key] = JSON.parse(value); } catch (e) { assigned[key] = value; }
          });
          section.append(block("Variables assigned (Assign)", JSON.stringify(assigned, null, 2), "stage-assign"));
        }
      }
      body.append(section);
    });
    panel.hidden = false;
    panel.scrollIntoView({block: "nearest"});
  }

  function expand(row) {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("history-json")) { next.remove(); row.setAttribute("aria-expanded", "false"); return; }
    const event = byId.get(Number(row.dataset.eventId));
    const tr = el("tr", undefined, "history-json");
    const td = el("td");
    td.colSpan = 4;
    td.append(el("pre", JSON.stringify(event, null, 2), "mono"));
    tr.append(td);
    row.after(tr);
    row.setAttribute("aria-expanded", "true");
  }

  function prepare(row) {
    const event = byId.get(Number(row.dataset.eventId));
    if (!event) return;
    row.dataset.type = event.type;
    row.dataset.state = stateOf(event);
    const iteration = event.mapIterationStartedEventDetails || iterationOf(event);
    if (iteration && row.dataset.iteration === undefined) {
      row.dataset.iteration = String(iteration.index);
      row.cells[2].append(el("span", ` ${iteration.name} #${iteration.index}`, "iteration muted"));
    }
    row.tabIndex = 0;
    row.classList.add("expandable");
    row.setAttribute("aria-expanded", "false");
    if (typeFilter && ![...typeFilter.options].some((o) => o.value === event.type)) typeFilter.add(new Option(event.type, event.type));
  }

  function filter() {
    const type = typeFilter ? typeFilter.value : "";
    const state = stateFilter ? stateFilter.value.trim().toLowerCase() : "";
    table.querySelectorAll("tr[data-event-id]").forEach((row) => {
      const where = (row.dataset.state || "") + (row.dataset.iteration !== undefined ? " #" + row.dataset.iteration : "");
      const visible = (!type || row.dataset.type === type) && (!state || where.toLowerCase().includes(state));
      row.hidden = !visible;
      const next = row.nextElementSibling;
      if (next && next.classList.contains("history-json")) next.hidden = !visible;
    });
  }

  function activateRow(row) {
    expand(row);
    if (row.dataset.state) show(row.dataset.state);
  }

  graph.querySelectorAll("g.state-node").forEach((node) => {
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", `State ${node.dataset.state}: inspect`);
    node.style.cursor = "pointer";
    node.addEventListener("click", () => show(node.dataset.state));
    node.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); show(node.dataset.state); }
    });
  });
  table.querySelectorAll("tr[data-event-id]").forEach(prepare);
  table.addEventListener("click", (e) => {
    const row = e.target.closest("tr[data-event-id]");
    if (row) activateRow(row);
  });
  table.addEventListener("keydown", (e) => {
    const row = e.target.closest("tr[data-event-id]");
    if (row && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); activateRow(row); }
  });
  if (typeFilter) typeFilter.addEventListener("change", filter);
  if (stateFilter) stateFilter.addEventListener("input", filter);
  document.addEventListener("retries:updated", () => { if (selected && !panel.hidden) show(selected); });
  document.getElementById("inspector-close").addEventListener("click", () => { panel.hidden = true; });
  document.addEventListener("stepbridge:events", (e) => {
    e.detail.forEach((event) => { if (!byId.has(event.id)) { events.push(event); byId.set(event.id, event); } });
    e.detail.forEach((event) => {
      const row = table.querySelector(`tr[data-event-id="${event.id}"]`);
      if (row) prepare(row);
    });
    filter();
    if (selected && !panel.hidden) show(selected);
  });
})();
