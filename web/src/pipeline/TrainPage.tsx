import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { isActive, keys, useJob } from "../queries";
import { TrainedModel } from "../api";
import { Job, ModelChoice, pipelineApi, TrainRequest, Version } from "./api";
import { Leaderboard } from "./Leaderboard";
import { JobProgress } from "./JobProgress";
import { TrainingCharts } from "./LineChart";
import { ModelPanel } from "./ModelPanel";
import { ProjectNav } from "./ProjectNav";
import { useCan } from "../access";
import { useStoredChoice } from "./storedChoice";

/** The form's choices: every option of the request the page offers (it picks no weights file, leaves the time
 * limit to SEGLAB_JOB_TIME_LIMITS, and trains on one device: several GPUs are the CLI's and the API's `devices`). */
type TrainChoice = Required<Omit<TrainRequest, "weights" | "time_limit_seconds" | "devices" | "strategy">>;

const DEFAULTS: TrainChoice = {
  model: "rfdetr-seg-nano", epochs: 10, batch_size: 4, lr: 1e-4, resolution: null, device: "cpu", from_scratch: false,
};

const FALLBACK_CHOICES: ModelChoice[] = [
  { name: DEFAULTS.model, family: "RF-DETR-Seg", license: "Apache-2.0", input_size: 312, coco_mask_map: 40.3 },
];

const score = (model: TrainedModel, key: string) => {
  const value = model.metrics.final?.[key];
  return value === undefined ? "—" : value.toFixed(3);
};

/** The model list grouped by family (RF-DETR-Seg, YOLO11-seg...), each with its licence, input size and the COCO mask
 * mAP its authors publish. */
function ModelOptions({ choices }: { choices: ModelChoice[] }) {
  const families = [...new Set(choices.map((c) => c.family))];
  return (
    <>
      {families.map((family) => (
        <optgroup key={family} label={family}>
          {choices.filter((c) => c.family === family).map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}{c.license ? ` · ${c.license}` : ""}{c.input_size ? ` · ${c.input_size}px` : ""}
              {c.coco_mask_map != null ? ` · COCO mask mAP ${c.coco_mask_map}` : ""}
            </option>
          ))}
        </optgroup>
      ))}
    </>
  );
}

function TrainForm({ project, versions, choices, start, busy }: {
  project: string; versions: Version[]; choices: ModelChoice[]; start: (versionId: number, request: TrainRequest) => void;
  busy: boolean;
}) {
  const wanted = Number(useSearchParams()[0].get("version"));
  const [versionId, setVersionId] = useState<number | null>(null);
  // the choices are kept per project (in this browser), so a finished run or a visit elsewhere leaves them as they were
  const [request, setRequest] = useStoredChoice(`seglab.train.${project}`, DEFAULTS);
  const chosen = versionId ?? (versions.find((v) => v.id === wanted) ?? versions[versions.length - 1])?.id ?? null;
  const set = <K extends keyof TrainChoice>(key: K, value: TrainChoice[K]) => setRequest({ ...request, [key]: value });

  function submit(event: FormEvent) {
    event.preventDefault();
    if (chosen !== null) start(chosen, request);
  }

  if (!versions.length) {
    return (
      <p className="muted">
        Models train on a version of the dataset:{" "}
        <Link to={`/projects/${encodeURIComponent(project)}/versions`}>generate a version first</Link>.
      </p>
    );
  }
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
      <label>Model
        <select aria-label="model size" value={request.model} onChange={(e) => set("model", e.target.value)}>
          <ModelOptions choices={choices} />
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
        <input type="number" min={1} aria-label="resolution" placeholder="model default" className="wide-number" value={request.resolution ?? ""}
          onChange={(e) => set("resolution", e.target.value ? Number(e.target.value) : null)} />
      </label>
      <label>Device
        <select aria-label="device" value={request.device} onChange={(e) => set("device", e.target.value)}>
          <option value="cpu">CPU</option>
          <option value="cuda">GPU (CUDA)</option>
        </select>
      </label>
      <label className="switch wide">
        <input type="checkbox" aria-label="start from random weights" checked={request.from_scratch} onChange={(e) => set("from_scratch", e.target.checked)} />
        Start from random weights (no pretrained checkpoint is downloaded; needs far more epochs)
      </label>
      {!request.from_scratch && choices.find((c) => c.name === request.model)?.pretrained_here === false && (
        <p className="muted small wrap wide" data-testid="weights-note">
          The pretrained {request.model} checkpoint is not on this server yet: training downloads it first, which needs
          internet access. Offline, tick “Start from random weights”, or put the checkpoint in the server's weights folder.
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || chosen === null}>Start training</button>
    </form>
  );
}

