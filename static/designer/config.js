// Config mode: name, type (Standard/Express), role ARN, logging level, tracing, the machine's
// TimeoutSeconds (a definition field) and DefinitionSubstitutions (${Name} -> value, filled at save),
// as CreateStateMachine and AWS::StepFunctions::StateMachine name them.
import { h } from "./dom.js";

export class ConfigForm {
  constructor(form, { existing, onChange, onTimeout }) {
    this.form = form;
    this.existing = existing;
    this.onChange = onChange;
    this.rows = form.querySelector(".substitutions");
    form.addEventListener("input", (event) => {
      if (event.target.name === "timeout") return onTimeout(event.target);
      onChange();
    });
    form.addEventListener("submit", (event) => event.preventDefault());
    form.querySelector("[data-add-substitution]").addEventListener("click", () => { this.addRow("", ""); onChange(); });
    if (existing) {
      form.elements.name.readOnly = true;
      form.elements.type.disabled = true;
    }
  }

  set(config, definition) {
    const f = this.form.elements;
    f.name.value = config.name || "";
    f.type.value = config.type || "STANDARD";
    f.roleArn.value = config.roleArn || "";
    f.loggingLevel.value = config.loggingLevel || "OFF";
    f.includeExecutionData.checked = Boolean(config.includeExecutionData);
    f.tracingEnabled.checked = Boolean(config.tracingEnabled);
    this.rows.replaceChildren();
    for (const [key, value] of Object.entries(config.substitutions || {})) this.addRow(key, value);
    this.showTimeout(definition);
  }

  showTimeout(definition) {
    const input = this.form.elements.timeout;
    if (document.activeElement !== input) input.value = definition && definition.TimeoutSeconds !== undefined ? definition.TimeoutSeconds : "";
  }

  get() {
    const f = this.form.elements;
    const substitutions = {};
    this.rows.querySelectorAll(".substitution").forEach((row) => {
      const key = row.querySelector("[name=sub-key]").value.trim();
      if (key) substitutions[key] = row.querySelector("[name=sub-value]").value;
    });
    return {
      name: f.name.value.trim(),
      type: f.type.value,
      roleArn: f.roleArn.value.trim(),
      loggingLevel: f.loggingLevel.value,
      includeExecutionData: f.includeExecutionData.checked,
      tracingEnabled: f.tracingEnabled.checked,
      substitutions,
    };
  }

  addRow(key, value) {
    const n = this.rows.children.length + 1;
    const row = h("div", { class: "substitution" },
      h("label", {}, `Placeholder ${n}`, h("input", { name: "sub-key", value: key, class: "mono", placeholder: "Name (used as ${Name})" })),
      h("label", {}, `Value ${n}`, h("input", { name: "sub-value", value, class: "mono" })),
      h("button", { type: "button", class: "small", "aria-label": `Remove placeholder ${n}`, onclick: () => { row.remove(); this.onChange(); } }, "Remove"));
    this.rows.append(row);
  }

  /** Show a refusal beside the field it is about (name, type, role), keeping what was typed. */
  showError(error) {
    this.clearErrors();
    const field = { InvalidName: "name", InvalidArn: "roleArn", StateMachineAlreadyExists: "name" }[error.code]
      || (/type/i.test(error.message) ? "type" : /logging/i.test(error.message) ? "loggingLevel" : null);
    if (!field) return false;
    const input = this.form.elements[field];
    input.setAttribute("aria-invalid", "true");
    input.closest("label").after(h("p", { class: "field-error", role: "alert" }, `${error.code}: ${error.message}`));
    return true;
  }

  clearErrors() {
    this.form.querySelectorAll(".field-error").forEach((p) => p.remove());
    this.form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  }
}

/** ${Name} placeholders filled the way CloudFormation fills DefinitionSubstitutions. */
export function fill(text, substitutions) {
  return text.replace(/\$\{([A-Za-z0-9_.:-]+)\}/g, (whole, key) => (key in substitutions ? substitutions[key] : whole));
}
