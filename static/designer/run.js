// Test as you build: start a whole execution of the saved machine with an input (the last inputs
// remembered in localStorage) and open its live view (/executions/<id>/) beside the design;
// TestState on one state of the design as it is now (saved or not).
import { post } from "./api.js";

const KEEP = 8;

export class Runner {
  constructor(panel, { urls, machine, beforeStart }) {
    this.panel = panel;
    this.urls = urls;
    this.machine = machine;
    this.beforeStart = beforeStart;
    this.form = panel.querySelector("form");
    this.recent = panel.querySelector("[name=recent]");
    this.output = panel.querySelector(".run-result");
    this.frame = panel.querySelector("iframe");
    this.link = panel.querySelector(".run-link");
    this.form.addEventListener("submit", (event) => { event.preventDefault(); this.start(); });
    this.recent.addEventListener("change", () => { if (this.recent.value) this.form.elements.input.value = this.recent.value; });
    this.fillRecent();
  }

  get key() {
    return `stepbridge.designer.inputs.${this.machine() || "new"}`;
  }

  inputs() {
    try { return JSON.parse(localStorage.getItem(this.key) || "[]"); } catch { return []; }
  }

  remember(input) {
    const kept = [input, ...this.inputs().filter((i) => i !== input)].slice(0, KEEP);
    localStorage.setItem(this.key, JSON.stringify(kept));
    this.fillRecent();
  }

  fillRecent() {
    const kept = this.inputs();
    this.recent.replaceChildren(new Option(kept.length ? "Recent inputs…" : "No recent inputs", ""),
      ...kept.map((i) => new Option(i.length > 60 ? `${i.slice(0, 59)}…` : i, i)));
    if (kept.length && !this.form.elements.input.value.trim()) this.form.elements.input.value = kept[0];
  }

  async start() {
    const input = this.form.elements.input.value.trim() || "{}";
    this.output.textContent = "Saving and starting…";
    this.output.className = "run-result";
    const saved = await this.beforeStart();
    if (!saved) { this.output.textContent = "Not started: the design could not be saved (see the message above)."; this.output.className = "run-result field-error"; return; }
    try {
      const answer = await post(this.urls.start, { machine: this.machine(), input });
      this.remember(input);
      if (answer.url) {
        this.output.textContent = `Started ${answer.executionArn.split(":").pop()}`;
        this.frame.src = answer.url;
        this.frame.hidden = false;
        this.link.href = answer.url;
        this.link.hidden = false;
      } else {
        this.output.textContent = `${answer.status}: ${answer.error ? `${answer.error}: ${answer.cause}` : answer.output}`;
      }
    } catch (error) {
      this.output.textContent = `${error.code}: ${error.message}`;
      this.output.className = "run-result field-error";
    }
  }
}

/** TestState on the design as it is: the answer (or AWS's error) as text for the Inspector. */
export async function testState(url, body) {
  try {
    return JSON.stringify(await post(url, body), null, 2);
  } catch (error) {
    return `${error.code}: ${error.message}`;
  }
}
