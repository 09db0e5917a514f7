import { useEffect, useState } from "react";
import { api, TrainedModel } from "../api";
import { JobProgress } from "../pipeline/JobProgress";
import { useJob } from "../pipeline/useJob";

interface Props {
  project: string;
  /** Images ticked in the grid; with none, the project's unannotated images are labelled. */
  selection: number[];
  onFinished(): void;
}

/** Label assist on many images at once, as a background job: the grid fills with proposals to review. */
export function LabelAssistPanel({ project, selection, onFinished }: Props) {
  const [models, setModels] = useState<TrainedModel[]>([]);
  const [model, setModel] = useState("");
  const [confidence, setConfidence] = useState(0.5);
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState("");
  const job = useJob(jobId, onFinished);

  useEffect(() => {
    api.models().then((all) => {
      // the project's own models first, newest first
      const sorted = all.sort((a, b) => Number(b.project === project) - Number(a.project === project) || b.id - a.id);
      setModels(sorted);
      setModel((current) => current || (sorted.length ? String(sorted[0].id) : ""));
    }).catch((e) => setError(e.message));
  }, [project]);

  async function start() {
    setError("");
    try {
      const queued = await api.labelAssistJob(project, model, selection.length ? selection : null, confidence);
      setJobId(queued.id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <fieldset className="label-assist">
      <legend>Label assist</legend>
      <select aria-label="batch assist model" value={model} onChange={(e) => setModel(e.target.value)}>
        {models.length === 0 && <option value="">no trained model yet</option>}
        {models.map((m) => <option key={m.id} value={m.id}>{m.version} · model {m.id}</option>)}
      </select>{" "}
      <label>
        confidence{" "}
        <input aria-label="batch assist confidence" type="number" min={0} max={1} step={0.05} value={confidence}
          onChange={(e) => setConfidence(Number(e.target.value))} style={{ width: 70 }} />
      </label>{" "}
      <button onClick={start} disabled={!model || (job !== null && ["queued", "running"].includes(job.status))}>
        {selection.length ? `Label ${selection.length} selected images` : "Label unannotated images"}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
      {job && <JobProgress job={job} label="label assist" />}
      {job?.status === "succeeded" && job.result && (
        <p data-testid="assist-result">
          {String(job.result.annotations)} proposals on {String(job.result.images)} images: open an image to review them
        </p>
      )}
    </fieldset>
  );
}
