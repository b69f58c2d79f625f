// Code mode: CodeMirror 6 (vendored, static/vendor/codemirror) over the definition's text, JSON or
// YAML, with highlighting, bracket matching, folding, Tab indenting, completion of state names
// (Next/Default/StartAt) and of field names per state type, and the validator's diagnostics
// underlined at their location (ValidateStateMachineDefinition's /States/A/Choices[0]/Next).
import { EditorState, Compartment } from "@codemirror/state";
import {
  EditorView, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter, drawSelection,
} from "@codemirror/view";
import {
  syntaxHighlighting, defaultHighlightStyle, bracketMatching, foldGutter, foldKeymap, indentOnInput,
} from "@codemirror/language";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { searchKeymap } from "@codemirror/search";
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap } from "@codemirror/autocomplete";
import { linter, lintGutter, forceLinting } from "@codemirror/lint";
import { json } from "@codemirror/lang-json";
import { yaml } from "@codemirror/lang-yaml";
import { fieldNames, TYPES } from "./fields.js";

const QUOTE = /["']/;

/** The text range a validator location points at, found by walking its keys through the text. */
export function locate(text, location, format) {
  const keys = String(location || "").split("/").filter(Boolean).map((part) => part.replace(/\[\d+\]$/, ""));
  let from = 0;
  let found = null;
  for (const key of keys) {
    const needle = format === "yaml" ? new RegExp(`(^|\\n)\\s*(- )?["']?${escapeRe(key)}["']?\\s*:`, "g")
      : new RegExp(`"${escapeRe(key)}"\\s*:`, "g");
    needle.lastIndex = from;
    const match = needle.exec(text);
    if (!match) break;
    const start = match.index + match[0].indexOf(key) - (QUOTE.test(text[match.index + match[0].indexOf(key) - 1]) ? 1 : 0);
    found = { from: start, to: match.index + match[0].length - 1 };
    from = match.index + match[0].length;
  }
  return found;
}

function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export class CodeEditor {
  constructor(parent, { onChange, getDefinition, getDiagnostics, label }) {
    this.language = new Compartment();
    this.format = "json";
    this.quiet = false;
    this.getDiagnostics = getDiagnostics;
    const complete = (context) => this._complete(context, getDefinition());
    this.view = new EditorView({
      parent,
      state: EditorState.create({
        doc: "",
        extensions: [
          lineNumbers(), highlightActiveLineGutter(), foldGutter(), drawSelection(), history(),
          indentOnInput(), bracketMatching(), closeBrackets(), highlightActiveLine(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          this.language.of(json()),
          autocompletion({ override: [complete] }),
          lintGutter(),
          linter(() => this._diagnostics(), { delay: 0 }),
          keymap.of([indentWithTab, ...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap,
                     ...foldKeymap, ...completionKeymap, ...searchKeymap]),
          EditorView.contentAttributes.of({ "aria-label": label, "data-testid": "code-editor" }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged && !this.quiet) onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
  }

  get text() {
    return this.view.state.doc.toString();
  }

  /** Replace the text (a design edit or an import); no change event is sent back. */
  setText(text) {
    const old = this.text;
    if (text === old) return;
    // Replace only what differs (common head and tail kept): cheap on a large definition, and
    // the editor keeps its folds, selection and parse of the untouched parts.
    let head = 0;
    const most = Math.min(old.length, text.length);
    while (head < most && old.charCodeAt(head) === text.charCodeAt(head)) head++;
    let tail = 0;
    while (tail < most - head && old.charCodeAt(old.length - 1 - tail) === text.charCodeAt(text.length - 1 - tail)) tail++;
    this.quiet = true;
    this.view.dispatch({ changes: { from: head, to: old.length - tail, insert: text.slice(head, text.length - tail) } });
    this.quiet = false;
  }

  setFormat(format) {
    this.format = format;
    this.view.dispatch({ effects: this.language.reconfigure(format === "yaml" ? yaml() : json()) });
  }

  /** Re-run the linter: the page's diagnostics changed. */
  refreshDiagnostics() {
    forceLinting(this.view);
  }

  /** Select (and scroll to) a state's entry, for the Inspector's "Show in Code". */
  reveal(location) {
    const range = locate(this.text, location, this.format);
    if (!range) return;
    this.view.dispatch({ selection: { anchor: range.from, head: range.to }, scrollIntoView: true });
    this.view.focus();
  }

  _diagnostics() {
    const text = this.text;
    return this.getDiagnostics().map((d) => {
      const range = d.offset !== undefined ? { from: Math.min(d.offset, text.length), to: Math.min(d.offset + 1, text.length) }
        : locate(text, d.location, this.format) || { from: 0, to: Math.min(1, text.length) };
      return {
        from: range.from, to: Math.max(range.to, range.from),
        severity: d.severity === "ERROR" ? "error" : "warning",
        message: `${d.code}: ${d.message}`,
      };
    });
  }

  _complete(context, definition) {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const target = /["']?(Next|Default|StartAt)["']?\s*:\s*["']?([^"']*)$/.exec(before);
    if (target) {
      const names = [];
      const visit = (machine) => {
        for (const [name, state] of Object.entries((machine && machine.States) || {})) {
          names.push(name);
          (state.Branches || []).forEach(visit);
          if (state.ItemProcessor || state.Iterator) visit(state.ItemProcessor || state.Iterator);
        }
      };
      visit(definition);
      return { from: context.pos - target[2].length, options: names.map((label) => ({ label, type: "variable" })) };
    }
    const type = /["']?Type["']?\s*:\s*["']?([A-Za-z]*)$/.exec(before);
    if (type) return { from: context.pos - type[1].length, options: TYPES.map((label) => ({ label, type: "type" })) };
    const key = this.format === "yaml" ? /^\s*([A-Za-z]*)$/.exec(before) : /^\s*"([A-Za-z]*)$/.exec(before);
    if (!key) return null;
    const text = context.state.doc.toString();
    const behind = text.slice(Math.max(0, context.pos - 2000), context.pos);
    const ahead = text.slice(context.pos, context.pos + 2000);
    const typeRe = /["']?Type["']?\s*:\s*["']?(\w+)/g;
    const near = [...behind.matchAll(typeRe)].pop() || typeRe.exec(ahead);
    const fields = fieldNames(near ? near[1] : "Task");
    return { from: context.pos - key[1].length, options: fields.map((label) => ({ label, type: "property" })) };
  }
}
