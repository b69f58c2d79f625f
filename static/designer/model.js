// The definition as data: find states, insert fragments on edges, remove, rename, cut and paste.
// Amazon States Language: state names are unique in the whole machine, branches (Parallel) and
// item processors (Map) are sub-machines with their own StartAt/States
// (https://states-language.net/spec.html, "States" and "Parallel State"/"Map State").
// Every function takes a definition object and mutates a copy the caller made (see apply()).

export const NEXT = "$next"; // a fragment's way out, bound to the edge it is dropped on

export function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

export function childMachines(state) {
  if (!state || typeof state !== "object") return [];
  if (state.Type === "Parallel") return Array.isArray(state.Branches) ? state.Branches : [];
  if (state.Type === "Map") {
    const processor = state.ItemProcessor || state.Iterator;
    return processor && typeof processor === "object" ? [processor] : [];
  }
  return [];
}

function statesOf(machine) {
  return machine && machine.States && typeof machine.States === "object" ? machine.States : {};
}

/** Every state with its name, its machine (the object holding States) and that machine's scope. */
export function* walk(definition, scope = "") {
  for (const [name, state] of Object.entries(statesOf(definition))) {
    yield { name, state, machine: definition, scope };
    const kids = childMachines(state);
    for (let i = 0; i < kids.length; i++) yield* walk(kids[i], `${name}/${i}`);
  }
}

export function find(definition, name) {
  for (const entry of walk(definition)) if (entry.name === name) return entry;
  return null;
}

export function names(definition) {
  return new Set([...walk(definition)].map((entry) => entry.name));
}

/** The machine a scope names: "" is the top, "Name/i" is branch i of state Name. */
export function machineAt(definition, scope) {
  if (!scope) return definition;
  const cut = scope.lastIndexOf("/");
  const owner = find(definition, scope.slice(0, cut));
  return owner ? childMachines(owner.state)[Number(scope.slice(cut + 1))] || null : null;
}

export function uniqueName(taken, wanted) {
  let name = wanted;
  for (let n = 2; taken.has(name); n++) name = `${wanted} ${n}`;
  taken.add(name);
  return name;
}

/** Each way out of a state, as a setter: Next, Choices[i].Next, Default, Catch[i].Next. */
function exits(state) {
  const out = [];
  if (typeof state.Next === "string") out.push([state.Next, (v) => { state.Next = v; }]);
  (Array.isArray(state.Choices) ? state.Choices : []).forEach((rule) => {
    if (rule && typeof rule.Next === "string") out.push([rule.Next, (v) => { rule.Next = v; }]);
  });
  if (typeof state.Default === "string") out.push([state.Default, (v) => { state.Default = v; }]);
  (Array.isArray(state.Catch) ? state.Catch : []).forEach((catcher) => {
    if (catcher && typeof catcher.Next === "string") out.push([catcher.Next, (v) => { catcher.Next = v; }]);
  });
  return out;
}

function renameIn(machine, from, to) {
  if (machine.StartAt === from) machine.StartAt = to;
  for (const state of Object.values(statesOf(machine))) {
    for (const [target, set] of exits(state)) if (target === from) set(to);
  }
}

/** A fragment's copy whose state names (and names inside its branches) are free in `taken`. */
export function instantiate(fragment, taken) {
  const copy = clone(fragment);
  const rename = (machine) => {
    const renamed = {};
    for (const [name, state] of Object.entries(statesOf(machine))) {
      const fresh = uniqueName(taken, name);
      renamed[fresh] = state;
      if (fresh !== name) renameIn(machine, name, fresh);
      childMachines(state).forEach(rename);
    }
    machine.States = renamed;
  };
  rename(copy);
  return copy;
}

/** Point every `$next` exit of a fragment's top level at `target` (null: the end of the machine). */
function bindExits(fragment, machine, target, taken) {
  let endState = null;
  for (const state of Object.values(fragment.States)) {
    if (state.Next === NEXT && target === null) {
      delete state.Next;
      state.End = true;
      continue;
    }
    for (const [value, set] of exits(state)) {
      if (value !== NEXT) continue;
      if (target !== null) { set(target); continue; }
      // A Choice rule or a Catch cannot end the machine: give it a Succeed to end on.
      endState = endState || uniqueName(taken, "Done");
      set(endState);
    }
  }
  if (endState) fragment.States[endState] = { Type: "Succeed" };
}

