// The definition's text in JSON or YAML: parse it (with where it broke) and write it back.
// YAML is YAML 1.2 through the vendored `yaml` library (static/vendor/yaml).
import YAML from "yaml";

export function parse(text, format) {
  if (format === "yaml") {
    const doc = YAML.parseDocument(text, { prettyErrors: true });
    if (doc.errors.length) {
      const e = doc.errors[0];
      return { error: e.message.split("\n")[0], offset: e.pos ? e.pos[0] : 0 };
    }
    return { value: doc.toJS() };
  }
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    const at = /position (\d+)/.exec(error.message);
    return { error: error.message, offset: at ? Number(at[1]) : text.length };
  }
}

export function write(value, format) {
  return format === "yaml" ? YAML.stringify(value, { lineWidth: 0 }) : JSON.stringify(value, null, 2) + "\n";
}

export { YAML };
