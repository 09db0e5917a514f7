import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useWorkspaceCan } from "../access";
import { ApiError, BlockProblem, SavedWorkflow, workflowsApi } from "../api";
import { useDebounced } from "../debounced";
import { keys } from "../queries";
import { AgentPanel } from "./AgentPanel";
import { readBase64 } from "../files";

const EXAMPLE = {
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

type Image = { type: "base64"; value: string };

function isImage(value: unknown): value is Image {
  return typeof value === "object" && value !== null && (value as Image).type === "base64" && typeof (value as Image).value === "string";
}

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

/** Saved workflows, a JSON editor checked as you type (errors per step), save, and a run on an image. */
export function Workflows() {
  const client = useQueryClient();
  const can = useWorkspaceCan();
  const [name, setName] = useState("my-workflow");
  const [text, setText] = useState(JSON.stringify(EXAMPLE, null, 2));
  const [file, setFile] = useState<File | null>(null);
  const [running, setRunning] = useState(false);
  const [message, setMessage] = useState("");
  const [result, setResult] = useState<{ images: { path: string; src: string }[]; json: unknown } | null>(null);

  const list = useQuery({ queryKey: keys.workflows, queryFn: workflowsApi.list });
  const saved = list.data ?? [];
  const refresh = () => client.invalidateQueries({ queryKey: keys.workflows });

  const parsed = useMemo(() => {
    try { return { definition: JSON.parse(text) as unknown, error: "" }; } catch (e) { return { definition: null, error: (e as Error).message }; }
  }, [text]);

  // checked once the typing pauses; the last answer stays until the next one comes
  const typed = useDebounced(parsed, 300);
  const validation = useQuery({
    queryKey: keys.workflowCheck(typed.definition),
    queryFn: () => workflowsApi.validate(typed.definition),
    enabled: !typed.error,
    placeholderData: keepPreviousData,
  });
  const check = parsed.error ? null : validation.data ?? null;

  async function open(item: SavedWorkflow) {
    setName(item.name);
    setText(JSON.stringify(item.specification, null, 2));
    setResult(null);
  }

  async function save(definition: unknown = parsed.definition) {
    try {
      await workflowsApi.save(name.trim(), definition);
      setMessage(`saved ${name.trim()}`);
      refresh();
    } catch (e) { setMessage((e as Error).message); }
  }

  async function remove(item: SavedWorkflow) {
    await workflowsApi.remove(item.name).catch((e) => setMessage(e.message));
    refresh();
  }

  async function run(definition: unknown = parsed.definition) {
    if (!file || !definition) return;
    setRunning(true); setMessage(""); setResult(null);
    try {
      const inputs = (definition as { inputs?: { type: string; name: string }[] }).inputs;
      const imageInput = inputs?.find((i) => i.type === "WorkflowImage" || i.type === "InferenceImage")?.name ?? "image";
      const answer = await workflowsApi.run(definition, { [imageInput]: { type: "base64", value: await readBase64(file) } });
      const images: { path: string; src: string }[] = [];
      const json = splitImages(answer.outputs, "", images);
      setResult({ images, json });
      setMessage("done");
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  }

  const problems = check && !check.valid ? check.blocks_errors ?? [] : [];
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
                {can("workflow.manage") && <button aria-label={`delete ${item.name}`} onClick={() => remove(item)}>✕</button>}
              </li>
            ))}
          </ul>
          {!saved.length && <p className="muted">none yet</p>}
        </aside>
        <div>
          <div className="row">
            <input aria-label="workflow name" value={name} onChange={(e) => setName(e.target.value)} />
            {can("workflow.manage") && <button onClick={() => save()} disabled={!check?.valid || !name.trim()}>Save</button>}
          </div>
          <textarea aria-label="definition" spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} rows={24} />
          <div data-testid="validation" className={check?.valid ? "valid" : "error"}>
            {parsed.error && <p>JSON: {parsed.error}</p>}
            {check?.valid && <p>valid: {check.steps?.length} steps</p>}
            {check && !check.valid && <p>{check.error_type}: {check.message}</p>}
            {problems.length > 0 && <ul>{problems.map((p, i) => <li key={i}>{describe(p)}</li>)}</ul>}
          </div>
          <div className="row">
            <input aria-label="image to run on" type="file" accept="image/*" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
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
        </div>
        {can("workflow.manage") && (
          <AgentPanel
            workflow={name.trim() || "untitled"}
            canRun={!!file && !running && can("workflow.run")}
            onApply={(definition) => setText(JSON.stringify(definition, null, 2))}
            onSave={save}
            onRun={run}
          />
        )}
      </div>
    </section>
  );
}
