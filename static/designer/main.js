// The designer page: one definition text shared by Design, Code and Config. The text is the truth;
// Design edits rewrite it from the last valid definition, Code edits parse it. An unparsable text
// stays in Code with its error, and Design keeps the last valid graph under a banner saying why
// (Workflow Studio's modes: https://docs.aws.amazon.com/step-functions/latest/dg/workflow-studio.html).
import { post } from "./api.js";
import { Canvas } from "./canvas.js";
import { CodeEditor } from "./code.js";
import { ConfigForm, fill } from "./config.js";
import { h } from "./dom.js";
import { parse, write } from "./format.js";
import { patch } from "./patch.js";
import { Inspector } from "./inspector.js";
import { mountModes } from "./modes.js";
import * as model from "./model.js";
import { catalogue, mountPalette } from "./palette.js";
import { Runner, testState } from "./run.js";
import { download, readImport, template } from "./transfer.js";
import { History } from "./undo.js";
import { Versions } from "./versions.js";

const initial = JSON.parse(document.getElementById("designer-initial").textContent);
const $ = (selector) => document.querySelector(selector);

const S = {
  source: "",
  format: /^\s*[{[]/.test(initial.source) || !initial.source.trim() ? "json" : "yaml",
  definition: null,
  parseError: null,
  diagnostics: [],
  machine: initial.machine,
  selected: null,
  placing: null, // the palette item (or clipboard fragment) waiting for an edge
  clipboard: null,
  mode: "design",
};
const history = new History();
const status = $("#designer-status");
let sayTimer = null;
const say = (text) => {
  status.textContent = text;
  clearTimeout(sayTimer);
  sayTimer = setTimeout(() => { if (!S.placing) status.textContent = ""; }, 8000);
};

const canvas = new Canvas($("#canvas"), {
  onSelect: (name, { open } = {}) => select(name, open),
  onEdge: (edge, { paste } = {}) => placeOn(edge, paste),
  onDrop: (edge, id) => { const item = findItem(id); if (item) insert(edge, item.fragment, item.label); },
  onDelete: (name) => removeState(name),
  onCopy: (name, cut) => copy(name, cut),
  onEscape: () => stopPlacing("Cancelled."),
  onConnect: (from, to) => connectStates(from, to),
});

const code = new CodeEditor($("#code-editor"), {
  label: "Definition (Amazon States Language)",
  onChange: (text) => { typing(text); },
  getDefinition: () => S.definition,
  getDiagnostics: () => (S.parseError ? [{ severity: "ERROR", code: "SCHEMA_VALIDATION_FAILED", message: S.parseError.error, offset: S.parseError.offset }] : S.diagnostics),
});

const config = new ConfigForm($("#config-form"), {
  existing: Boolean(initial.machine),
  onChange: () => { document.body.dataset.dirty = "true"; validateSoon(); },
  onTimeout: (input) => {
    const value = input.value.trim();
    if (value !== "" && !/^\d+$/.test(value)) return;
    apply((d) => { if (value === "") delete d.TimeoutSeconds; else d.TimeoutSeconds = Number(value); }, "config");
  },
});

const inspector = new Inspector($("#inspector"), {
  apply: (mutate, origin) => apply(mutate, origin),
  getDefinition: () => S.definition,
  renamed: (name) => { S.selected = name; canvas.select(name); },
  test: {
    reveal: (name) => { showMode("code"); code.reveal(model.locationOf(S.definition, name)); },
    recentInput: () => runner.inputs()[0] || "{}",
    run: (body) => testState(initial.urls.testState, { ...body, source: S.source, config: config.get() }),
  },
});

const findItem = mountPalette($("#palette"), catalogue(initial), (item) => startPlacing(item));

const runner = new Runner($("#run-panel"), {
  urls: initial.urls,
  machine: () => S.machine || config.get().name,
  // Start runs the saved machine: save first only when the design has changed since.
  beforeStart: () => (S.machine && document.body.dataset.dirty === "false" ? Promise.resolve(true) : save(false)),
});

const showMode = mountModes($("#modes"), { design: $("#design-panel"), code: $("#code-panel"), config: $("#config-panel") }, (mode) => {
  S.mode = mode;
  if (mode === "code") {
    if (S.codeStale) { code.setText(S.source); S.codeStale = false; }
    code.view.requestMeasure();
  }
  if (mode === "design") { drawBanner(); if (!canvas.fitted || !canvas.layout) layoutNow(); }
});

// ---- the text, parsed, validated and laid out ---------------------------------------------------

let typingTimer = null;
let typedFrom = null;
function typing(text) {
  if (typedFrom === null) typedFrom = S.source;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { if (typedFrom !== text) history.push(typedFrom); typedFrom = null; }, 600);
  setSource(text, "code");
}

function setSource(text, origin) {
  S.source = text;
  const parsed = parse(text, S.format);
  if (parsed.error !== undefined) {
    S.parseError = { error: parsed.error, offset: parsed.offset };
  } else if (!parsed.value || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
    S.parseError = { error: "The definition must be an object with StartAt and States", offset: 0 };
  } else {
    S.parseError = null;
    S.definition = parsed.value;
  }
  // The editor follows the text when it is shown: a design edit does not wait on it.
  if (origin !== "code") { if (S.mode === "code") code.setText(text); else S.codeStale = true; }
  document.body.dataset.dirty = "true";
  drawBanner();
  if (!S.parseError) {
    layoutSoon(origin);
    if (origin !== "config") config.showTimeout(S.definition);
  }
  validateSoon();
  inspector.refresh(origin);
  code.refreshDiagnostics();
}

/** A design edit: mutate a copy of the last valid definition, remember the text for Undo. */
function apply(mutate, origin = "design") {
  if (S.parseError) {
    say("The code has an error: fix it in Code (or Undo) before changing the design.");
    drawBanner(true);
    return false;
  }
  const next = model.clone(S.definition);
  try {
    mutate(next);
  } catch {
    return false;
  }
  history.push(S.source);
  setSource(patch(S.source, S.definition, next, S.format) ?? write(next, S.format), origin);
  if (origin === "design") {
    canvas.provisional(S.definition, model.walk, S.hint);
    document.body.dataset.reflectSeq = String(Number(document.body.dataset.reflectSeq || 0) + 1);
  }
  S.hint = null;
  return true;
}

let layoutSeq = 0;
let layoutTimer = null;
function layoutSoon(origin) {
  clearTimeout(layoutTimer);
  // Design edits redraw at once; typing waits for a pause.
  layoutTimer = setTimeout(layoutNow, origin === "code" ? 250 : 0);
}

async function layoutNow() {
  if (!S.definition) return;
  const mine = ++layoutSeq;
  const started = performance.now();
  try {
    const layout = await post(initial.urls.layout, JSON.stringify(S.definition));
    if (mine !== layoutSeq) return;
    canvas.draw(layout, { errors: errorsByState(), warnings: warningsByState() });
    canvas.select(S.selected);
    if (S.placing) canvas.setPlacing(true);
    document.body.dataset.layoutMs = String(Math.round(performance.now() - started));
    document.body.dataset.layoutSeq = String(mine);
  } catch (error) {
    say(`Layout failed: ${error.message}`);
  }
}

let validateSeq = 0;
let validateTimer = null;
function validateSoon() {
  clearTimeout(validateTimer);
  validateTimer = setTimeout(validateNow, 200);
}

async function validateNow() {
  if (S.parseError) { S.diagnostics = []; showDiagnostics(); return; }
  const mine = ++validateSeq;
  const body = fill(S.format === "json" ? S.source : JSON.stringify(S.definition), config.get().substitutions);
  const answer = await post(initial.urls.validate, body).catch((error) => ({ result: "FAIL", diagnostics: [{ severity: "ERROR", code: error.code, message: error.message }] }));
  if (mine !== validateSeq) return;
  S.diagnostics = answer.diagnostics;
  showDiagnostics();
}

// The first diagnostic of each state, by severity: an ERROR marks its node has-error, a WARNING
// (such as a Task resource the workbench cannot perform) has-warning.
function problemsByState(severity) {
  const found = new Map();
  for (const d of S.diagnostics) {
    const name = model.stateOfLocation(d.location);
    if (name && (d.severity || "ERROR") === severity && !found.has(name)) found.set(name, `${d.code}: ${d.message}`);
  }
  return found;
}
const errorsByState = () => problemsByState("ERROR");
const warningsByState = () => problemsByState("WARNING");

function showDiagnostics() {
  const lists = document.querySelectorAll("ul.diagnostics");
  const all = S.parseError ? [{ severity: "ERROR", code: "SCHEMA_VALIDATION_FAILED", message: S.parseError.error }] : S.diagnostics;
  const result = all.some((d) => d.severity === "ERROR") ? "FAIL" : "OK";
  for (const list of lists) {
    list.dataset.result = result;
    list.replaceChildren(...(all.length ? all.map((d) => {
      const state = model.stateOfLocation(d.location);
      const text = `${d.severity} ${d.code}: ${d.message}${d.location ? ` at ${d.location}` : ""}`;
      return h("li", { class: `diagnostic diagnostic-${d.severity}` }, state
        ? h("button", { type: "button", class: "link", onclick: () => { showMode("design"); select(state, true); } }, text) : text);
    }) : [h("li", { class: "diagnostic diagnostic-OK" }, "Definition is valid.")]));
  }
  code.refreshDiagnostics();
  inspector.showDiagnostics(S.diagnostics);
  const errors = errorsByState();
  const warnings = warningsByState();
  document.querySelectorAll("#canvas .state-node").forEach((node) => {
    node.classList.toggle("has-error", errors.has(node.dataset.state));
    node.classList.toggle("has-warning", !errors.has(node.dataset.state) && warnings.has(node.dataset.state));
  });
}

function drawBanner(shake = false) {
  const banner = $("#design-banner");
  if (!S.parseError) { banner.hidden = true; return; }
  banner.hidden = false;
  banner.replaceChildren(
    h("strong", {}, `The code is not valid ${S.format.toUpperCase()}: `), S.parseError.error,
    ". The design shows the last valid graph; your text is kept in ",
    h("button", { type: "button", class: "link", onclick: () => showMode("code") }, "Code"), ".");
  if (shake) banner.focus();
}

// ---- canvas actions -------------------------------------------------------------------------

function select(name, open = false) {
  S.selected = name;
  canvas.select(name);
  inspector.show(name);
  if (open) $("#inspector").querySelector("input, select, textarea")?.focus();
}

function startPlacing(item) {
  if (S.parseError) { drawBanner(true); say("Fix the code before adding states."); return; }
  S.placing = item;
  showMode("design");
  canvas.setPlacing(true);
  say(`Choose where to add ${item.label}: Tab or arrow to a + on an edge and press Enter. Escape cancels.`);
}

function stopPlacing(message) {
  S.placing = null;
  canvas.setPlacing(false);
  if (message) say(message);
}

function placeOn(edge, paste) {
  const item = paste && S.clipboard ? S.clipboard : S.placing || { label: "Pass", fragment: findItem("Flow:Pass").fragment };
  insert(edge, item.fragment, item.label);
}

function insert(edge, fragment, label) {
  let added = null;
  S.hint = canvas.insertPoint(edge);
  if (!apply((definition) => { added = model.insertOnEdge(definition, edge, fragment); })) return;
  stopPlacing(`Added ${label} as "${added}".`);
  select(added);
  canvas.node(added)?.focus(); // drawn at once where it was dropped; redraws keep the focus
}

/** Point a state's Next (a Choice's Default) at another state of the same (sub)machine. */
function connectStates(from, to) {
  const a = model.find(S.definition, from);
  const b = model.find(S.definition, to);
  if (!a || !b || a.scope !== b.scope) return say(`${from} and ${to} are not in the same branch: they cannot be connected.`);
  if (["Succeed", "Fail"].includes(a.state.Type)) return say(`A ${a.state.Type} state ends the workflow: it has no Next.`);
  const kind = a.state.Type === "Choice" ? "default" : "next";
  if (apply((definition) => model.connect(definition, from, kind, 0, to))) say(`${from} now goes to ${to}${kind === "default" ? " by default" : ""}.`);
}

function removeState(name) {
  if (apply((definition) => model.remove(definition, name))) {
    say(`Deleted ${name}.`);
    if (S.selected === name) select(null);
  }
}

function copy(name, cut) {
  const fragment = model.asFragment(S.definition, name);
  if (!fragment) return;
  S.clipboard = { label: name, fragment };
  if (cut) removeState(name);
  S.placing = S.clipboard;
  canvas.setPlacing(true);
  say(`${cut ? "Cut" : "Copied"} ${name}: choose a + on an edge (inside a branch to move it there) and press Enter.`);
}

// ---- undo, save, drafts, import/export ----------------------------------------------------------

function undoRedo(redo) {
  const text = redo ? history.redo(S.source) : history.undo(S.source);
  if (text === null) return say(redo ? "Nothing to redo." : "Nothing to undo.");
  setSource(text, "undo");
  say(redo ? "Redone." : "Undone.");
}

async function save(asDraft) {
  config.clearErrors();
  const body = { source: S.source, config: config.get(), machine: S.machine, draft: asDraft };
  const result = $("#save-result");
  try {
    const answer = await post(initial.urls.save, body);
    if (answer.draft) {
      result.textContent = `Draft of ${answer.name} saved (${answer.diagnostics.length} problem(s)); the machine is unchanged.`;
      result.className = "save-result ok";
      return false;
    }
    S.machine = answer.name;
    document.body.dataset.dirty = "false";
    document.body.dataset.saved = answer.name;
    result.textContent = `Saved ${answer.name} (revision ${answer.revision}).`;
    result.className = "save-result ok";
    if (!initial.machine) window.history.replaceState(null, "", answer.url);
    return true;
  } catch (error) {
    if (error.body && error.body.diagnostics && error.body.diagnostics.length) {
      S.diagnostics = error.body.diagnostics;
      showDiagnostics();
    }
    const placed = config.showError(error);
    result.replaceChildren(`${error.code}: ${error.message}. Nothing was published.`,
      error.code === "InvalidDefinition" ? h("button", { type: "button", class: "small", onclick: () => save(true) }, "Save as draft") : "",
      placed ? h("button", { type: "button", class: "link", onclick: () => showMode("config") }, "See Config") : "");
    result.className = "save-result field-error";
    return false;
  }
}

async function importText(text) {
  const out = $("#import-result");
  out.className = "";
  const read = readImport(text);
  if (read.error) { out.textContent = read.error; out.className = "field-error"; return; }
  if (read.kind === "asl") {
    history.push(S.source);
    S.format = read.format;
    code.setFormat(S.format);
    $("#format").value = S.format;
    setSource(read.format === "yaml" ? text.trim() + "\n" : text.trim() + "\n", "import");
    out.textContent = `Imported the definition (${read.format.toUpperCase()}).`;
  } else {
    try {
      const { machines } = await post(initial.urls.import, { template: read.value });
      const machine = machines[0];
      history.push(S.source);
      S.format = /^\s*[{[]/.test(machine.source) ? "json" : "yaml";
      code.setFormat(S.format);
      $("#format").value = S.format;
      const current = config.get();
      config.set({ ...current, name: initial.machine ? current.name : machine.name, type: initial.machine ? current.type : machine.type,
                   roleArn: machine.roleArn.startsWith("arn:") ? machine.roleArn : current.roleArn, substitutions: machine.substitutions }, null);
      setSource(machine.source, "import");
      out.textContent = `Imported ${machine.logicalId}${machines.length > 1 ? ` (first of ${machines.length} state machines)` : ""}` +
        `${Object.keys(machine.substitutions).length ? `, with ${Object.keys(machine.substitutions).length} DefinitionSubstitutions (see Config)` : ""}.`;
    } catch (error) {
      out.textContent = `${error.code}: ${error.message}`;
      out.className = "field-error";
    }
  }
  showMode("design");
}

$("#undo").addEventListener("click", () => undoRedo(false));
$("#redo").addEventListener("click", () => undoRedo(true));
$("#save").addEventListener("click", () => save(false));
$("#save-draft").addEventListener("click", () => save(true));
$("#zoom-in").addEventListener("click", () => canvas.zoom(1.2));
$("#zoom-out").addEventListener("click", () => canvas.zoom(1 / 1.2));
$("#zoom-fit").addEventListener("click", () => canvas.fit());
$("#format").addEventListener("change", (event) => {
  if (S.parseError) { event.target.value = S.format; return say("Fix the code before changing its format."); }
  history.push(S.source);
  S.format = event.target.value;
  code.setFormat(S.format);
  setSource(write(S.definition, S.format), "format");
});
$("#import-form").addEventListener("submit", (event) => { event.preventDefault(); importText($("#import-text").value); });
$("#import-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (file) { $("#import-text").value = await file.text(); importText($("#import-text").value); }
});
$("#export-json").addEventListener("click", () => download(`${config.get().name || "definition"}.asl.json`, write(S.definition, "json")));
$("#export-yaml").addEventListener("click", () => download(`${config.get().name || "definition"}.asl.yaml`, write(S.definition, "yaml"), "application/yaml"));
$("#export-template").addEventListener("click", () => download(`${config.get().name || "state-machine"}.template.yaml`, write(template(S.definition, config.get()), "yaml"), "application/yaml"));
const versions = new Versions($("#versions"), {
  url: () => (S.machine ? `${initial.urls.machines}${encodeURIComponent(S.machine)}/design/revisions` : null),
  current: () => S.source,
  open: (item) => {
    history.push(S.source);
    if (item.config) config.set({ ...item.config, name: S.machine }, null);
    setSource(item.source, "rollback");
    say(`${item.version ? `Version ${item.version}` : `Revision ${item.revision}`} opened: Save to roll the machine back to it.`);
  },
});

// Publish a version of the machine: the design is saved first when it changed, and an invalid
// definition cannot be saved (only drafted), so it never becomes a version.
async function publish() {
  const saved = S.machine && document.body.dataset.dirty === "false" ? true : await save(false);
  const result = $("#save-result");
  if (!saved) {
    if (!result.textContent) result.textContent = "Save the design before publishing it.";
    return;
  }
  try {
    const answer = await post(initial.urls.publish, { machine: S.machine, description: $("#version-description").value });
    result.textContent = `Published version ${answer.version} of ${S.machine} (${answer.arn}).`;
    result.className = "save-result ok";
    if ($("#versions").open) versions.load();
  } catch (error) {
    result.textContent = `${error.code}: ${error.message}`;
    result.className = "save-result field-error";
  }
}
$("#publish").addEventListener("click", publish);
if (initial.draft) {
  const note = $("#draft-note");
  note.hidden = false;
  note.append(h("button", { type: "button", class: "small", onclick: () => {
    history.push(S.source);
    config.set(initial.draft.config, null);
    setSource(initial.draft.source, "draft");
    note.hidden = true;
  } }, "Open the draft"));
}
document.addEventListener("keydown", (event) => {
  const mod = event.ctrlKey || event.metaKey;
  if (!mod || event.key.toLowerCase() !== "z") return;
  if (event.target.closest(".cm-editor, input, textarea")) return; // their own undo
  event.preventDefault();
  undoRedo(event.shiftKey);
});

// ---- start ------------------------------------------------------------------------------------
code.setFormat(S.format);
$("#format").value = S.format;
config.set(initial.config, null);
setSource(initial.source, "load");
document.body.dataset.dirty = "false";
showMode("design");
window.stepbridgeDesigner = { state: S, apply, select, setSource, canvas, code, model }; // for tests and the benchmark
document.body.dataset.ready = "true";
