// A workflow definition (Roboflow's JSON) as a graph and back: inputs, steps and outputs become nodes, every selector
// (`$inputs.x`, `$steps.s.out`, `$steps.s`) an edge into the field it sits in. Each node keeps its entry's other
// fields as they are, so graph → definition gives back the definition (order of keys aside). Nothing here knows
// React: the canvas renders these nodes, and every edit is a function from one definition to the next.

export type Entry = Record<string, unknown> & { name: string; type?: string };
export interface Definition {
  version?: string;
  inputs: Entry[];
  steps: Entry[];
  outputs: Entry[];
  [key: string]: unknown;
}

export type NodeKind = "input" | "step" | "output";
export const SECTIONS: Record<NodeKind, "inputs" | "steps" | "outputs"> = { input: "inputs", step: "steps", output: "outputs" };

export interface GraphNode {
  id: string;
  kind: NodeKind;
  name: string;
  /** The entry without its selectors (they are the edges). */
  settings: Record<string, unknown>;
}

export interface GraphEdge {
  id: string;
  source: string;
  /** The output (`predictions`), `value` for an input, `*` for all of a step's outputs, `step` for the step itself. */
  sourceHandle: string;
  target: string;
  /** The top-level field the selector sits in (`images`). */
  targetHandle: string;
  /** Where exactly (`operations[0].filter_operation.left_operand...`, `next_steps[1]`, or the field itself). */
  path: string;
  selector: string;
}

