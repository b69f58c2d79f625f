// The canvas: draws the layout graphviz computed (workbench/stepfunctions/layout.py) as SVG,
// keeps the user's pan and zoom across redraws, and turns pointer and keyboard actions into
// intents (select a state, activate an edge's insert point, drop an item on it, delete, copy...).
// Every state node carries data-state and data-status (ARCHITECTURE.md's browser contract).

const SVG = "http://www.w3.org/2000/svg";
const INSERTABLE = new Set(["start", "next", "choice", "default", "catch", "end"]);

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function pathOf(edge) {
  const p = edge.points;
  if (!p.length) return "";
  let d = `M${p[0][0]},${p[0][1]}`;
  for (let i = 1; i + 2 < p.length; i += 3) d += ` C${p[i][0]},${p[i][1]} ${p[i + 1][0]},${p[i + 1][1]} ${p[i + 2][0]},${p[i + 2][1]}`;
  if (edge.arrow) d += ` L${edge.arrow[0]},${edge.arrow[1]}`;
  return d;
}

function middle(edge) {
  const p = edge.points;
  if (p.length >= 4) {
    // The point at t=0.5 of the middle Bézier segment.
    const seg = Math.floor((p.length - 1) / 3 / 2) * 3;
    const [a, b, c, d] = [p[seg], p[seg + 1], p[seg + 2], p[seg + 3]];
    return [0, 1].map((k) => (a[k] + 3 * b[k] + 3 * c[k] + d[k]) / 8);
  }
  return p[0] || [0, 0];
}

export function edgeLabel(edge) {
  const to = edge.kind === "end" ? "the end" : edge.to;
  const where = edge.scope ? ` in ${edge.scope.replace(/\/(\d+)$/, (_, i) => ` branch ${Number(i) + 1}`)}` : "";
  const from = edge.kind === "start" ? "the start" : edge.from;
  const how = { choice: ` (rule ${edge.index + 1})`, default: " (default)", catch: " (catch)" }[edge.kind] || "";
  return `Insert between ${from} and ${to}${how}${where}`;
}

export class Canvas {
  constructor(svg, handlers) {
    this.svg = svg;
    this.handlers = handlers;
    this.view = { x: 20, y: 20, k: 1 };
    this.fitted = false;
    this.edges = new Map();
    this.selected = null;
    this.placing = false;
    this.root = document.createElementNS(SVG, "g");
    this.root.setAttribute("class", "viewport");
    svg.append(this.root);
    this._wire();
  }

