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
  // the project's own models, newest first, and the default; another project's model only when picked (its classes
  // must share names with this project's)
  const newest = [...(all.data ?? [])].sort((a, b) => b.id - a.id);
  const own = newest.filter((m) => m.project === project);
  const others = newest.filter((m) => m.project !== project);
  const model = chosen || (own.length ? String(own[0].id) : "");
  const start = useMutation({
    mutationFn: () => api.labelAssistJob(project, model, selection.length ? selection : null, confidence),
    onSuccess: (queued) => setJobId(queued.id),
  });
  const error = (start.error ?? all.error)?.message;

  return (
    <fieldset className="label-assist">
      <legend>Label assist</legend>
      <select aria-label="batch assist model" value={model} onChange={(e) => setModel(e.target.value)}>
        {!model && <option value="">{own.length || others.length ? "choose a model" : "no trained model yet"}</option>}
        {own.length > 0 && <optgroup label="this project">
          {own.map((m) => <option key={m.id} value={m.id}>{m.version} · model {m.id}</option>)}
        </optgroup>}
        {others.length > 0 && <optgroup label="other projects (classes matched by name)">
          {others.map((m) => <option key={m.id} value={m.id}>{m.version} · model {m.id}</option>)}
        </optgroup>}
      </select>{" "}
      <label>
        confidence{" "}
        <input aria-label="batch assist confidence" type="number" min={0} max={1} step={0.05} value={confidence}
          onChange={(e) => setConfidence(Number(e.target.value))} style={{ width: 70 }} />
      </label>{" "}
      <button onClick={() => start.mutate()} disabled={!model || isActive(job)}>
        {selection.length ? `Label ${selection.length} selected images` : "Label unannotated images"}
      </button>
      {error && <p className="error wrap" role="alert">{error}</p>}
      {job && <JobProgress job={job} label="label assist" project={project} />}
      {job?.status === "succeeded" && job.result && (
        <p data-testid="assist-result">
          {String(job.result.annotations)} proposals on {String(job.result.images)} images: open an image to review them
          {Array.isArray(job.result.unmatched_classes) && job.result.unmatched_classes.length > 0 &&
            ` (the model's classes not in this project were skipped: ${job.result.unmatched_classes.join(", ")})`}
        </p>
      )}
    </fieldset>
  );
}