export interface Graph {
  version?: string;
  extra: Record<string, unknown>;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export const INPUT_HANDLE = "value";
export const STEP_HANDLE = "step";
export const OUTPUT_FIELD = "selector";
const OWN = new Set(["type", "name"]);

export function nodeId(kind: NodeKind, name: string): string {
  return `${kind}:${name}`;
}

/** Where a selector points: the node and its handle; `null` when it is malformed. */
export function parseSelector(text: string): { node: string; handle: string } | null {
  let match = /^\$inputs\.([A-Za-z0-9_][A-Za-z0-9_-]*)$/.exec(text);
  if (match) return { node: nodeId("input", match[1]), handle: INPUT_HANDLE };
  match = /^\$steps\.([A-Za-z0-9_][A-Za-z0-9_-]*)(?:\.([A-Za-z0-9_][A-Za-z0-9_-]*|\*))?$/.exec(text);
  if (match) return { node: nodeId("step", match[1]), handle: match[2] ?? STEP_HANDLE };
  return null;
}

/** The selector a connection from `node`'s `handle` writes. */
export function selectorOf(node: string, handle: string): string {
  const [kind, name] = splitId(node);
  if (kind === "input") return `$inputs.${name}`;
  return handle === STEP_HANDLE ? `$steps.${name}` : `$steps.${name}.${handle}`;
}

export function splitId(id: string): [NodeKind, string] {
  const at = id.indexOf(":");
  return [id.slice(0, at) as NodeKind, id.slice(at + 1)];
}

type Part = string | number;

function pathText(parts: Part[]): string {
  return parts.map((part, index) => (typeof part === "number" ? `[${part}]` : index ? `.${part}` : part)).join("");
}

export function parsePath(path: string): Part[] {
  const parts: Part[] = [];
  for (const token of path.match(/[^.[\]]+|\[\d+\]/g) ?? []) {
    parts.push(token.startsWith("[") ? Number(token.slice(1, -1)) : token);
  }
  return parts;
}

/** Every `$`-string in `value` (nested in lists and objects) with where it sits, as the compiler finds them. */
function* selectorsIn(value: unknown, parts: Part[]): Generator<[Part[], string]> {
  if (typeof value === "string" && value.startsWith("$")) yield [parts, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* selectorsIn(value[i], [...parts, i]);
  else if (value && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) yield* selectorsIn(item, [...parts, key]);
  }
}

function clone<T>(value: T): T {
  return value === undefined ? value : JSON.parse(JSON.stringify(value));
}

/** `value` with the item at `parts` taken out (from a list: spliced; from an object: the key deleted). */
function without(value: Record<string, unknown>, parts: Part[]): void {
  let parent: unknown = value;
  for (const part of parts.slice(0, -1)) parent = (parent as Record<Part, unknown>)[part];
  const last = parts[parts.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
  else if (parent && typeof parent === "object") delete (parent as Record<Part, unknown>)[last];
}

/** Put `item` at `parts` in `value` (into a list: inserted there), making the containers on the way. */
function put(value: Record<string, unknown>, parts: Part[], item: unknown): void {
  let parent: Record<Part, unknown> = value;
  parts.slice(0, -1).forEach((part, index) => {
    if (parent[part] === undefined || parent[part] === null) parent[part] = typeof parts[index + 1] === "number" ? [] : {};
    parent = parent[part] as Record<Part, unknown>;
  });
  const last = parts[parts.length - 1];
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 0, item);
  else parent[last] = item;
}

export function emptyDefinition(): Definition {
  return { version: "1.0", inputs: [], steps: [], outputs: [] };
}

/** Whether `value` has the shape of a definition (lists of named entries), whatever its steps say. */
export function isDefinition(value: unknown): value is Definition {
  if (!value || typeof value !== "object" || Array.isArray(value)) return false;
  return (["inputs", "steps", "outputs"] as const).every((key) => {
    const entries = (value as Record<string, unknown>)[key];
    return Array.isArray(entries) && entries.every((e) => e && typeof e === "object" && typeof e.name === "string");
  });
}

export function toGraph(definition: Definition): Graph {
  const { version, inputs, steps, outputs, ...extra } = definition;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const taken = new Set<string>();
  (["input", "step", "output"] as const).forEach((kind) => {
    const entries = kind === "input" ? inputs : kind === "step" ? steps : outputs;
    for (const entry of entries) {
      let id = nodeId(kind, entry.name);
      for (let n = 2; taken.has(id); n++) id = `${nodeId(kind, entry.name)}#${n}`;  // a repeated name (the compiler says)
      taken.add(id);
      const settings = clone(entry) as Record<string, unknown>;
      if (kind !== "input") {
        const found = [...selectorsIn(Object.fromEntries(Object.entries(entry).filter(([k]) => !OWN.has(k))), [])];
        // taken out from the last: earlier list indices stay right
        for (const [parts] of [...found].reverse()) without(settings, parts);
        for (const [parts, selector] of found) {
          const target = parseSelector(selector);
          const path = pathText(parts);
          edges.push({
            id: `${id}|${path}`,
            source: target?.node ?? "",
            sourceHandle: target?.handle ?? "",
            target: id,
            targetHandle: String(parts[0]),
            path,
            selector,
          });
        }
      }
      nodes.push({ id, kind, name: entry.name, settings });
    }
  });
  return { version, extra, nodes, edges };
}

export function toDefinition(graph: Graph): Definition {
  const sections: Record<NodeKind, Entry[]> = { input: [], step: [], output: [] };
  for (const node of graph.nodes) {
    const entry = clone(node.settings) as Entry;
    // put back in the order they were found, so list indices land where they were
    for (const edge of graph.edges.filter((e) => e.target === node.id)) put(entry, parsePath(edge.path), edge.selector);
    sections[node.kind].push(entry);
  }
  const definition: Definition = { ...clone(graph.extra), inputs: sections.input, steps: sections.step, outputs: sections.output };
  return graph.version === undefined ? definition : { version: graph.version, ...definition };
}

// -- edits: each takes a definition and gives the next one -----------------------------------------------------------

function entryOf(definition: Definition, id: string): Entry | undefined {
  const [kind, name] = splitId(id);
  return definition[SECTIONS[kind]].find((e) => e.name === name);
}

/** A name not yet used in `section`: `base`, else `base_2`, `base_3` ... */
export function uniqueName(definition: Definition, kind: NodeKind, base: string): string {
  const taken = new Set(definition[SECTIONS[kind]].map((e) => e.name));
  const clean = base.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^[^A-Za-z0-9_]+/, "") || kind;
  if (!taken.has(clean)) return clean;
  for (let n = 2; ; n++) if (!taken.has(`${clean}_${n}`)) return `${clean}_${n}`;
}

