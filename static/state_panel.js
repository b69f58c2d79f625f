// State panel: click a state of the graph, run it once (TestState) and see each data-flow stage.
(function () {
  "use strict";
  const panel = document.getElementById("state-panel");
  const graph = document.getElementById("graph");
  if (!panel || !graph) return;
  const csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  const form = document.getElementById("state-panel-form");
  const title = document.getElementById("state-panel-name");
  const out = document.getElementById("state-panel-result");
  const mockKind = form.elements["mock-kind"];
  // The stages in the order the data flows through a state (API_InspectionData).
  const STAGES = [
    ["input", "Input"],
    ["afterInputPath", "After InputPath"],
    ["afterItemsPath", "After ItemsPath"],
    ["afterItemsPointer", "After ItemsPointer"],
    ["afterItemSelector", "After ItemSelector (one per item)"],
    ["afterItemBatcher", "After ItemBatcher (one per batch)"],
    ["afterParameters", "After Parameters"],
    ["afterArguments", "After Arguments"],
    ["result", "Result"],
    ["afterResultSelector", "After ResultSelector"],
    ["afterResultPath", "After ResultPath"],
    ["variables", "Variables"],
  ];
  let stateName = null;

  function showMockFields() {
    panel.querySelectorAll(".mock-result").forEach((el) => { el.hidden = mockKind.value !== "result"; });
    panel.querySelectorAll(".mock-error").forEach((el) => { el.hidden = mockKind.value !== "error"; });
  }

  function open(node) {
    stateName = node.dataset.state;
    title.textContent = stateName;
    panel.dataset.state = stateName;
    graph.querySelectorAll("g.state-node.selected").forEach((n) => n.classList.remove("selected"));
    node.classList.add("selected");
    out.replaceChildren();
    panel.hidden = false;
    panel.scrollIntoView({block: "nearest"});
  }

  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return String(text); }
  }

  function block(label, text, cls) {
    const wrap = document.createElement("div");
    wrap.className = cls;
    const head = document.createElement("strong");
    head.textContent = label;
    const pre = document.createElement("pre");
    pre.className = "mono";
    pre.textContent = text;
    wrap.append(head, pre);
    return wrap;
  }

  function render(data, ok) {
    out.replaceChildren();
    if (!ok) {
      out.append(block(data.__type || "Error", data.message || JSON.stringify(data), "state-panel-refused"));
      out.dataset.status = "REFUSED";
      return;
    }
    out.dataset.status = data.status;
    const status = document.createElement("p");
    status.id = "state-panel-status";
    status.className = "status status-" + data.status;
    status.textContent = data.status + (data.nextState ? " → next state: " + data.nextState : "");
    out.append(status);
    if (data.error !== undefined) out.append(block("Error", data.error + ": " + (data.cause || ""), "stage-error"));
    if (data.output !== undefined) out.append(block("Output", pretty(data.output), "stage-output"));
    const inspection = data.inspectionData;
    if (!inspection) return;
    const table = document.createElement("table");
    table.className = "grid stages";
    const body = document.createElement("tbody");
    STAGES.forEach(([key, label]) => {
      if (inspection[key] === undefined) return;
      const row = document.createElement("tr");
      row.dataset.stage = key;
      const th = document.createElement("th");
      th.textContent = label;
      const td = document.createElement("td");
      const pre = document.createElement("pre");
      pre.className = "mono";
      pre.textContent = pretty(inspection[key]);
      td.append(pre);
      row.append(th, td);
      body.append(row);
    });
    Object.entries(inspection).forEach(([key, value]) => {
      if (STAGES.some(([known]) => known === key)) return;
      const row = document.createElement("tr");
      row.dataset.stage = key;
      const th = document.createElement("th");
      th.textContent = key;
      const td = document.createElement("td");
      td.textContent = typeof value === "string" ? value : JSON.stringify(value);
      row.append(th, td);
      body.append(row);
    });
    table.append(body);
    out.append(table);
  }

  async function run(event) {
    event.preventDefault();
    const request = {
      stateName: stateName,
      input: form.elements["input"].value,
      inspectionLevel: form.elements["inspection-level"].value,
    };
    const variables = form.elements["variables"].value.trim();
    if (variables) request.variables = variables;
    if (mockKind.value === "result") {
      request.mock = {result: form.elements["mock-result"].value, fieldValidationMode: form.elements["mock-validation"].value};
    }
    if (mockKind.value === "error") {
      request.mock = {errorOutput: {error: form.elements["mock-error"].value, cause: form.elements["mock-cause"].value}};
    }
    out.dataset.status = "RUNNING";
    const response = await fetch(panel.dataset.url, {
      method: "POST", body: JSON.stringify(request),
      headers: {"X-CSRFToken": csrf, "Content-Type": "application/json"},
    });
    render(await response.json(), response.ok);
  }

  graph.querySelectorAll("g.state-node").forEach((node) => {
    node.style.cursor = "pointer";
    node.setAttribute("tabindex", "0");
    node.setAttribute("role", "button");
    node.setAttribute("aria-label", `State ${node.dataset.state}: test it`);
    node.addEventListener("click", () => open(node));
    node.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(node); }
    });
  });
  mockKind.addEventListener("change", showMockFields);
  form.addEventListener("submit", run);
  document.getElementById("state-panel-close").addEventListener("click", () => { panel.hidden = true; });
  showMockFields();
})();
