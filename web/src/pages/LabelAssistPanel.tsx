import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { JobProgress } from "../pipeline/JobProgress";
import { isActive, keys, useJob } from "../queries";

interface Props {
  project: string;
  /** Images ticked in the grid; with none, the project's unannotated images are labelled. */
  selection: number[];
  onFinished(): void;
}

/** Label assist on many images at once, as a background job: the grid fills with proposals to review. */
export function LabelAssistPanel({ project, selection, onFinished }: Props) {
  const [chosen, setModel] = useState("");
  const [confidence, setConfidence] = useState(0.5);
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useJob(jobId, onFinished);

  const all = useQuery({ queryKey: keys.allModels, queryFn: api.models });
  // the project's own models first, newest first
  const models = [...(all.data ?? [])].sort(
    (a, b) => Number(b.project === project) - Number(a.project === project) || b.id - a.id,
  );
  const model = chosen || (models.length ? String(models[0].id) : "");
  const start = useMutation({
    mutationFn: () => api.labelAssistJob(project, model, selection.length ? selection : null, confidence),
    onSuccess: (queued) => setJobId(queued.id),
  });
  const error = (start.error ?? all.error)?.message;

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
      <button onClick={() => start.mutate()} disabled={!model || isActive(job)}>
        {selection.length ? `Label ${selection.length} selected images` : "Label unannotated images"}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
      {job && <JobProgress job={job} label="label assist" project={project} />}
      {job?.status === "succeeded" && job.result && (
        <p data-testid="assist-result">
          {String(job.result.annotations)} proposals on {String(job.result.images)} images: open an image to review them
        </p>
      )}
    </fieldset>
  );
}