/** A step's default name from its block type: `roboflow_core/mask_visualization@v1` → `mask_visualization`. */
export function baseName(type: string): string {
  return type.replace(/^.*\//, "").replace(/@.*$/, "").replace(/^roboflow_/, "");
}

export function addEntry(definition: Definition, kind: NodeKind, entry: Entry): Definition {
  const next = clone(definition);
  next[SECTIONS[kind]].push(entry);
  return next;
}

/** `definition` with every selector for which `drop(selector)` holds taken out of every entry. */
function dropSelectors(definition: Definition, drop: (selector: string) => boolean): Definition {
  const graph = toGraph(definition);
  graph.edges = graph.edges.filter((edge) => !drop(edge.selector));
  const next = toDefinition(graph);
  next.outputs.forEach((output, index) => {
    const before = definition.outputs[index];
    if (typeof before.selector === "string" && drop(before.selector)) delete output.selector;
  });
  return next;
}

function pointsAt(id: string): (selector: string) => boolean {
  return (selector) => parseSelector(selector)?.node === id;
}

/** Remove nodes and the selectors pointing at them. */
export function removeNodes(definition: Definition, ids: string[]): Definition {
  let next = clone(definition);
  for (const id of ids) {
    const [kind, name] = splitId(id);
    next[SECTIONS[kind]] = next[SECTIONS[kind]].filter((e) => e.name !== name);
    next = dropSelectors(next, pointsAt(id));
  }
  return next;
}

/** Remove the selectors of these edges. */
export function removeEdges(definition: Definition, edges: Pick<GraphEdge, "id">[]): Definition {
  const ids = new Set(edges.map((e) => e.id));
  const graph = toGraph(definition);
  const removedOutputs = new Set(graph.edges.filter((e) => ids.has(e.id) && splitId(e.target)[0] === "output").map((e) => e.target));
  graph.edges = graph.edges.filter((e) => !ids.has(e.id));
  const next = toDefinition(graph);
  next.outputs.forEach((output) => removedOutputs.has(nodeId("output", output.name)) && delete output.selector);
  return next;
}

/** A copy of a node under a new name, fed from the same places. */
export function duplicateNode(definition: Definition, id: string): { definition: Definition; id: string } {
  const entry = entryOf(definition, id);
  const [kind, name] = splitId(id);
  if (!entry) return { definition, id };
  const copyName = uniqueName(definition, kind, name.replace(/_\d+$/, ""));
  return { definition: addEntry(definition, kind, { ...clone(entry), name: copyName }), id: nodeId(kind, copyName) };
}

/** Rename a node, and every selector that points at it. */
export function renameNode(definition: Definition, id: string, name: string): Definition {
  const [kind, old] = splitId(id);
  if (!name || name === old) return definition;
  const graph = toGraph(definition);
  const newId = nodeId(kind, name);
  for (const node of graph.nodes) if (node.id === id) { node.id = newId; node.name = name; node.settings.name = name; }
  for (const edge of graph.edges) {
    if (edge.target === id) edge.target = newId;
    if (edge.source === id && kind !== "output") {
      edge.source = newId;
      edge.selector = selectorOf(newId, edge.sourceHandle);
    }
  }
  return toDefinition(graph);
}

/** Wire `source`'s `handle` into `target`'s field: a list field gets the selector added, any other field set. */
export function connect(definition: Definition, source: string, handle: string, target: string, field: string): Definition {
  const next = clone(definition);
  const entry = entryOf(next, target);
  if (!entry) return definition;
  const selector = selectorOf(source, handle);
  const current = entry[field];
  if (Array.isArray(current)) {
    if (!current.includes(selector)) current.push(selector);
  } else entry[field] = selector;
  return next;
}

/** Set (or, with `undefined`, clear) a literal field of a node. */
export function setField(definition: Definition, id: string, field: string, value: unknown): Definition {
  const next = clone(definition);
  const entry = entryOf(next, id);
  if (!entry) return definition;
  if (value === undefined) delete entry[field];
  else entry[field] = value;
  return next;
}

export function findEntry(definition: Definition, id: string): Entry | undefined {
  return entryOf(definition, id);
}

/** Same content, whatever the order of keys (and of the entries in each section). */
export function sameDefinition(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item && typeof item === "object") {
      return Object.fromEntries(Object.keys(item).sort().map((key) => [key, sort((item as Record<string, unknown>)[key])]));
    }
    return item;
  };
  const sorted = sort(value) as Record<string, unknown>;
  if (isDefinition(sorted)) {
    for (const key of ["inputs", "steps", "outputs"] as const) {
      (sorted[key] as unknown[]).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    }
  }
  return JSON.stringify(sorted);
}
