// Pattern sandbox: re-checks the pattern against the sample event as the user types, and
// previews what a target receives. The server does all the judging (the same validator as
// PutRule, the engine's explain and target rendering); this file only sends text and shows
// the answers. Stale answers are dropped, so a slow reply never overwrites a newer one.
(function () {
  "use strict";
  const root = document.getElementById("sandbox");
  if (!root) return;
  const byId = (id) => document.getElementById(id);
  const samples = JSON.parse(byId("sandbox-samples").textContent);
  const rules = JSON.parse(byId("sandbox-rules").textContent);
  const csrf = root.querySelector("[name=csrfmiddlewaretoken]").value;
  const eventText = byId("event-text");
  const patternText = byId("pattern-text");
  const sampleSelect = byId("sample-select");
  const ruleSelect = byId("rule-select");
  const form = byId("target-form");
  const state = { bus: root.dataset.bus, rule: root.dataset.rule || "" };
  const DELAY_MS = 250;

  function debounce(fn) {
    let timer = null;
    return () => {
      clearTimeout(timer);
      timer = setTimeout(fn, DELAY_MS);
    };
  }

  // Each caller gets a sequence: only the answer to its latest request is shown.
  function latestOnly(fn) {
    let sequence = 0;
    return async () => {
      const mine = ++sequence;
      const answer = await fn();
      return mine === sequence ? answer : null;
    };
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
    });
    return response.json();
  }

  function show(element, text) {
    element.textContent = text || "";
    element.hidden = !text;
  }

  // --- pattern verdict ------------------------------------------------------------------

  function actualText(miss) {
    const text = JSON.stringify(miss.actual);
    if (miss.present) return text;
    return miss.actual === null ? "absent" : `absent as a value (holds ${text})`;
  }

  function cell(text, className) {
    const td = document.createElement("td");
    td.className = className;
    td.textContent = text;
    return td;
  }

  function showMisses(misses) {
    const body = byId("misses").querySelector("tbody");
    body.replaceChildren();
    for (const miss of misses) {
      const row = document.createElement("tr");
      row.dataset.path = miss.path;
      const field = cell(miss.path, "mono");
      if (miss.alternative !== null) {
        const alt = document.createElement("span");
        alt.className = "alt";
        alt.textContent = ` $or #${miss.alternative}`;
        field.appendChild(alt);
      }
      row.append(field, cell(miss.expected, "mono"), cell(actualText(miss), "mono actual"));
      body.appendChild(row);
    }
  }

  function showVerdict(result) {
    const verdict = byId("verdict");
    let kind = "no-match";
    let label = "NO MATCH";
    if (!result.valid) [kind, label] = ["invalid", "INVALID PATTERN"];
    else if (result.event_error) [kind, label] = ["bad-event", "INVALID EVENT"];
    else if (result.matches) [kind, label] = ["match", "MATCH"];
    verdict.dataset.verdict = kind;
    verdict.textContent = label;
    show(byId("pattern-error"), result.valid ? "" : `${result.error_code}: ${result.error}`);
    show(byId("event-error"), result.event_error);
    showMisses(result.valid && !result.event_error ? result.misses : []);
  }

  const askVerdict = latestOnly(() =>
    postJson(root.dataset.evaluateUrl, { pattern: patternText.value, event: eventText.value })
  );

  async function evaluate() {
    const result = await askVerdict();
    if (result) showVerdict(result);
  }

  // --- target input preview and save ----------------------------------------------------

  function named(name) {
    return form.elements.namedItem(name);
  }

  function kind() {
    return form.querySelector("input[name=kind]:checked").value;
  }

  function showKindFields() {
    form.querySelectorAll("[data-kind]").forEach((field) => {
      field.hidden = field.dataset.kind !== kind();
    });
  }

  function fields() {
    const value = (name) => named(name).value;
    return {
      id: value("id"),
      arn: value("arn"),
      kind: kind(),
      input: value("input"),
      input_path: value("input_path"),
      input_paths_map: value("input_paths_map"),
      input_template: value("input_template"),
      http_parameters: value("http_parameters"),
    };
  }

  function storedEventId() {
    const chosen = sampleSelect.value;
    return chosen.startsWith("event:") ? chosen.slice("event:".length) : "";
  }

  const askPreview = latestOnly(() =>
    postJson(root.dataset.previewUrl, {
      ...fields(),
      event: eventText.value,
      bus: state.bus,
      rule: state.rule,
      received_event: storedEventId(),
    })
  );

  async function preview() {
    const result = await askPreview();
    if (!result) return;
    const failure = result.ok ? "" : `${result.error.code}: ${result.error.message}`;
    show(byId("target-error"), failure);
    byId("target-preview").textContent = result.ok ? result.received : "";
    byId("target-preview").dataset.ok = result.ok ? "true" : "false";
  }

  function loadTarget(entry) {
    named("id").value = entry.Id;
    named("arn").value = entry.Arn;
    named("http_parameters").value = entry.HttpParameters ? JSON.stringify(entry.HttpParameters, null, 2) : "";
    let chosen = "whole";
    if (entry.Input !== undefined) {
      chosen = "Input";
      named("input").value = entry.Input;
    } else if (entry.InputPath !== undefined) {
      chosen = "InputPath";
      named("input_path").value = entry.InputPath;
    } else if (entry.InputTransformer !== undefined) {
      chosen = "InputTransformer";
      const paths = entry.InputTransformer.InputPathsMap;
      named("input_paths_map").value = paths ? JSON.stringify(paths, null, 2) : "";
      named("input_template").value = entry.InputTransformer.InputTemplate;
    }
    form.querySelector(`input[name=kind][value=${chosen}]`).checked = true;
    showKindFields();
    preview();
  }

  function showTargets() {
    const list = byId("rule-targets");
    list.replaceChildren();
    const targets = state.rule && rules[state.rule] ? rules[state.rule].targets : [];
    if (!state.rule) return;
    const intro = document.createElement("span");
    intro.textContent = targets.length ? `Targets of ${state.rule} (${targets.length}/5): ` : `${state.rule} has no targets yet.`;
    list.appendChild(intro);
    for (const entry of targets) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "target-chip";
      button.dataset.targetId = entry.Id;
      button.textContent = `${entry.Id} → ${entry.Arn}`;
      button.addEventListener("click", () => loadTarget(entry));
      list.appendChild(button);
    }
  }

  async function save(submitted) {
    submitted.preventDefault();
    const status = byId("save-result");
    status.className = "";
    if (!state.rule) {
      status.className = "error";
      status.textContent = "Pick a rule first: a target belongs to a rule.";
      return;
    }
    const url = root.dataset.targetsUrl
      .replace("__bus__", encodeURIComponent(state.bus))
      .replace("__rule__", encodeURIComponent(state.rule));
    const result = await postJson(url, fields());
    if (result.ok) {
      rules[state.rule].targets = result.targets;
      status.textContent = `Saved target ${result.target.Id} on rule ${state.rule}.`;
      showTargets();
    } else {
      status.className = "error";
      status.textContent = `${result.error.code}: ${result.error.message}`;
    }
  }

  // --- choosing rule and sample ---------------------------------------------------------

  function rememberInUrl() {
    const query = new URLSearchParams({ bus: state.bus });
    if (state.rule) query.set("rule", state.rule);
    const id = storedEventId();
    if (id) query.set("event", id);
    else if (sampleSelect.value) query.set("sample", sampleSelect.value.slice("sample:".length));
    history.replaceState(null, "", `${location.pathname}?${query}${location.hash}`);
  }

  ruleSelect.addEventListener("change", () => {
    state.rule = ruleSelect.value;
    root.dataset.rule = state.rule;
    byId("editor-rule").textContent = state.rule || "(pick a rule to save)";
    if (state.rule) patternText.value = rules[state.rule].pattern;
    rememberInUrl();
    showTargets();
    evaluate();
    preview();
  });

  sampleSelect.addEventListener("change", () => {
    const event = samples[sampleSelect.value];
    if (event) eventText.value = JSON.stringify(event, null, 2);
    rememberInUrl();
    evaluate();
    preview();
  });

  byId("bus-select").addEventListener("change", () => {
    ruleSelect.value = "";
    byId("sandbox-scope").submit();
  });

  const evaluateSoon = debounce(evaluate);
  const previewSoon = debounce(preview);
  patternText.addEventListener("input", evaluateSoon);
  eventText.addEventListener("input", () => {
    evaluateSoon();
    previewSoon();
  });
  form.addEventListener("input", previewSoon);
  form.querySelectorAll("input[name=kind]").forEach((radio) =>
    radio.addEventListener("change", () => {
      showKindFields();
      preview();
    })
  );
  form.addEventListener("submit", save);

  showKindFields();
  showTargets();
  // Opened for one of the rule's targets (the rule page's "Edit input"): start from it.
  const chosen = new URLSearchParams(location.search).get("target");
  const targets = state.rule && rules[state.rule] ? rules[state.rule].targets : [];
  const opened = targets.find((entry) => entry.Id === chosen);
  if (opened) loadTarget(opened);
  else preview();
})();
