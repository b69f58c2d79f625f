// Versions: the designer's saved revisions and the machine's published versions
// (PublishStateMachineVersion's), any two compared side by side (a line diff, longest common
// subsequence), and roll back by opening an old one and saving it again.
import { h, options } from "./dom.js";

/** Side-by-side rows [left, right, kind] of a line diff; kind: same | del | add | change. */
export function diffLines(a, b) {
  const left = a.split("\n");
  const right = b.split("\n");
  const n = left.length;
  const m = right.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = left[i] === right[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const rows = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && left[i] === right[j]) { rows.push([left[i++], right[j++], "same"]); continue; }
    if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) rows.push([null, right[j++], "add"]);
    else rows.push([left[i++], null, "del"]);
  }
  // A block of removed and added lines reads best as changed lines, side by side.
  const merged = [];
  for (let k = 0; k < rows.length;) {
    if (rows[k][2] === "same") { merged.push(rows[k]); k++; continue; }
    let end = k;
    while (end < rows.length && rows[end][2] !== "same") end++;
    const dels = rows.slice(k, end).filter((r) => r[2] === "del").map((r) => r[0]);
    const adds = rows.slice(k, end).filter((r) => r[2] === "add").map((r) => r[1]);
    for (let n = 0; n < Math.max(dels.length, adds.length); n++) {
      const l = n < dels.length ? dels[n] : null;
      const r = n < adds.length ? adds[n] : null;
      merged.push([l, r, l !== null && r !== null ? "change" : l !== null ? "del" : "add"]);
    }
    k = end;
  }
  return merged;
}

export class Versions {
  constructor(root, { url, current, open }) {
    this.root = root;
    this.url = url;
    this.current = current;
    this.open = open;
    this.list = [];
    this.left = root.querySelector("[name=left]");
    this.right = root.querySelector("[name=right]");
    this.table = root.querySelector(".diff");
    root.addEventListener("toggle", () => { if (root.open) this.load(); });
    root.querySelector("[data-compare]").addEventListener("click", () => this.compare());
    root.querySelector("[data-rollback]").addEventListener("click", () => this.rollback());
  }

  async load() {
    const url = this.url();
    if (!url) { this.table.replaceChildren(h("p", { class: "muted" }, "Save the machine once to start its history.")); return; }
    const response = await fetch(url);
    const answer = await response.json();
    // One list: published versions first (newest first), then the saved revisions.
    this.list = [
      ...(answer.versions || []).map((v) => ({ ...v, key: `v:${v.version}`,
        label: `Version ${v.version}${v.description ? `: ${v.description}` : ""} (published ${new Date(v.created).toLocaleString()})` })),
      ...(answer.revisions || []).map((r) => ({ ...r, key: `r:${r.revision}`,
        label: `Revision ${r.revision} (saved ${new Date(r.saved).toLocaleString()})` })),
    ];
    const pairs = this.list.map((item) => [item.key, item.label]);
    this.left.replaceChildren(...options(pairs, (this.list[1] || this.list[0] || {}).key));
    this.right.replaceChildren(...options([["current", "The design as it is now"], ...pairs], this.list.length > 1 && this.list[0].key.startsWith("v:") ? this.list[0].key : "current"));
    const published = (answer.versions || []).length;
    this.table.replaceChildren(h("p", { class: "muted" }, this.list.length
      ? `${published} published version(s), ${(answer.revisions || []).length} saved revision(s).` : "No saved revisions yet."));
  }

  source(value) {
    return value === "current" ? this.current() : (this.list.find((item) => item.key === value) || {}).source || "";
  }

  compare() {
    const rows = diffLines(this.source(this.left.value), this.source(this.right.value));
    const changed = rows.filter((r) => r[2] !== "same").length;
    const head = h("tr", {}, h("th", { scope: "col" }, this.left.selectedOptions[0]?.textContent || ""), h("th", { scope: "col" }, this.right.selectedOptions[0]?.textContent || ""));
    const body = rows.map(([a, b, kind]) => h("tr", { class: `diff-${kind}` },
      h("td", { class: "mono" }, a ?? ""), h("td", { class: "mono" }, b ?? "")));
    this.table.replaceChildren(h("p", { "aria-live": "polite", class: "diff-summary" }, changed ? `${changed} line(s) differ.` : "No differences."),
      h("table", { class: "diff-table" }, h("thead", {}, head), h("tbody", {}, body)));
  }

  rollback() {
    const chosen = this.list.find((item) => item.key === this.left.value);
    if (chosen) this.open(chosen);
  }
}