  /** Redraw from a layout; the viewport (pan/zoom) is kept unless nothing was drawn before. */
  draw(layout, { errors = new Map(), warnings = new Map() } = {}) {
    this.layout = layout;
    this.edges = new Map(layout.edges.map((edge) => [edge.id, edge]));
    const out = [];
    for (const c of layout.clusters) {
      out.push(`<g class="cluster" data-scope="${esc(c.scope)}"><rect x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}" rx="6"/>` +
        `<text x="${c.x + 6}" y="${c.y + 12}">${esc(c.label)}</text></g>`);
    }
    for (const e of layout.edges) {
      out.push(`<path class="edge edge-${e.kind}" d="${pathOf(e)}" marker-end="url(#sb-arrow)"/>`);
    }
    for (const n of layout.nodes) {
      if (n.kind !== "state") {
        out.push(`<circle class="terminal terminal-${n.kind}" cx="${n.x + n.w / 2}" cy="${n.y + n.h / 2}" r="${n.w / 2}"/>`);
        continue;
      }
      const problem = errors.get(n.state);
      const warning = problem ? undefined : warnings.get(n.state);
      const flag = problem ? " has-error" : warning ? " has-warning" : "";
      const cls = `state-node type-${esc(n.type)}${this.selected === n.state ? " selected" : ""}${flag}`;
      const label = `${n.state}, ${n.type} state${problem ? `, error: ${problem}` : warning ? `, warning: ${warning}` : ""}`;
      const name = n.state.length > 24 ? `${n.state.slice(0, 23)}…` : n.state;
      out.push(`<g class="${cls}" data-state="${esc(n.state)}" data-status="not-started" data-type="${esc(n.type)}" ` +
        `tabindex="0" role="button" aria-label="${esc(label)}" transform="translate(${n.x},${n.y})">` +
        `<rect width="${n.w}" height="${n.h}" rx="${n.type === "Choice" ? 16 : 6}"/>` +
        `<text class="state-name" x="${n.w / 2}" y="${n.h / 2 - 2}">${esc(name)}</text>` +
        `<text class="state-type" x="${n.w / 2}" y="${n.h / 2 + 11}">${esc(n.type)}</text>` +
        (problem ? `<title>${esc(problem)}</title>` : "") + "</g>");
    }
    for (const e of layout.edges) {
      if (!INSERTABLE.has(e.kind)) continue;
      const [x, y] = middle(e);
      out.push(`<g class="edge-insert" data-edge="${e.id}" tabindex="${this.placing ? 0 : -1}" role="button" ` +
        `aria-label="${esc(edgeLabel(e))}" transform="translate(${x},${y})"><circle r="8"/><path d="M-4,0H4M0,-4V4"/></g>`);
    }
    const focused = this._focusedPlace();
    this.root.innerHTML = out.join("");
    delete this.svg.dataset.provisional;
    this._refocus(focused); // a redraw keeps the keyboard where it was
    if (!this.fitted) { this.fit(); this.fitted = true; } else this._apply();
  }

  /** Show a design edit at once, before graphviz's layout is back: states that stay keep their
   * place, a new one sits on the insert point it was dropped on, and removed ones go. */
  provisional(definition, stateOf, hint) {
    if (!this.layout) return;
    const alive = new Set();
    for (const entry of stateOf(definition)) alive.add(entry.name);
    const known = new Set(this.layout.nodes.filter((n) => n.kind === "state").map((n) => n.state));
    const nodes = this.layout.nodes.filter((n) => n.kind !== "state" || alive.has(n.state));
    let offset = 0;
    for (const entry of stateOf(definition)) {
      if (known.has(entry.name) || !hint) continue;
      nodes.push({ kind: "state", state: entry.name, type: entry.state.Type, scope: entry.scope,
                   x: hint[0] - 75 + offset, y: hint[1] - 18 + offset, w: 151, h: 36 });
      offset += 12;
    }
    const keeps = (name) => name === undefined || alive.has(name);
    const edges = this.layout.edges.filter((e) => keeps(e.from) && keeps(e.to));
    this.draw({ ...this.layout, nodes, edges }, { errors: new Map() });
    this.svg.dataset.provisional = "true";
  }

  /** Where an edge's insert point is drawn (a new state's provisional place). */
  insertPoint(edge) {
    return middle(edge);
  }

  fit() {
    const box = this.svg.getBoundingClientRect();
    if (!this.layout || !box.width) return;
    const k = Math.min(1.2, (box.width - 40) / Math.max(this.layout.width, 1), (box.height - 40) / Math.max(this.layout.height, 1));
    this.view.k = Math.max(0.2, k);
    this.view.x = (box.width - this.layout.width * this.view.k) / 2;
    this.view.y = 20;
    this._apply();
  }

  zoom(factor, cx, cy) {
    const box = this.svg.getBoundingClientRect();
    cx = cx ?? box.width / 2;
    cy = cy ?? box.height / 2;
    const k = Math.min(3, Math.max(0.15, this.view.k * factor));
    this.view.x = cx - ((cx - this.view.x) * k) / this.view.k;
    this.view.y = cy - ((cy - this.view.y) * k) / this.view.k;
    this.view.k = k;
    this._apply();
  }

  pan(dx, dy) {
    this.view.x += dx;
    this.view.y += dy;
    this._apply();
  }

  _apply() {
    this.root.setAttribute("transform", `translate(${this.view.x},${this.view.y}) scale(${this.view.k})`);
  }

