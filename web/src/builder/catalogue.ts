// The blocks a definition can use and the kinds of data they take and give, all read from the server
// (`GET /workflows/blocks`, `GET /workflows/kinds`): a block a plugin adds shows in the palette, gets its form and
// has its connections checked without any change here. The rule is the compiler's (seglab/workflows/kinds.py).

import type { Schemas } from "../api";
import { Definition, Entry, INPUT_HANDLE, NodeKind, OUTPUT_FIELD, STEP_HANDLE, findEntry, selectorOf, splitId } from "./graph";

export type BlockInfo = Schemas["BlockInfo"];
export type KindInfo = Schemas["KindInfo"];

export const WILDCARD = "*";
const IMAGE_INPUTS = new Set(["WorkflowImage", "InferenceImage"]);

/** Where a selector may go: the kinds it accepts, and whether it names steps themselves (`$steps.s`). */
export interface FieldKinds {
  kinds: string[];
  steps: boolean;
}

/** Whether data of any of the `actual` kinds may go where `accepted` kinds are expected (kinds.compatible). */
export function compatible(accepted: string[], actual: string[], rules: Map<string, string[]>): boolean {
  if (!accepted.length || !actual.length || accepted.includes(WILDCARD) || actual.includes(WILDCARD)) return true;
  const widened = new Set(accepted.flatMap((kind) => rules.get(kind) ?? [kind]));
  return actual.some((kind) => widened.has(kind));
}

export class Catalogue {
  readonly blocks: BlockInfo[];
  private readonly byName = new Map<string, BlockInfo>();
  private readonly rules: Map<string, string[]>;
  private readonly known: Set<string>;

  constructor(blocks: BlockInfo[], kinds: KindInfo[]) {
    this.blocks = blocks;
    for (const block of blocks) for (const name of [block.type, ...block.aliases]) this.byName.set(name, block);
    this.rules = new Map(kinds.map((kind) => [kind.name, kind.accepts]));
    this.known = new Set(kinds.map((kind) => kind.name));
  }

  block(type: unknown): BlockInfo | undefined {
    return typeof type === "string" ? this.byName.get(type) : undefined;
  }

  /** Blocks by category (in the server's order), those matching `search` only. */
  categories(search = ""): [string, BlockInfo[]][] {
    const words = search.toLowerCase().split(/\s+/).filter(Boolean);
    const groups = new Map<string, BlockInfo[]>();
    for (const block of this.blocks) {
      const text = `${block.type} ${block.aliases.join(" ")} ${block.description} ${block.category}`.toLowerCase();
      if (words.every((word) => text.includes(word))) groups.set(block.category, [...(groups.get(block.category) ?? []), block]);
    }
    return [...groups];
  }

  private parameterKinds(entry: Entry): string[] {
    const kinds = Array.isArray(entry.kind) ? entry.kind : [];
    const names = kinds.map((k) => String(k && typeof k === "object" ? (k as { name?: unknown }).name : k));
    return names.length ? names.map((name) => (this.known.has(name) ? name : WILDCARD)) : [WILDCARD];
  }

  /** The kinds a node's handle gives. */
  sourceKinds(definition: Definition, node: string, handle: string): string[] {
    const entry = findEntry(definition, node);
    const [kind] = splitId(node);
    if (!entry || kind === "output") return [];
    if (kind === "input") return IMAGE_INPUTS.has(String(entry.type)) ? ["image"] : this.parameterKinds(entry);
    if (handle === WILDCARD || handle === STEP_HANDLE) return [WILDCARD];
    return this.block(entry.type)?.output_kinds.find((o) => o.name === handle)?.kinds ?? [WILDCARD];
  }

  /** What a node's field takes; `null` when it takes no selector. */
  targetKinds(definition: Definition, node: string, field: string): FieldKinds | null {
    const [kind] = splitId(node);
    if (kind === "output") return field === OUTPUT_FIELD ? { kinds: [WILDCARD], steps: false } : null;
    if (kind === "input") return null;
    const entry = findEntry(definition, node);
    const block = this.block(entry?.type);
    if (!block) return { kinds: [WILDCARD], steps: false };  // an unknown block: the compiler says what is wrong
    const found = block.inputs.find((input) => input.name === field);
    return found ? { kinds: found.kinds, steps: found.steps } : null;
  }

  /** Whether `source`'s `handle` may feed `target`'s `field` (no loops onto itself, kinds compatible). */
  canConnect(definition: Definition, source: string, handle: string, target: string, field: string): boolean {
    if (source === target) return false;
    const accepts = this.targetKinds(definition, target, field);
    if (!accepts) return false;
    if (accepts.steps) return handle === STEP_HANDLE && splitId(source)[0] === "step";
    if (handle === STEP_HANDLE) return false;
    return compatible(accepts.kinds, this.sourceKinds(definition, source, handle), this.rules);
  }

  /** The handles a node gives: an input's value, a step's outputs (and any other output a selector names). */
  sourceHandles(definition: Definition, node: string, referenced: string[] = []): string[] {
    const [kind] = splitId(node);
    if (kind === "output") return [];
    if (kind === "input") return [INPUT_HANDLE];
    const outputs = this.block(findEntry(definition, node)?.type)?.output_kinds.map((o) => o.name) ?? [];
    return [...new Set([...outputs, ...referenced])];
  }

  /** The fields a node takes selectors in (and any other field a selector sits in). */
  targetHandles(definition: Definition, node: string, referenced: string[] = []): string[] {
    const [kind] = splitId(node);
    if (kind === "input") return [];
    if (kind === "output") return [OUTPUT_FIELD];
    const fields = this.block(findEntry(definition, node)?.type)?.inputs.map((input) => input.name) ?? [];
    return [...new Set([...fields, ...referenced])];
  }

  /** Selectors of every input and step output (other than `target`'s own) that `target`'s `field` accepts. */
  compatibleSources(definition: Definition, target: string, field: string): string[] {
    const found: string[] = [];
    const kinds: [NodeKind, Entry[]][] = [["input", definition.inputs], ["step", definition.steps]];
    for (const [kind, entries] of kinds) {
      for (const entry of entries) {
        const id = `${kind}:${entry.name}`;
        const handles = kind === "input" ? [INPUT_HANDLE] : [...this.sourceHandles(definition, id), STEP_HANDLE];
        for (const handle of handles) {
          if (this.canConnect(definition, id, handle, target, field)) found.push(selectorOf(id, handle));
        }
      }
    }
    return found;
  }
}
