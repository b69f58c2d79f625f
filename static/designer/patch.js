// A design edit written back into the user's text, keeping its formatting where the design did
// not change that part (Workflow Studio users ask for this: switching modes reformats everything).
// YAML: the `yaml` library's Document keeps comments and layout of untouched nodes. JSON: the
// changed states' values are replaced in place (found with the vendored Lezer JSON parser);
// an edit that adds, removes or renames states, or touches other top-level fields, is written whole.
import { parser } from "@lezer/json";
import { YAML } from "./format.js";

export function equal(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
}

function properties(object, text) {
  const out = new Map();
  for (let child = object.firstChild; child; child = child.nextSibling) {
    if (child.name !== "Property") continue;
    const key = child.getChild("PropertyName");
    if (!key || !child.lastChild) continue;
    try {
      out.set(JSON.parse(text.slice(key.from, key.to)), { property: child, value: child.lastChild });
    } catch {
      return null;
    }
  }
  return out;
}

function patchJson(text, before, after) {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) if (key !== "States" && !equal(before[key], after[key])) return null;
  const was = before.States || {};
  const now = after.States || {};
  const names = Object.keys(now);
  if (names.length !== Object.keys(was).length || names.some((name) => !Object.hasOwn(was, name))) return null;
  const top = parser.parse(text).topNode.getChild("Object");
  const states = top && properties(top, text)?.get("States");
  if (!states || states.value.name !== "Object") return null;
  const spans = properties(states.value, text);
  if (!spans) return null;
  const edits = [];
  for (const name of names) {
    if (equal(was[name], now[name])) continue;
    const span = spans.get(name);
    if (!span) return null;
    const lineStart = text.lastIndexOf("\n", span.property.from) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart, span.property.from))[0];
    edits.push([span.value.from, span.value.to, JSON.stringify(now[name], null, 2).replace(/\n/g, `\n${indent}`)]);
  }
  edits.sort((a, b) => b[0] - a[0]);
  let out = text;
  for (const [from, to, insert] of edits) out = out.slice(0, from) + insert + out.slice(to);
  return out;
}

function patchYaml(text, before, after) {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) return null;
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === "States" || equal(before[key], after[key])) continue;
    if (Object.hasOwn(after, key)) doc.set(key, after[key]);
    else doc.delete(key);
  }
  const was = before.States || {};
  const now = after.States || {};
  for (const name of Object.keys(was)) if (!Object.hasOwn(now, name)) doc.deleteIn(["States", name]);
  for (const [name, state] of Object.entries(now)) {
    if (!equal(was[name], state)) doc.setIn(["States", name], state);
  }
  return String(doc);
}

/** The user's text with the edit applied, or null when it must be written whole. */
export function patch(text, before, after, format) {
  let out = null;
  try {
    out = format === "yaml" ? patchYaml(text, before, after) : patchJson(text, before, after);
    const check = out === null ? null : format === "yaml" ? YAML.parse(out) : JSON.parse(out);
    return out !== null && equal(check, after) ? out : null;
  } catch {
    return null;
  }
}
