// The Inspector: a form for the selected state with every field of its type (JSONPath and JSONata),
// Retry and Catch as editable lists, Choice rules as a rule builder (And/Or/Not), Map's
// ItemReader/ItemBatcher/ResultWriter/ProcessorConfig; the validator's diagnostics shown beside
// the field they name; a Definition tab with the state's JSON; a Test tab running TestState.
import { h, options } from "./dom.js";
import {
  FIELDS, TYPES, HAS_NEXT, HAS_RETRY, RETRY_FIELDS, CATCH_FIELDS, OPERATORS, operatorValue, queryLanguage,
} from "./fields.js";
import { find, rename } from "./model.js";

const END = "";

function fieldOf(location, name) {
  const marker = `/States/${name}/`;
  const at = String(location || "").lastIndexOf(marker);
  if (at < 0) return String(location || "").endsWith(`/States/${name}`) ? "" : null;
  return location.slice(at + marker.length).split(/[/[]/)[0];
}

export class Inspector {
  constructor(root, { apply, getDefinition, test, renamed }) {
    this.root = root;
    this.renamed = renamed;
    this.apply = apply;
    this.getDefinition = getDefinition;
    this.test = test;
    this.name = null;
    this.tab = "form";
  }

  show(name) {
    this.name = name;
    this.render();
  }

  /** A change from elsewhere redraws the form; the Inspector's own keeps focus and typing. */
  refresh(origin) {
    if (this.name && !find(this.getDefinition() || {}, this.name)) this.name = null;
    if (origin !== "inspector") this.render();
  }

  showDiagnostics(diagnostics) {
    this.diagnostics = diagnostics;
    this.root.querySelectorAll(".field-error.from-validator").forEach((p) => p.remove());
    this.root.querySelectorAll("[aria-invalid=true].from-validator").forEach((el) => {
      el.removeAttribute("aria-invalid");
      el.classList.remove("from-validator");
    });
    if (!this.name) return;
    for (const d of diagnostics) {
      const field = fieldOf(d.location, this.name);
      if (field === null) continue;
      const box = this.root.querySelector(`[data-field="${CSS.escape(field)}"]`) || this.root.querySelector(".inspector-general");
      if (!box) continue;
      const warning = d.severity === "WARNING" ? " is-warning" : "";
      box.append(h("p", { class: `field-error from-validator${warning}`, role: "alert" }, `${d.code}: ${d.message}`));
      const folded = box.closest("details");
      if (folded) folded.open = true;
      const input = box.querySelector("input, select, textarea");
      if (input) { input.setAttribute("aria-invalid", "true"); input.classList.add("from-validator"); }
    }
  }

  edit(mutate) {
    const name = this.name;
    this.apply((definition) => {
      const found = find(definition, name);
      if (found) mutate(found.state, found.machine, definition);
    }, "inspector");
  }

  render() {
    const definition = this.getDefinition();
    const found = this.name && definition ? find(definition, this.name) : null;
    if (!found) {
      this.root.replaceChildren(h("p", { class: "muted" }, "Select a state on the canvas (click it, or Tab to it and press Enter) to edit it here."));
      return;
    }
    const tabs = [["form", "Form"], ["definition", "Definition"], ["test", "Test"]];
    const bar = h("div", { class: "tabs", role: "tablist", "aria-label": "Inspector" }, tabs.map(([id, label]) =>
      h("button", { type: "button", role: "tab", "aria-selected": String(this.tab === id), class: "tab", onclick: () => { this.tab = id; this.render(); } }, label)));
    const body = this.tab === "definition" ? this.definitionTab(found)
      : this.tab === "test" ? this.testTab(found) : this.formTab(found, definition);
    this.root.replaceChildren(h("h2", {}, "Inspector"), bar, body);
    this.showDiagnostics(this.diagnostics || []);
  }

  formTab({ name, state, machine }, definition) {
    const ql = queryLanguage(definition, state);
    const siblings = Object.keys(machine.States).filter((n) => n !== name);
    const form = h("form", { class: "inspector-form stack", onsubmit: (e) => e.preventDefault() });
    const nameInput = h("input", { value: name, name: "state-name", autocomplete: "off" });
    const nameBox = h("div", { class: "field inspector-general", dataset: { field: "" } }, h("label", {}, "State name", nameInput));
    const commitName = () => {
      const wanted = nameInput.value.trim();
      nameBox.querySelector(".field-error:not(.from-validator)")?.remove();
      if (wanted === name) return;
      let ok = false;
      this.apply((def) => { ok = rename(def, name, wanted); if (!ok) throw new Error("refused"); }, "inspector-rename");
      if (ok) { this.name = wanted; this.renamed(wanted); this.render(); } else {
        nameBox.append(h("p", { class: "field-error", role: "alert" },
          wanted ? `A state named "${wanted}" already exists: state names are unique in the whole machine` : "A state needs a name"));
        nameInput.setAttribute("aria-invalid", "true");
      }
    };
    nameInput.addEventListener("change", commitName);
    nameInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); commitName(); } });
    const typeSelect = h("select", { name: "Type", onchange: (e) => this.edit((s) => { s.Type = e.target.value; }) },
      options(TYPES.map((t) => [t, t]), state.Type));
    form.append(nameBox,
      h("div", { class: "field", dataset: { field: "Type" } }, h("label", {}, "Type", typeSelect)),
      this.textField(state, { name: "Comment", kind: "text" }),
      h("div", { class: "field", dataset: { field: "QueryLanguage" } }, h("label", {}, "Query language",
        h("select", { name: "QueryLanguage", onchange: (e) => this.edit((s) => { if (e.target.value) s.QueryLanguage = e.target.value; else delete s.QueryLanguage; }) },
          options([["", `inherit (${(definition && definition.QueryLanguage) || "JSONPath"})`], ["JSONPath", "JSONPath"], ["JSONata", "JSONata"]], state.QueryLanguage || "")))));
    const more = h("details", { class: "more-fields" }, h("summary", {}, "Input, output and timeouts"));
    for (const field of FIELDS[state.Type] || []) {
      if (field.only && field.only !== ql) continue;
      if (!field.more) form.append(this.textField(state, field));
      else more.append(this.textField(state, field));
    }
    if (state.Type === "Map") form.append(this.processorConfig(state));
    if (state.Type === "Choice") form.append(this.choiceRules(state, siblings, ql));
    if (HAS_NEXT.has(state.Type)) {
      form.append(h("div", { class: "field", dataset: { field: "Next" } }, h("label", {}, "Next state",
        h("select", { name: "Next", onchange: (e) => this.edit((s) => {
          if (e.target.value === END) { delete s.Next; s.End = true; } else { delete s.End; s.Next = e.target.value; }
        }) }, options([[END, "(end of this workflow)"], ...siblings.map((n) => [n, n])], state.End ? END : state.Next || END)))));
    }
    if (HAS_RETRY.has(state.Type)) {
      form.append(this.list(state, "Retry", RETRY_FIELDS, siblings, ql, () => ({ ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 })));
      form.append(this.list(state, "Catch", CATCH_FIELDS, siblings, ql, () => ({ ErrorEquals: ["States.ALL"], Next: siblings[0] || name })));
    }
    if (more.children.length > 1) {
      more.open = [...more.querySelectorAll("input, textarea")].some((el) => el.value !== "");
      form.append(more);
    }
    return form;
  }

  /** One field bound to the state: text, number, JSONPath or JSON (kept as typed until it parses). */
  textField(state, field, target = state, key = field.name, where = null) {
    const value = target[key];
    const id = `f-${where || ""}${key}`;
    const shown = value === undefined ? "" : field.kind === "json" ? JSON.stringify(value, null, 2)
      : field.kind === "list" ? (value || []).join(", ") : String(value);
    const input = field.kind === "json"
      ? h("textarea", { id, name: key, rows: Math.min(8, Math.max(2, shown.split("\n").length)), class: "mono", value: shown, spellcheck: "false" })
      : field.kind === "select"
        ? h("select", { id, name: key }, options(field.options.map((o) => [o, o || "(none)"]), value || ""))
        : h("input", { id, name: key, value: shown, inputmode: field.kind === "number" ? "decimal" : undefined, autocomplete: "off", class: field.kind === "path" ? "mono" : undefined });
    const box = h("div", { class: "field", dataset: { field: where ? where.split(".")[0] : key } },
      h("label", { for: id }, key), input, field.help ? h("small", { class: "muted" }, field.help) : null);
    const own = () => box.querySelector(".field-error:not(.from-validator)");
    input.addEventListener(field.kind === "select" ? "change" : "input", () => {
      own()?.remove();
      input.removeAttribute("aria-invalid");
      const text = input.value;
      let parsed;
      if (text.trim() === "") parsed = undefined;
      else if (field.kind === "number") {
        parsed = Number(text);
        if (Number.isNaN(parsed)) return this.fieldError(box, input, `${key} must be a number`);
      } else if (field.kind === "json") {
        try { parsed = JSON.parse(text); } catch (error) { return this.fieldError(box, input, `Not JSON yet: ${error.message}`); }
      } else if (field.kind === "list") parsed = text.split(",").map((s) => s.trim()).filter(Boolean);
      else parsed = text;
      this.edit((s) => {
        const obj = where ? where.split(".").reduce((o, k) => o[k], s) : s;
        if (parsed === undefined) delete obj[key]; else obj[key] = parsed;
      });
    });
    return box;
  }

  fieldError(box, input, message) {
    input.setAttribute("aria-invalid", "true");
    box.append(h("p", { class: "field-error", role: "alert" }, message));
  }

  processorConfig(state) {
    const processor = state.ItemProcessor || state.Iterator || {};
    const config = processor.ProcessorConfig || {};
    const set = (key, value) => this.edit((s) => {
      const p = s.ItemProcessor || s.Iterator;
      p.ProcessorConfig = { ...(p.ProcessorConfig || {}), [key]: value };
      if (!value) delete p.ProcessorConfig[key];
    });
    return h("fieldset", { class: "field", dataset: { field: "ItemProcessor" } }, h("legend", {}, "ProcessorConfig"),
      h("label", {}, "Mode", h("select", { name: "Mode", onchange: (e) => set("Mode", e.target.value) },
        options([["INLINE", "INLINE"], ["DISTRIBUTED", "DISTRIBUTED"]], config.Mode || "INLINE"))),
      h("label", {}, "ExecutionType", h("select", { name: "ExecutionType", onchange: (e) => set("ExecutionType", e.target.value) },
        options([["", "(inline: none)"], ["STANDARD", "STANDARD"], ["EXPRESS", "EXPRESS"]], config.ExecutionType || ""))));
  }

  /** Retry or Catch: an ordered list of entries, each with its fields, add/remove/move. */
  list(state, key, fields, siblings, ql, blank) {
    const entries = Array.isArray(state[key]) ? state[key] : [];
    const box = h("fieldset", { class: "field list", dataset: { field: key } }, h("legend", {}, key));
    entries.forEach((entry, i) => {
      const item = h("div", { class: "list-item", role: "group", "aria-label": `${key} ${i + 1}` });
      for (const field of fields) {
        if (field.only && field.only !== ql) continue;
        item.append(this.textField(state, field, entry, field.name, `${key}.${i}`));
      }
      if (key === "Catch") {
        item.append(h("label", {}, "Next", h("select", { name: "Next", onchange: (e) => this.edit((s) => { s.Catch[i].Next = e.target.value; }) },
          options(siblings.map((n) => [n, n]), entry.Next))));
      }
      item.append(h("button", { type: "button", class: "small", "aria-label": `Remove ${key} ${i + 1}`,
        onclick: () => this.edit((s) => { s[key].splice(i, 1); if (!s[key].length) delete s[key]; }) }, "Remove"));
      box.append(item);
    });
    box.append(h("button", { type: "button", class: "small", onclick: () => { this.edit((s) => { s[key] = [...(s[key] || []), blank()]; }); this.render(); } },
      key === "Retry" ? "Add retrier" : "Add catcher"));
    return box;
  }

  /** Choice rules: each a condition (a comparison, or And/Or/Not of conditions) and a Next. */
  choiceRules(state, siblings, ql) {
    const box = h("fieldset", { class: "field rules", dataset: { field: "Choices" } }, h("legend", {}, "Choice rules"));
    (state.Choices || []).forEach((rule, i) => {
      const item = h("div", { class: "list-item", role: "group", "aria-label": `Rule ${i + 1}` }, h("strong", {}, `Rule ${i + 1}`));
      item.append(this.condition(rule, [i], ql, true));
      item.append(h("label", {}, "Then go to", h("select", { name: "Next", onchange: (e) => this.edit((s) => { s.Choices[i].Next = e.target.value; }) },
        options(siblings.map((n) => [n, n]), rule.Next))));
      item.append(h("button", { type: "button", class: "small", "aria-label": `Remove rule ${i + 1}`,
        onclick: () => { this.edit((s) => { s.Choices.splice(i, 1); }); this.render(); } }, "Remove rule"));
      box.append(item);
    });
    box.append(h("button", { type: "button", class: "small", onclick: () => {
      this.edit((s) => { s.Choices = [...(s.Choices || []), ql === "JSONata" ? { Condition: "{% true %}", Next: siblings[0] } : { Variable: "$.value", StringEquals: "", Next: siblings[0] }]; });
      this.render();
    } }, "Add rule"));
    box.append(h("div", { class: "field", dataset: { field: "Default" } }, h("label", {}, "Default (no rule matched)",
      h("select", { name: "Default", onchange: (e) => this.edit((s) => { if (e.target.value) s.Default = e.target.value; else delete s.Default; }) },
        options([["", "(none: fail with States.NoChoiceMatched)"], ...siblings.map((n) => [n, n])], state.Default || "")))));
    return box;
  }

  condition(rule, path, ql, top) {
    const at = (s) => path.slice(1).reduce((r, step) => (step === "Not" ? r.Not : r[step.key][step.i]), s.Choices[path[0]]);
    const label = path.length === 1 ? `rule ${path[0] + 1}` : `rule ${path[0] + 1} condition ${path.length}`;
    if (ql === "JSONata" && top) {
      return h("label", {}, "Condition (JSONata)", h("input", { class: "mono", name: "Condition", value: rule.Condition || "",
        oninput: (e) => this.edit((s) => { at(s).Condition = e.target.value; }) }));
    }
    const kind = rule.And ? "And" : rule.Or ? "Or" : rule.Not ? "Not" : "compare";
    const keep = (r) => (top ? { Next: r.Next } : {});
    const kindSelect = h("select", { name: "kind", "aria-label": `Kind of ${label}`, onchange: (e) => {
      this.edit((s) => {
        const r = at(s);
        const fresh = { Variable: "$.value", IsPresent: true };
        const next = e.target.value === "compare" ? fresh : e.target.value === "Not" ? { Not: fresh } : { [e.target.value]: [fresh, { ...fresh }] };
        const base = keep(r);
        for (const k of Object.keys(r)) delete r[k];
        Object.assign(r, next, base);
      });
      this.render();
    } }, options([["compare", "Comparison"], ["And", "And (all of)"], ["Or", "Or (any of)"], ["Not", "Not"]], kind));
    const box = h("div", { class: "condition" }, kindSelect);
    if (kind === "compare") {
      const op = OPERATORS.find((o) => o in rule) || "StringEquals";
      const value = rule[op];
      const set = (mutate) => this.edit((s) => mutate(at(s)));
      box.append(
        h("label", { class: "rule-part" }, "Variable", h("input", { class: "mono", name: "Variable", "aria-label": `Variable of ${label}`, value: rule.Variable || "",
          oninput: (e) => set((r) => { r.Variable = e.target.value; }) })),
        h("label", { class: "rule-part" }, "Operator", h("select", { name: "operator", "aria-label": `Operator of ${label}`, onchange: (e) => {
          const raw = box.querySelector("[name=value]").value;
          set((r) => { delete r[op]; r[e.target.value] = operatorValue(e.target.value, raw); });
          this.render();
        } }, options(OPERATORS.map((o) => [o, o]), op))),
        h("label", { class: "rule-part" }, "Value", h("input", { class: "mono", name: "value", "aria-label": `Value of ${label}`, value: value === undefined ? "" : String(value),
          oninput: (e) => set((r) => { r[op] = operatorValue(op, e.target.value); }) })));
    } else if (kind === "Not") {
      box.append(this.condition(rule.Not, [...path, "Not"], ql, false));
    } else {
      rule[kind].forEach((inner, i) => box.append(this.condition(inner, [...path, { key: kind, i }], ql, false)));
      box.append(h("button", { type: "button", class: "small", onclick: () => {
        this.edit((s) => { at(s)[kind].push({ Variable: "$.value", IsPresent: true }); });
        this.render();
      } }, `Add to ${kind}`));
    }
    return box;
  }

  definitionTab({ name, state }) {
    return h("div", { class: "stack" },
      h("pre", { class: "mono state-json", tabindex: "0", "aria-label": `${name} as JSON` }, JSON.stringify({ [name]: state }, null, 2)),
      h("button", { type: "button", onclick: () => this.test.reveal(name) }, "Show in Code"));
  }

  testTab({ name, state }) {
    const recent = this.test.recentInput();
    const form = h("form", { class: "stack test-state" },
      h("label", {}, "Input (JSON)", h("textarea", { name: "input", rows: 4, class: "mono", value: recent })),
      h("label", {}, "Task result", h("select", { name: "mock-kind" },
        options([["none", "Call the real resource"], ["result", "Mocked result"], ["error", "Mocked error"]], state.Type === "Task" ? "result" : "none"))),
      h("label", {}, "Mocked result (JSON) or error", h("input", { name: "mock", class: "mono", value: "{}" })),
      h("label", {}, "Inspection level", h("select", { name: "inspection-level" }, options([["DEBUG", "DEBUG"], ["INFO", "INFO"], ["TRACE", "TRACE"]], "DEBUG"))),
      h("button", { type: "submit" }, `Test ${name}`),
      h("pre", { class: "mono test-result", "aria-live": "polite" }));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const kind = data.get("mock-kind");
      const mock = kind === "result" ? { result: data.get("mock") } : kind === "error" ? { errorOutput: { error: data.get("mock") || "States.TaskFailed", cause: "mocked" } } : null;
      const out = form.querySelector(".test-result");
      out.textContent = "Running…";
      out.textContent = await this.test.run({ stateName: name, input: data.get("input"), mock, inspectionLevel: data.get("inspection-level") });
    });
    return form;
  }
}
