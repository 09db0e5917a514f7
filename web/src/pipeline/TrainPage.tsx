import { FormEvent, useCallback, useEffect, useState } from "react";
import { navigate } from "../App";
import { Job, ModelDetails, pipelineApi, TrainRequest, Version } from "./api";
import { JobProgress } from "./JobProgress";
import { TrainingCharts } from "./LineChart";
import { ModelPanel } from "./ModelPanel";
import { ProjectNav } from "./ProjectNav";
import { useJob } from "./useJob";

const DEFAULTS: TrainRequest = {
  model: "rfdetr-seg-nano", epochs: 10, batch_size: 4, lr: 1e-4, resolution: null, device: "cpu", from_scratch: false,
};

const score = (model: ModelDetails, key: string) => {
  const value = model.metrics.final?.[key];
  return value === undefined ? "—" : value.toFixed(3);
};

function TrainForm({ versions, architectures, start, busy }: {
  versions: Version[]; architectures: string[]; start: (versionId: number, request: TrainRequest) => void; busy: boolean;
}) {
  const wanted = Number(new URLSearchParams(window.location.search).get("version"));
  const [versionId, setVersionId] = useState<number | null>(null);
  const [request, setRequest] = useState<TrainRequest>(DEFAULTS);
  const chosen = versionId ?? (versions.find((v) => v.id === wanted) ?? versions[versions.length - 1])?.id ?? null;
  const set = <K extends keyof TrainRequest>(key: K, value: TrainRequest[K]) => setRequest({ ...request, [key]: value });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen !== null) start(chosen, request);
  }

  if (!versions.length) return <p className="muted">Generate a version first: models train on versions.</p>;
  return (
    <form className="card train-form" onSubmit={submit}>
      <label>Version
        <select aria-label="version" value={chosen ?? ""} onChange={(e) => setVersionId(Number(e.target.value))}>
          {[...versions].reverse().map((v) => (
            <option key={v.id} value={v.id}>
              v{v.number} · {v.statistics.images} images ({Object.entries(v.statistics.images_per_split).map(([s, n]) => `${s} ${n}`).join(", ")})
            </option>
          ))}
        </select>
      </label>
      <label>Model size
        <select aria-label="model size" value={request.model} onChange={(e) => set("model", e.target.value)}>
          {architectures.map((a) => <option key={a} value={a}>{a}</option>)}
        </select>
      </label>
      <label>Epochs
        <input type="number" min={1} aria-label="epochs" value={request.epochs} onChange={(e) => set("epochs", Number(e.target.value))} />
      </label>
      <label>Batch size
        <input type="number" min={1} aria-label="batch size" value={request.batch_size} onChange={(e) => set("batch_size", Number(e.target.value))} />
      </label>
      <label>Learning rate
        <input type="number" min={0} step="any" aria-label="learning rate" value={request.lr} onChange={(e) => set("lr", Number(e.target.value))} />
      </label>
      <label>Resolution
        <input type="number" min={1} aria-label="resolution" placeholder="model default" value={request.resolution ?? ""}
          onChange={(e) => set("resolution", e.target.value ? Number(e.target.value) : null)} />
      </label>
      <label>Device
        <select aria-label="device" value={request.device} onChange={(e) => set("device", e.target.value)}>
          <option value="cpu">CPU</option>
          <option value="cuda">GPU (CUDA)</option>
        </select>
      </label>
      <label className="switch wide">
        <input type="checkbox" aria-label="from scratch" checked={request.from_scratch} onChange={(e) => set("from_scratch", e.target.checked)} />
        Start from random weights (no pretrained checkpoint is downloaded; needs far more epochs)
      </label>
      <button type="submit" className="primary" disabled={busy || chosen === null}>Start training</button>
    </form>
  );
}

function ModelTable({ models, selected, select }: { models: ModelDetails[]; selected: number | null; select: (id: number) => void }) {
  if (!models.length) return <p className="muted">No trained model yet.</p>;
  return (
    <table className="table" data-testid="models">
      <thead>
        <tr><th>Model</th><th>Version</th><th>Architecture</th><th>Epochs</th><th>mask mAP50-95</th><th>box mAP50-95</th><th>Trained</th><th /></tr>
      </thead>
      <tbody>
        {[...models].reverse().map((m) => (
          <tr key={m.id} className={m.id === selected ? "selected" : ""}>
            <td><strong>#{m.id}</strong></td>
            <td>{m.version}</td>
            <td>{m.architecture}</td>
            <td className="number">{m.metrics.epochs?.length ?? "—"}</td>
            <td className="number">{score(m, "val/segm_mAP_50_95")}</td>
            <td className="number">{score(m, "val/mAP_50_95")}</td>
            <td>{new Date(m.created_at).toLocaleString()}</td>
            <td className="actions">
              <button onClick={() => select(m.id)}>Details & evaluation</button>
              <a href={`/projects/${encodeURIComponent(m.project)}/deploy?model=${m.id}`}
                onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(m.project)}/deploy?model=${m.id}`); }}>
                Deploy →
              </a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Train RF-DETR-Seg on a version and follow it live (progress, loss and mAP per epoch); trained models and their
 * evaluations. */
export function TrainPage({ name }: { name: string }) {
  const [versions, setVersions] = useState<Version[]>([]);
  const [architectures, setArchitectures] = useState<string[]>([DEFAULTS.model]);
  const [models, setModels] = useState<ModelDetails[]>([]);
  const [selected, setSelected] = useState<number | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const [list, sizes, trained, runs] = await Promise.all([
      pipelineApi.versions(name), pipelineApi.architectures(), pipelineApi.models(name), pipelineApi.trainingJobs(),
    ]);
    setVersions(list);
    setArchitectures(sizes);
    setModels(trained);
    // coming back to the page while a run is on: follow it again
    const active = runs.find((j) => String(j.params.version).startsWith(`${name}/`) && ["queued", "running"].includes(j.status));
    if (active) setJobId((current) => current ?? active.id);
  }, [name]);
  useEffect(() => { load().catch((e) => setError(e.message)); }, [load]);

  const job = useJob(jobId, (finished: Job) => {
    load().catch((e) => setError(e.message));
    if (finished.status === "succeeded") setSelected(Number(finished.result?.model_id));
  });

  async function start(versionId: number, request: TrainRequest) {
    setError("");
    try {
      setJobId((await pipelineApi.train(versionId, request)).id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const busy = job !== null && (job.status === "queued" || job.status === "running");
  const model = models.find((m) => m.id === selected);
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Train a model</h2>
      <TrainForm versions={versions} architectures={architectures} start={start} busy={busy} />
      {error && <p className="error" role="alert">{error}</p>}
      {job && (
        <section className="card" data-testid="training-run">
          <JobProgress job={job} label={`Training on ${String(job.params.version)}`} />
          <TrainingCharts rows={job.progress.epochs ?? []} />
          <details>
            <summary>Log</summary>
            <pre className="log">{job.log}</pre>
          </details>
        </section>
      )}
      <h2>Trained models</h2>
      <ModelTable models={models} selected={selected} select={setSelected} />
      {model && <ModelPanel model={model} />}
    </section>
  );
}