  /** What has the keyboard inside the canvas: a state node by name, an insert point by what it
   * joins (its label names both ends, so it survives a new layout's edge ids). */
  _focusedPlace() {
    const active = this.root.contains(document.activeElement) ? document.activeElement : null;
    if (active?.dataset.state !== undefined) return { state: active.dataset.state };
    if (active?.classList.contains("edge-insert")) return { insert: active.getAttribute("aria-label") };
    return null;
  }

  _refocus(place) {
    if (place?.state !== undefined) this.node(place.state)?.focus();
    if (place?.insert !== undefined) {
      [...this.root.querySelectorAll(".edge-insert")].find((g) => g.getAttribute("aria-label") === place.insert)?.focus();
    }
  }

  /** Placing mode: every insert point is a tab stop and glows; the first one takes focus unless
   * the keyboard is already on one (a layout arriving mid-choice must not move it). */
  setPlacing(on) {
    this.placing = on;
    this.svg.classList.toggle("placing", on);
    this.root.querySelectorAll(".edge-insert").forEach((g) => g.setAttribute("tabindex", on ? "0" : "-1"));
    if (on && !this.root.querySelector(".edge-insert:focus")) this.root.querySelector(".edge-insert")?.focus();
  }

  select(name, { focus = false } = {}) {
    this.selected = name;
    this.root.querySelectorAll(".state-node.selected").forEach((g) => g.classList.remove("selected"));
    const node = name ? this.node(name) : null;
    node?.classList.add("selected");
    if (focus) node?.focus();
  }

  node(name) {
    return [...this.root.querySelectorAll(".state-node")].find((g) => g.dataset.state === name) || null;
  }

