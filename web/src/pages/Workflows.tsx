import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useWorkspaceCan } from "../access";
import { AgentMessage, ApiError, BlockProblem, SavedWorkflow, api, workflowsApi } from "../api";
import { Canvas, Change, Dropped, NodeView } from "../builder/Canvas";
import { Catalogue } from "../builder/catalogue";
import {
  Definition, GraphEdge, addEntry, baseName, connect, duplicateNode, emptyDefinition, isDefinition, nodeId, removeEdges,
  removeNodes, renameNode, splitId, toGraph, uniqueName,
} from "../builder/graph";
import { isImage, runSummary, splitOutputs, summary, withStepOutputs } from "../builder/inspect";
import { Positions, layout } from "../builder/layout";
import { NodeSettings, problemField } from "../builder/NodeSettings";
import { Palette } from "../builder/Palette";
import { ProjectImage } from "../builder/ProjectImage";
import { UseIt } from "../builder/UseIt";
import { useDebounced } from "../debounced";
import { keys } from "../queries";
import { AgentPanel } from "./AgentPanel";
import { readBase64 } from "../files";

const EXAMPLE: Definition = {
  version: "1.0",
  inputs: [{ type: "WorkflowImage", name: "image" }],
  steps: [
    { type: "roboflow_core/segment_anything@v1", name: "sam", images: "$inputs.image", version: "grabcut" },
    { type: "roboflow_core/property_definition@v1", name: "count", data: "$steps.sam.predictions", operations: [{ type: "SequenceLength" }] },
    { type: "roboflow_core/mask_visualization@v1", name: "drawn", image: "$inputs.image", predictions: "$steps.sam.predictions" },
  ],
  outputs: [
    { type: "JsonField", name: "count", selector: "$steps.count.output" },
    { type: "JsonField", name: "drawn", selector: "$steps.drawn.image" },
  ],
};

/** Every output image with where it sits (`drawn`, `crops[0]`), and the JSON with images shortened. */
function splitImages(value: unknown, path: string, found: { path: string; src: string }[]): unknown {
  if (isImage(value)) {
    found.push({ path, src: `data:image/jpeg;base64,${value.value}` });
    return `<image ${path}>`;
  }
  if (Array.isArray(value)) return value.map((item, index) => splitImages(item, `${path}[${index}]`, found));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, splitImages(item, path ? `${path}.${key}` : key, found)]));
  }
  return value;
}

function describe(problem: BlockProblem): string {
  const where = problem.property_name ? `${problem.block_id}.${problem.property_name}` : problem.block_id;
  return `${where}: ${problem.property_details ?? problem.block_details ?? "invalid"}`;
}

/** The agent's steps as highlights: what it added and changed. */
function changesOf(message: AgentMessage): Record<string, Change> {
  const changed = (message.steps ?? []).filter((s) => s.change !== "unchanged").map((s) => [s.name, s.change as Change]);
  return Object.fromEntries([...changed, ...(message.removed ?? []).map((name) => [name, "removed"])]);
}

type Preview = { definition: Definition; changes: Record<string, Change>; removed: string[] };
type Outputs = Record<string, Record<string, unknown>>;

const TYPING_PAUSE_MS = 1000;

/** Saved workflows; a graph editor (palette, canvas, settings per block) and the JSON, each showing the other's
 * changes; errors per step and field as you edit; save; a run on an image with every step's outputs; the agent. */
