// The Mocks page's editor: CodeMirror 6 (vendored) over the form's textarea, JSON highlighting
// and line numbers, the refused line marked. The textarea stays the form's field: the editor
// writes its text back before the form is sent, so a refused save shows what was typed.
import { EditorState } from "@codemirror/state";
import { EditorView, keymap, lineNumbers, highlightActiveLine, drawSelection } from "@codemirror/view";
import { syntaxHighlighting, defaultHighlightStyle, bracketMatching, indentOnInput } from "@codemirror/language";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { linter, lintGutter } from "@codemirror/lint";
import { json } from "@codemirror/lang-json";

const textarea = document.getElementById("mock-config");
const form = document.getElementById("mock-form");

if (textarea && form) {
  const errorLine = Number(textarea.dataset.errorLine || 0);
  const message = document.getElementById("error-config")?.textContent || "";
  let edited = false;
  const marked = (view) => {
    if (!errorLine || edited || errorLine > view.state.doc.lines) return [];
    const line = view.state.doc.line(errorLine);
    return [{ from: line.from, to: Math.max(line.from, line.to), severity: "error", message }];
  };
  const view = new EditorView({
    state: EditorState.create({
      doc: textarea.value,
      extensions: [
        lineNumbers(), drawSelection(), history(), indentOnInput(), bracketMatching(), highlightActiveLine(),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }), json(),
        lintGutter(), linter(marked, { delay: 0 }),
        // Tab indents; Escape then Tab leaves the editor (CodeMirror's documented escape hatch).
        keymap.of([indentWithTab, ...defaultKeymap, ...historyKeymap]),
        EditorView.contentAttributes.of({ "aria-label": "Mock config (JSON)", "data-testid": "mock-editor" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            edited = true;
            textarea.value = update.state.doc.toString();
          }
        }),
      ],
    }),
  });
  textarea.hidden = true;
  textarea.after(view.dom);
  view.dom.classList.add("mock-editor");
  document.querySelector('label[for="mock-config"]')?.addEventListener("click", () => view.focus());
  if (errorLine && errorLine <= view.state.doc.lines) {
    const line = view.state.doc.line(errorLine);
    view.dispatch({ selection: { anchor: line.from }, scrollIntoView: true });
  }
  form.addEventListener("submit", () => {
    textarea.value = view.state.doc.toString();
  });
}
