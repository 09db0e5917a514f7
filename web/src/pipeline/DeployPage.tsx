import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { DragEvent, useState } from "react";
import { useSearchParams } from "react-router";
import { useDebounced } from "../debounced";
import { keys } from "../queries";
import { infer, InferenceAnswer, pipelineApi } from "./api";
import { ProjectNav } from "./ProjectNav";
import { StreamPanel } from "./StreamPanel";
import { cliSnippet, curlSnippet, modelReference, sdkSnippet } from "./snippets";
import { readBase64 } from "../files";

const RERUN_DELAY_MS = 250;

function Snippet({ title, code, testId }: { title: string; code: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    await navigator.clipboard?.writeText(code);
    setCopied(true);
    window.setTimeout(() => setCopied(false), 1500);
  }
  return (
    <div className="snippet">
      <div className="snippet-head">
        <strong>{title}</strong>
        <button className="link" onClick={copy} aria-label={`copy ${title}`}>{copied ? "Copied ✓" : "Copy"}</button>
      </div>
      <pre data-testid={testId}>{code}</pre>
    </div>
  );
}

function Result({ answer }: { answer: InferenceAnswer }) {
  return (
    <div className="result">
      {answer.visualization && (
        <img className="visualization" src={`data:image/jpeg;base64,${answer.visualization}`} alt="predictions drawn on the image" />
      )}
      <div>
        <p className="muted small">
          {answer.predictions.length} objects · {answer.image.width}×{answer.image.height} · {(answer.time * 1000).toFixed(0)} ms
        </p>
        <table className="table" data-testid="predictions">
          <thead><tr><th>Class</th><th>Confidence</th><th>Box (x, y, w, h)</th><th>Points</th></tr></thead>
          <tbody>
            {answer.predictions.map((p) => (
              <tr key={p.detection_id} className="prediction">
                <td>{p.class}</td>
                <td className="number">{p.confidence.toFixed(3)}</td>
                <td className="number">{[p.x, p.y, p.width, p.height].map((v) => v.toFixed(0)).join(", ")}</td>
                <td className="number">{p.points?.length ?? 0}</td>
              </tr>
            ))}
            {!answer.predictions.length && (
              <tr><td colSpan={4} className="muted">No object above this confidence.</td></tr>
            )}
          </tbody>
        </table>
        <details>
          <summary>Raw JSON</summary>
          <pre className="log" data-testid="raw-json">{JSON.stringify({ ...answer, visualization: answer.visualization ? "…" : undefined }, null, 2)}</pre>
        </details>
      </div>
    </div>
  );
}

/** Try a trained model on an image, as a client would call it, and copy the code that does the same. */
export function DeployPage({ name }: { name: string }) {
  const [params] = useSearchParams();
  const [chosen, setModelId] = useState<number | null>(null);
  const [confidence, setConfidence] = useState(0.4);
  /** The image to try, numbered so that two files of one name are two images. */
  const [image, setImage] = useState<{ name: string; base64: string; number: number } | null>(null);

  const list = useQuery({ queryKey: keys.projectModels(name), queryFn: () => pipelineApi.models(name) });
  const models = list.data ?? [];
  // the model the URL names (`?model=3`, from the Train page), else the newest
  const wanted = Number(params.get("model"));
  const modelId = chosen ?? models.find((m) => m.id === wanted)?.id ?? models[models.length - 1]?.id ?? null;

  const model = models.find((m) => m.id === modelId);
  const reference = model ? modelReference(model, models) : "";

  // run again whenever the model, the image or the confidence changes (the slider: once it rests); the last answer
  // stays on screen meanwhile, and an answer already seen (the slider moved back) comes from the cache
  const settled = useDebounced(confidence, RERUN_DELAY_MS);
  const inference = useQuery({
    queryKey: ["inference", reference, image?.number, settled],
    queryFn: () => infer(reference, image!.base64, settled),
    enabled: image !== null && reference !== "",
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
  const answer = inference.data;

  async function choose(files: File[]) {
    const file = files[0];
    if (file) setImage({ name: file.name, base64: await readBase64(file), number: (image?.number ?? 0) + 1 });
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    choose(Array.from(event.dataTransfer.files));
  }

  const origin = window.location.origin;
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Deploy</h2>
      {!models.length && <p className="muted">No trained model yet: train one first.</p>}
      {model && (
        <div className="deploy">
          <div className="card">
            <div className="row">
              <label>Model
                <select aria-label="model" value={modelId ?? ""} onChange={(e) => setModelId(Number(e.target.value))}>
                  {[...models].reverse().map((m) => (
                    <option key={m.id} value={m.id}>#{m.id} · {m.version} · {m.architecture}</option>
                  ))}
                </select>
              </label>
              <label className="grow">Confidence {confidence.toFixed(2)}
                <input type="range" min={0} max={1} step={0.01} aria-label="confidence" value={confidence}
                  onChange={(e) => setConfidence(Number(e.target.value))} />
              </label>
            </div>
            <label className="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
              {image ? `${image.name} — drop another image to try it` : "Drop an image here to try the model, or"}
              <input type="file" accept="image/*" aria-label="test image" onChange={(e) => choose(Array.from(e.target.files ?? []))} />
            </label>
            {inference.isFetching && <p className="muted" role="status">Running the model… (its first use exports it to ONNX)</p>}
            {(inference.error ?? list.error) && <p className="error" role="alert">{(inference.error ?? list.error)?.message}</p>}
            {answer && <Result answer={answer} />}
            <StreamPanel project={name} reference={reference} confidence={confidence} />
          </div>
          <aside className="card">
            <h3>Use it from your code</h3>
            <p className="muted small">
              This server answers Roboflow's inference API: model id <code data-testid="model-id">{reference}</code>.
            </p>
            <Snippet title="Python (inference-sdk)" code={sdkSnippet(origin, reference, confidence)} testId="snippet-sdk" />
            <Snippet title="curl" code={curlSnippet(origin, reference, confidence)} testId="snippet-curl" />
            <Snippet title="seglab CLI" code={cliSnippet(reference, confidence)} testId="snippet-cli" />
          </aside>
        </div>
      )}
    </section>
  );
}
