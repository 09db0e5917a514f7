import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { call, Schemas, workflowsApi } from "../api";
import { isActive, keys, useJob } from "../queries";
import type { Job } from "./api";
import { JobProgress } from "./JobProgress";
import { counted } from "../words";

/** What a stream job reports while it runs (`StreamPipeline.live` in `seglab.services.stream_pipeline`). */
export interface StreamProgress {
  decoded?: number;
  inferred?: number;
  dropped?: number;
  fps?: number;
  latency_ms?: { p50?: number };
  gaps?: number;
}

/** One line a person reads at a glance: how many frames went through, how many were dropped because the model was
 * slower than the source (the newest frame wins), how fast and how late, and how often the source went down. */
export function streamCounts(stream: StreamProgress): string {
  const parts = [
    `${stream.inferred ?? 0} frames inferred of ${stream.decoded ?? 0} decoded`,
    `${stream.dropped ?? 0} dropped`,
    `${(stream.fps ?? 0).toFixed(1)} FPS`,
  ];
  if (stream.latency_ms?.p50 !== undefined) parts.push(`latency ${Math.round(stream.latency_ms.p50)} ms`);
  parts.push(counted(stream.gaps ?? 0, "gap"));
  return parts.join(" · ");
}

/** The workflow's parameters as typed (a JSON object), or an error naming what is wrong. */
export function parseParameters(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("workflow parameters: not JSON (write an object, e.g. {\"classes\": [\"car\"]})");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("workflow parameters: a JSON object, e.g. {\"classes\": [\"car\"]}");
  }
  return value as Record<string, unknown>;
}

/** Run the model, or a saved workflow (trackers and line counters keep their state from frame to frame), on a
 * live source (an RTSP/HTTP URL the server can reach) as a job, and watch its drawn frames as MJPEG, which the
 * browser shows live in an `<img>`; stopping it cancels the job. */
export function StreamPanel({ project, reference, confidence }: { project: string; reference: string; confidence: number }) {
  const [source, setSource] = useState("");
  const [track, setTrack] = useState(true);
  const [workflow, setWorkflow] = useState("");
  const [parameters, setParameters] = useState("");
  const saved = useQuery({ queryKey: keys.workflows, queryFn: workflowsApi.list });
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const job = useJob(jobId);
  const running = isActive(job);
  const stream = (job?.progress as { stream?: StreamProgress } | undefined)?.stream;

  async function start() {
    setError(null);
    try {
      const request: Schemas["StreamRequest"] = workflow
        ? { source, workflow, parameters: parseParameters(parameters) }
        : { source, model_id: reference, track, confidence };
      const started = await call<Job>("POST", "/streams", request);
      setJobId(started.id);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }

  return (
    <div className="card stream" data-testid="stream-panel">
      <h3>Live stream</h3>
      <div className="row">
        <label className="grow">Source
          <input aria-label="stream source" placeholder="rtsp://camera.local/stream" value={source}
            onChange={(e) => setSource(e.target.value)} />
        </label>
        <label>Run
          <select aria-label="stream runs" value={workflow} onChange={(e) => setWorkflow(e.target.value)}>
            <option value="">this model</option>
            {(saved.data ?? []).map((w) => <option key={w.name} value={w.name}>workflow {w.name}</option>)}
          </select>
        </label>
        {workflow
          ? <label className="grow">Parameters
              <input aria-label="workflow parameters" placeholder='{"classes": ["car"]}' value={parameters}
                onChange={(e) => setParameters(e.target.value)} />
            </label>
          : <label><input type="checkbox" checked={track} onChange={(e) => setTrack(e.target.checked)} /> Track</label>}
        <button onClick={start} disabled={!source || running}>Start</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {job && <JobProgress job={job} label={`Stream #${job.id}`} project={project} />}
      {stream && (
        <p className="muted small" data-testid="stream-counts">
          {streamCounts(stream)}
        </p>
      )}
      {job && running && (
        <img className="visualization" src={`/api/v1/streams/${job.id}/preview`} alt="the stream, drawn live" />
      )}
    </div>
  );
}