function ModelTable({ models, selected, select }: { models: TrainedModel[]; selected: number | null; select: (id: number) => void }) {
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
              <Link to={`/projects/${encodeURIComponent(m.project)}/deploy?model=${m.id}`}>Deploy →</Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Train RF-DETR-Seg or YOLO-seg on a version and follow it live (progress, loss and mAP per epoch); trained models and their
 * evaluations. */
export function TrainPage({ name }: { name: string }) {
  const client = useQueryClient();
  const [selected, setSelected] = useState<number | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);

  const versions = useQuery({ queryKey: keys.versions(name), queryFn: () => pipelineApi.versions(name) });
  const choices = useQuery({ queryKey: keys.modelChoices, queryFn: pipelineApi.modelChoices });
  const trained = useQuery({ queryKey: keys.projectModels(name), queryFn: () => pipelineApi.models(name) });
  const runs = useQuery({ queryKey: keys.trainingJobs, queryFn: pipelineApi.trainingJobs });
  const train = useMutation({
    mutationFn: ({ versionId, request }: { versionId: number; request: TrainRequest }) => pipelineApi.train(versionId, request),
    onSuccess: (queued) => setJobId(queued.id),
  });

  // coming back to the page while a run is on: follow it again
  const active = runs.data?.find((j) => String(j.params.version).startsWith(`${name}/`) && isActive(j));
  useEffect(() => { if (active) setJobId((current) => current ?? active.id); }, [active?.id]);
  const job = useJob(jobId, (finished: Job) => {
    client.invalidateQueries({ queryKey: keys.allModels });
    client.invalidateQueries({ queryKey: keys.trainingJobs });
    if (finished.status === "succeeded") setSelected(Number(finished.result?.model_id));
  });

  const start = (versionId: number, request: TrainRequest) => train.mutate({ versionId, request });
  const error = [versions.error, choices.error, trained.error, runs.error, train.error].find(Boolean)?.message;
  const busy = isActive(job);
  const models = trained.data ?? [];
  const model = models.find((m) => m.id === selected);
  const can = useCan(name);
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      {can("model.train") && (
        <>
          <h2>Train a model</h2>
          <TrainForm project={name} versions={versions.data ?? []} choices={choices.data ?? FALLBACK_CHOICES} start={start} busy={busy} />
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {job && (
        <section className="card" data-testid="training-run">
          <JobProgress job={job} label={`Training on ${String(job.params.version)}`} project={name} />
          {/* a run that ended before its first epoch has nothing to chart (not "waiting for the first epoch") */}
          {(isActive(job) || (job.progress.epochs ?? []).length > 0) && <TrainingCharts rows={job.progress.epochs ?? []} />}
          <details>
            <summary>Log</summary>
            <pre className="log">{job.log}</pre>
          </details>
        </section>
      )}
      <h2>Trained models</h2>
      <ModelTable models={models} selected={selected} select={setSelected} />
      {model && <ModelPanel key={model.id} model={model} />}
      {models.length > 0 && (
        <>
          <h2>Leaderboard</h2>
          <Leaderboard versions={versions.data ?? []} canDeploy={can("model.train")} />
        </>
      )}
    </section>
  );
}