  _wire() {
    const { svg, handlers } = this;
    svg.addEventListener("click", (event) => {
      const insert = event.target.closest(".edge-insert");
      if (insert) return handlers.onEdge(this.edges.get(insert.dataset.edge));
      const node = event.target.closest(".state-node");
      if (node) return handlers.onSelect(node.dataset.state);
      if (!this.dragged) handlers.onSelect(null);
    });
    svg.addEventListener("keydown", (event) => {
      const insert = event.target.closest?.(".edge-insert");
      const node = event.target.closest?.(".state-node");
      const mod = event.ctrlKey || event.metaKey;
      if (insert && (event.key === "Enter" || event.key === " " || (mod && event.key === "v"))) {
        event.preventDefault();
        return handlers.onEdge(this.edges.get(insert.dataset.edge), { paste: mod });
      }
      if (node && (event.key === "Enter" || event.key === " ")) {
        event.preventDefault();
        return handlers.onSelect(node.dataset.state, { open: true });
      }
      if (node && (event.key === "Delete" || event.key === "Backspace")) {
        event.preventDefault();
        return handlers.onDelete(node.dataset.state);
      }
      if (node && mod && (event.key === "c" || event.key === "x")) {
        event.preventDefault();
        return handlers.onCopy(node.dataset.state, event.key === "x");
      }
      if (event.key === "Escape") return handlers.onEscape();
      if (["ArrowDown", "ArrowUp", "ArrowLeft", "ArrowRight"].includes(event.key) && !event.shiftKey) {
        event.preventDefault();
        return this._moveFocus(event.target, event.key);
      }
      const panBy = { ArrowDown: [0, -40], ArrowUp: [0, 40], ArrowLeft: [40, 0], ArrowRight: [-40, 0] }[event.key];
      if (panBy && event.shiftKey) { event.preventDefault(); this.pan(...panBy); }
      if (event.key === "+" || event.key === "=") this.zoom(1.2);
      if (event.key === "-") this.zoom(1 / 1.2);
    });
    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const box = svg.getBoundingClientRect();
      this.zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
    // Drag from one state onto another: connect them (its Next, or a Choice's Default). The
    // keyboard path is the Inspector's "Next state" / "Default" / Catch "Next" lists.
    let link = null;
    svg.addEventListener("pointerdown", (event) => {
      const node = event.target.closest(".state-node");
      if (!node || event.button !== 0) return;
      link = { from: node.dataset.state, x: event.clientX, y: event.clientY, line: null };
    });
    svg.addEventListener("pointermove", (event) => {
      if (!link) return;
      if (!link.line && Math.abs(event.clientX - link.x) + Math.abs(event.clientY - link.y) < 8) return;
      const box = svg.getBoundingClientRect();
      const at = (cx, cy) => [(cx - box.left - this.view.x) / this.view.k, (cy - box.top - this.view.y) / this.view.k];
      if (!link.line) {
        link.line = document.createElementNS(SVG, "line");
        link.line.setAttribute("class", "link-drag");
        this.root.append(link.line);
        [link.x1, link.y1] = at(link.x, link.y);
      }
      const [x2, y2] = at(event.clientX, event.clientY);
      link.line.setAttribute("x1", link.x1); link.line.setAttribute("y1", link.y1);
      link.line.setAttribute("x2", x2); link.line.setAttribute("y2", y2);
    });
    window.addEventListener("pointerup", (event) => {
      if (!link) return;
      const drawn = link.line;
      const from = link.from;
      link = null;
      if (!drawn) return;
      drawn.remove();
      this.dragged = true;
      const target = document.elementFromPoint(event.clientX, event.clientY)?.closest?.(".state-node");
      if (target && target.dataset.state !== from) handlers.onConnect(from, target.dataset.state);
    });
    let start = null;
    svg.addEventListener("pointerdown", (event) => {
      if (event.target.closest(".state-node, .edge-insert")) return;
      start = { x: event.clientX, y: event.clientY, vx: this.view.x, vy: this.view.y };
      this.dragged = false;
    });
    svg.addEventListener("pointermove", (event) => {
      if (!start) return;
      const dx = event.clientX - start.x;
      const dy = event.clientY - start.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) this.dragged = true;
      this.view.x = start.vx + dx;
      this.view.y = start.vy + dy;
      this._apply();
    });
    window.addEventListener("pointerup", () => { start = null; setTimeout(() => { this.dragged = false; }, 0); });
    svg.addEventListener("dragover", (event) => {
      const insert = event.target.closest(".edge-insert");
      if (insert) { event.preventDefault(); event.dataTransfer.dropEffect = "copy"; }
      svg.querySelectorAll(".edge-insert.drop").forEach((g) => g !== insert && g.classList.remove("drop"));
      insert?.classList.add("drop");
    });
    svg.addEventListener("stepbridge:palette-drop", (event) => {
      const insert = event.target.closest(".edge-insert");
      if (insert) handlers.onDrop(this.edges.get(insert.dataset.edge), event.detail.item);
    });
    svg.addEventListener("drop", (event) => {
      const insert = event.target.closest(".edge-insert");
      const item = event.dataTransfer.getData("application/x-stepbridge-item");
      if (!insert || !item) return;
      event.preventDefault();
      handlers.onDrop(this.edges.get(insert.dataset.edge), item);
    });
  }

  /** Arrow keys walk the nodes and insert points in reading order (by position on the canvas). */
  _moveFocus(from, key) {
    const items = [...this.root.querySelectorAll(this.placing ? ".state-node, .edge-insert" : ".state-node")];
    if (!items.length) return;
    const centre = (el) => { const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; };
    const here = items.includes(from) ? centre(from) : null;
    if (!here) return items[0].focus();
    const [dx, dy] = { ArrowDown: [0, 1], ArrowUp: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[key];
    let best = null;
    let bestScore = Infinity;
    for (const el of items) {
      if (el === from) continue;
      const [x, y] = centre(el);
      const along = (x - here[0]) * dx + (y - here[1]) * dy;
      if (along <= 1) continue;
      const across = Math.abs((x - here[0]) * dy) + Math.abs((y - here[1]) * dx);
      const score = along + 2 * across;
      if (score < bestScore) { bestScore = score; best = el; }
    }
    best?.focus();
  }
}