/** Insert a fragment on a canvas edge (see layout.py for the edge kinds); returns its first state. */
export function insertOnEdge(definition, edge, fragment) {
  const taken = names(definition);
  const piece = instantiate(fragment, taken);
  const machine = machineAt(definition, edge.scope);
  if (!machine) throw new Error(`no machine at ${edge.scope}`);
  let target = null;
  const from = edge.from !== undefined ? statesOf(machine)[edge.from] : null;
  if (edge.kind === "start") {
    target = machine.StartAt || null;
    machine.StartAt = piece.StartAt;
  } else if (edge.kind === "end") {
    delete from.End;
    from.Next = piece.StartAt;
  } else {
    target = edge.to;
    const slot = {
      next: () => { from.Next = piece.StartAt; },
      default: () => { from.Default = piece.StartAt; },
      choice: () => { from.Choices[edge.index].Next = piece.StartAt; },
      catch: () => { from.Catch[edge.index].Next = piece.StartAt; },
    }[edge.kind];
    if (!slot) throw new Error(`cannot insert on a ${edge.kind} edge`);
    slot();
  }
  bindExits(piece, machine, target, taken);
  machine.States = machine.States || {};
  Object.assign(machine.States, piece.States);
  return piece.StartAt;
}

/** Remove a state; whatever led to it now leads where it went (or ends where it ended). */
export function remove(definition, name) {
  const found = find(definition, name);
  if (!found) return;
  const { machine, state } = found;
  const onward = typeof state.Next === "string" ? state.Next
    : typeof state.Default === "string" ? state.Default : null;
  delete machine.States[name];
  const rest = Object.keys(machine.States);
  if (machine.StartAt === name) machine.StartAt = onward || rest[0] || "";
  for (const other of Object.values(machine.States)) {
    if (other.Next === name) {
      if (onward) other.Next = onward;
      else { delete other.Next; if (!["Choice", "Succeed", "Fail"].includes(other.Type)) other.End = true; }
    }
    if (Array.isArray(other.Choices)) {
      other.Choices = other.Choices.filter((rule) => rule.Next !== name || (onward && (rule.Next = onward)));
    }
    if (other.Default === name) { if (onward) other.Default = onward; else delete other.Default; }
    if (Array.isArray(other.Catch)) {
      other.Catch = other.Catch.filter((c) => c.Next !== name || (onward && (c.Next = onward)));
      if (!other.Catch.length) delete other.Catch;
    }
  }
}

/** Rename a state and every reference to it in its machine; refuses a taken name. */
export function rename(definition, from, to) {
  if (from === to) return true;
  if (!to || names(definition).has(to)) return false;
  const found = find(definition, from);
  if (!found) return false;
  const renamed = {};
  for (const [name, state] of Object.entries(found.machine.States)) renamed[name === from ? to : name] = state;
  found.machine.States = renamed;
  renameIn(found.machine, from, to);
  return true;
}

/** A state as a fragment to paste: its ways out become `$next`, so it joins wherever it lands. */
export function asFragment(definition, name) {
  const found = find(definition, name);
  if (!found) return null;
  const state = clone(found.state);
  const local = new Set(Object.keys(found.machine.States));
  if (state.End === true) { delete state.End; state.Next = NEXT; }
  for (const [target, set] of exits(state)) if (local.has(target)) set(NEXT);
  return { StartAt: name, States: { [name]: state } };
}

/** Point one way out of a state elsewhere (the Inspector's and the canvas's "connect"). */
export function connect(definition, name, kind, index, target) {
  const found = find(definition, name);
  if (!found) return;
  const state = found.state;
  if (kind === "next") {
    if (target === null) { delete state.Next; state.End = true; } else { delete state.End; state.Next = target; }
  } else if (kind === "default") {
    if (target === null) delete state.Default; else state.Default = target;
  } else if (kind === "choice") state.Choices[index].Next = target;
  else if (kind === "catch") state.Catch[index].Next = target;
}

/** The JSON Pointer-ish location the validator gives (/States/A/Choices[0]/Next) of a state. */
export function locationOf(definition, name) {
  const parts = [];
  const visit = (machine, prefix) => {
    for (const [n, state] of Object.entries(statesOf(machine))) {
      const here = `${prefix}/States/${n}`;
      if (n === name) { parts.push(here); return true; }
      const kids = childMachines(state);
      const key = state.Type === "Parallel" ? "Branches" : state.ItemProcessor ? "ItemProcessor" : "Iterator";
      for (let i = 0; i < kids.length; i++) {
        if (visit(kids[i], state.Type === "Parallel" ? `${here}/${key}[${i}]` : `${here}/${key}`)) return true;
      }
    }
    return false;
  };
  visit(definition, "");
  return parts[0] || null;
}

/** The state a validator location points into (the deepest /States/<name> in it), if any. */
export function stateOfLocation(location) {
  const matches = [...String(location || "").matchAll(/\/States\/([^/[]+)/g)];
  return matches.length ? matches[matches.length - 1][1] : null;
}