export function Workflows() {
  const client = useQueryClient();
  const can = useWorkspaceCan();
  const [name, setName] = useState("my-workflow");
  const [text, setText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [past, setPast] = useState<string[]>([]);
  const [future, setFuture] = useState<string[]>([]);
  const typedAt = useRef(0);
  const [positions, setPositions] = useState<Positions>({});
  const [layoutVersion, setLayoutVersion] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [changes, setChanges] = useState<Record<string, Change>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [edited, setEdited] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState("");
  const [result, setResult] = useState<{ images: { path: string; src: string }[]; json: unknown; first: Record<string, unknown> } | null>(null);
  const [stepOutputs, setStepOutputs] = useState<Outputs | null>(null);
  const [ranOn, setRanOn] = useState<File | null>(null);

  const list = useQuery({ queryKey: keys.workflows, queryFn: workflowsApi.list });
  const blocks = useQuery({ queryKey: keys.workflowBlocks, queryFn: workflowsApi.blocks, staleTime: Infinity });
  const kinds = useQuery({ queryKey: keys.workflowKinds, queryFn: workflowsApi.kinds, staleTime: Infinity });
  const models = useQuery({ queryKey: keys.allModels, queryFn: api.models });
  const catalogue = useMemo(
    () => (blocks.data && kinds.data ? new Catalogue(blocks.data, kinds.data) : null), [blocks.data, kinds.data],
  );
  const saved = list.data ?? [];
  const refresh = () => client.invalidateQueries({ queryKey: keys.workflows });

  const parsed = useMemo(() => {
    try { return { definition: JSON.parse(text) as unknown, error: "" }; } catch (e) { return { definition: null, error: (e as Error).message }; }
  }, [text]);
  const lastGood = useRef<Definition>(EXAMPLE);
  if (isDefinition(parsed.definition)) lastGood.current = parsed.definition;
  const current = lastGood.current;
  // a preview shows the agent's definition with the steps it removes still there, marked
  const previewed = useMemo(() => preview && {
    ...preview.definition,
    steps: [...preview.definition.steps, ...current.steps.filter((s) => preview.removed.includes(s.name))],
  }, [preview, current]);
  const shown = previewed ?? current;
  const graph = useMemo(() => toGraph(shown), [shown]);

  // checked once the typing pauses; the last answer stays until the next one comes
  const typed = useDebounced(parsed, 300);
  const validation = useQuery({
    queryKey: keys.workflowCheck(typed.definition),
    queryFn: () => workflowsApi.validate(typed.definition),
    enabled: !typed.error,
    placeholderData: keepPreviousData,
  });
  const check = parsed.error ? null : validation.data ?? null;
  const problems = check && !check.valid ? check.blocks_errors ?? [] : [];

  // -- layout: every node needs a place; a definition with new nodes (opened, typed, planned) is laid out again --
  // (once the blocks are known: a node's size depends on its block's fields)
  const handles = useCallback((id: string) => (
    catalogue ? catalogue.sourceHandles(shown, id).length + catalogue.targetHandles(shown, id).length : 0
  ), [catalogue, shown]);
  const missing = graph.nodes.some((node) => !positions[node.id]);
  const placed = useMemo(
    () => (missing && !preview && catalogue ? layout(graph, handles) : positions), [missing, preview, catalogue, graph, handles, positions],
  );
  const previewPlaced = useMemo(() => (preview && catalogue ? layout(graph, handles) : null), [preview, catalogue, graph, handles]);
  useEffect(() => {
    if (placed !== positions) {
      setPositions(placed);
      setLayoutVersion((v) => v + 1);
    }
  }, [placed, positions]);
  useEffect(() => { if (preview) setLayoutVersion((v) => v + 1); }, [preview]);

  // -- edits: each replaces the text (the one source of truth) and can be undone ------------------------------------
  function remember(before: string) {
    setPast((p) => [...p.slice(-99), before]);
    setFuture([]);
  }

  function commit(next: Definition) {
    remember(text);
    setText(JSON.stringify(next, null, 2));
    setEdited(true);
    setChanges({});
  }

  function type(value: string) {
    if (Date.now() - typedAt.current > TYPING_PAUSE_MS) remember(text);
    typedAt.current = Date.now();
    setText(value);
    setEdited(true);
    setChanges({});
  }

  function undo() {
    if (!past.length) return;
    setFuture((f) => [text, ...f]);
    setText(past[past.length - 1]);
    setPast((p) => p.slice(0, -1));
  }

  function redo() {
    if (!future.length) return;
    setPast((p) => [...p, text]);
    setText(future[0]);
    setFuture((f) => f.slice(1));
  }

  function relayout() {
    setPositions({});
  }

  function drop(dropped: Dropped, position: { x: number; y: number }) {
    const base = dropped.kind === "step" ? baseName(dropped.type) : dropped.kind === "output" ? "output"
      : dropped.type === "WorkflowImage" ? "image" : "parameter";
    const nodeName = uniqueName(current, dropped.kind, base);
    const id = nodeId(dropped.kind, nodeName);
    setPositions((p) => ({ ...p, [id]: position }));
    commit(addEntry(current, dropped.kind, { type: dropped.type, name: nodeName }));
    setSelected(id);
  }

  function add(dropped: Dropped) {
    const right = Math.max(0, ...Object.values(positions).map((p) => p.x)) + 260;
    drop(dropped, { x: right, y: 40 });
  }

  function wire(source: string, handle: string, target: string, field: string) {
    let next = connect(current, source, handle, target, field);
    const [kind, targetName] = splitId(target);
    if (kind === "output" && /^output(_\d+)?$/.test(targetName)) {  // an output is named after what it shows
      const fresh = uniqueName(next, "output", handle === "value" ? splitId(source)[1] : handle);
      next = renameNode(next, target, fresh);
      const moved = nodeId("output", fresh);
      setPositions((p) => ({ ...p, [moved]: p[target] }));
      if (selected === target) setSelected(moved);
    }
    commit(next);
  }

  function remove(nodes: string[], edges: GraphEdge[]) {
    if (!nodes.length && !edges.length) return;
    commit(removeNodes(removeEdges(current, edges), nodes));
    if (selected && nodes.includes(selected)) setSelected(null);
  }

  function duplicate() {
    if (!selected) return;
    const copy = duplicateNode(current, selected);
    const at = positions[selected] ?? { x: 0, y: 0 };
    setPositions((p) => ({ ...p, [copy.id]: { x: at.x + 30, y: at.y + 40 } }));
    commit(copy.definition);
    setSelected(copy.id);
  }

  function settingsChanged(next: Definition, renamed?: string) {
    if (renamed && selected) {
      setPositions((p) => ({ ...p, [renamed]: p[selected] }));
      setSelected(renamed);
    }
    commit(next);
  }

  function keyDown(event: KeyboardEvent) {
    const target = event.target as HTMLElement;
    if (!(event.ctrlKey || event.metaKey) || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
    const key = event.key.toLowerCase();
    if (key === "z" && !event.shiftKey) { event.preventDefault(); undo(); }
    if ((key === "z" && event.shiftKey) || key === "y") { event.preventDefault(); redo(); }
    if (key === "d") { event.preventDefault(); duplicate(); }
  }

  // -- saved workflows, runs ----------------------------------------------------------------------------------------
  async function open(item: SavedWorkflow) {
    setName(item.name);
    setText(JSON.stringify(item.specification, null, 2));
    setPast([]); setFuture([]); relayout();
    setSelected(null); setChanges({}); setPreview(null); setEdited(false);
    setResult(null); setStepOutputs(null);
  }

  function startEmpty() {
    commit(emptyDefinition());
    relayout();
    setSelected(null); setResult(null); setStepOutputs(null);
  }

  async function save(definition: unknown = parsed.definition) {
    try {
      await workflowsApi.save(name.trim(), definition);
      setMessage(`saved ${name.trim()}`);
      refresh();
    } catch (e) { setMessage((e as Error).message); }
  }

  async function remove_(item: SavedWorkflow) {
    await workflowsApi.remove(item.name).catch((e) => setMessage(e.message));
    refresh();
  }

  async function run(definition: unknown = parsed.definition) {
    if (!file || !isDefinition(definition)) return;
    setRunning(true); setMessage(""); setResult(null); setStepOutputs(null);
    try {
      const imageInput = definition.inputs.find((i) => i.type === "WorkflowImage" || i.type === "InferenceImage")?.name ?? "image";
      const answer = await workflowsApi.run(withStepOutputs(definition), { [imageInput]: { type: "base64", value: await readBase64(file) } });
      const split = answer.outputs.map((outputs) => splitOutputs(outputs));
      const images: { path: string; src: string }[] = [];
      const json = splitImages(split.map((s) => s.outputs), "", images);
      setResult({ images, json, first: split[0]?.outputs ?? {} });
      setStepOutputs(split[0]?.steps ?? {});
      setRanOn(file);
      setMessage("done");
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  }

  // -- what each node shows: its errors, the agent's highlight, what the last run gave ------------------------------
  const views = useMemo(() => {
    const found: Record<string, Omit<NodeView, "kind" | "name" | "sources" | "targets" | "title">> = {};
    const highlight = preview?.changes ?? changes;
    for (const node of graph.nodes) {
      const mine = preview ? [] : problems.filter((p) => p.block_id === node.name);
      const fieldErrors: Record<string, string> = {};
      for (const p of mine) if (problemField(p) && problemField(p) !== "type") fieldErrors[problemField(p)] = p.property_details ?? "invalid";
      const errors = mine.filter((p) => !problemField(p) || problemField(p) === "type").map((p) => p.block_details ?? p.property_details ?? "invalid");
      const outputs = node.kind === "step" ? stepOutputs?.[node.name] : node.kind === "output" && result ? { [node.name]: result.first[node.name] } : undefined;
      const images: { key: string; src: string }[] = [];
      const lines: string[] = [];
      for (const [key, value] of Object.entries(outputs ?? {})) {
        if (isImage(value)) images.push({ key, src: `data:image/jpeg;base64,${value.value}` });
        else lines.push(`${key}: ${summary(value)}`);
      }
      found[node.id] = { fieldErrors, errors, change: node.kind === "step" ? highlight[node.name] : undefined, images, lines };
    }
    return found;
  }, [graph, problems, preview, changes, stepOutputs, result]);

  const savedNames = new Set(saved.map((item) => item.name));
  return (
    <section className="workflows">
      <h1>Workflows</h1>
      <div className="workflow-layout">
        <aside>
          <h2>Saved</h2>
          <ul data-testid="saved-workflows">
            {saved.map((item) => (
              <li key={item.id}>
                <button onClick={() => open(item)}>{item.name}</button>
                {can("workflow.manage") && <button aria-label={`delete ${item.name}`} onClick={() => remove_(item)}>✕</button>}
              </li>
            ))}
          </ul>
          {!saved.length && <p className="muted">none yet</p>}
          {catalogue && <Palette catalogue={catalogue} onAdd={add} />}
        </aside>
        <div className="builder-main" onKeyDown={keyDown}>
          <div className="row">
            <input aria-label="workflow name" value={name} onChange={(e) => setName(e.target.value)} />
            {can("workflow.manage") && <button onClick={() => save()} disabled={!check?.valid || !name.trim()}>Save</button>}
            <button onClick={startEmpty} title="an empty canvas">New</button>
            <button onClick={undo} disabled={!past.length} title="Ctrl+Z">Undo</button>
            <button onClick={redo} disabled={!future.length} title="Ctrl+Shift+Z">Redo</button>
            <button onClick={() => { relayout(); }}>Auto layout</button>
            <button onClick={duplicate} disabled={!selected || !!preview} title="Ctrl+D">Duplicate node</button>
            <button onClick={() => selected && remove([selected], [])} disabled={!selected || !!preview} title="Delete">Delete node</button>
          </div>
          {preview && (
            <div className="builder-preview" data-testid="agent-preview">
              The agent's edit: <span className="added">new</span>, <span className="changed">changed</span> and{" "}
              <span className="removed">removed</span> steps highlighted
              {preview.removed.length > 0 && <>; removed {preview.removed.join(", ")}</>}
              <button onClick={() => { commit(preview.definition); setChanges(preview.changes); setPositions(previewPlaced ?? {}); setPreview(null); }}>Apply the edit</button>
              <button onClick={() => setPreview(null)}>Discard</button>
            </div>
          )}
          {catalogue ? (
            <ReactFlowProvider>
              <Canvas definition={shown} graph={graph} catalogue={catalogue} positions={previewPlaced ?? placed} views={views}
                selected={selected} layoutVersion={layoutVersion} readOnly={!!preview}
                onSelect={setSelected} onMove={(id, at) => setPositions((p) => ({ ...p, [id]: at }))}
                onConnect={wire} onDelete={remove} onDrop={drop} />
            </ReactFlowProvider>
          ) : <div className="builder-canvas muted">{(blocks.error ?? kinds.error)?.message ?? "loading blocks…"}</div>}
          <div data-testid="validation" className={check?.valid ? "valid" : "error"}>
            {parsed.error && <p>JSON: {parsed.error}</p>}
            {check?.valid && <p>valid: {check.steps?.length} steps</p>}
            {check?.valid && (check.warnings ?? []).length > 0 && (
              <ul className="warning" data-testid="validation-warnings">{check.warnings!.map((w, i) => <li key={i}>{w}</li>)}</ul>
            )}
            {check && !check.valid && <p>{check.error_type}: {check.message}</p>}
            {problems.length > 0 && <ul>{problems.map((p, i) => <li key={i}>{describe(p)}</li>)}</ul>}
          </div>
          <div className="row">
            <input aria-label="image to run on" type="file" accept="image/*" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
            <ProjectImage onPick={setFile} />
            {file && <span className="muted" data-testid="run-image">on {file.name}</span>}
            {can("workflow.run") && <button onClick={() => run()} disabled={!file || !check?.valid || running}>{running ? "Running…" : "Run"}</button>}
          </div>
          {(message || list.error || validation.error) && (
            <p data-testid="workflow-message">{message || (list.error ?? validation.error)?.message}</p>
          )}
          {result && (
            <div data-testid="workflow-result">
              <div className="output-images">
                {result.images.map((image) => (
                  <figure key={image.path}><img src={image.src} alt={`output ${image.path}`} /><figcaption>{image.path}</figcaption></figure>
                ))}
              </div>
              <pre data-testid="workflow-json">{JSON.stringify(result.json, null, 2)}</pre>
            </div>
          )}
          <h2>JSON</h2>
          <textarea aria-label="definition" spellCheck={false} value={text} onChange={(e) => type(e.target.value)} rows={20} />
          <UseIt name={name.trim()} definition={isDefinition(parsed.definition) ? parsed.definition : null} saved={savedNames.has(name.trim())} />
        </div>
        <div className="builder-side">
          {selected && catalogue && !preview && (
            <NodeSettings definition={current} id={selected} catalogue={catalogue} models={(models.data ?? []).filter((m) => m.version)}
              problems={problems.filter((p) => p.block_id === splitId(selected)[1])} stepOutputs={stepOutputs} image={ranOn}
              readOnly={!can("workflow.manage")} onChange={settingsChanged} />
          )}
          {can("workflow.manage") && (
            <AgentPanel
              workflow={name.trim() || "untitled"}
              edited={edited && isDefinition(parsed.definition) ? parsed.definition : undefined}
              lastRun={stepOutputs ? runSummary(stepOutputs) : undefined}
              canRun={!!file && !running && can("workflow.run")}
              onApply={(definition, answer) => {
                commit(definition as Definition); setChanges(changesOf(answer)); setPreview(null); relayout();
              }}
              onPreview={(definition, answer) => setPreview({ definition: definition as Definition, changes: changesOf(answer), removed: answer.removed ?? [] })}
              onShow={(step) => setSelected(nodeId("step", step))}
              onSave={save}
              onRun={run}
            />
          )}
        </div>
      </div>
    </section>
  );
}
