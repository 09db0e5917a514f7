import { useEffect, useState } from "react";
import { FINISHED, Job, pipelineApi } from "./api";

const POLL_MS = 700;

/** Follows a background job (polls `/jobs/{id}`) until it finishes; `onFinished` runs once, with the last state. */
export function useJob(jobId: number | null, onFinished: (job: Job) => void): Job | null {
  const [job, setJob] = useState<Job | null>(null);
  useEffect(() => {
    setJob(null);
    if (jobId === null) return;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      try {
        const state = await pipelineApi.job(jobId);
        if (stopped) return;
        setJob(state);
        if (FINISHED.includes(state.status)) { onFinished(state); return; }
      } catch {
        // a missed poll (server restarting) is retried
      }
      if (!stopped) timer = window.setTimeout(poll, POLL_MS);
    };
    poll();
    return () => { stopped = true; window.clearTimeout(timer); };
    // onFinished is deliberately not a dependency: a new closure each render must not restart the polling
  }, [jobId]);
  return job;
}

/** The job's progress as a fraction, or null while it has none to report. */
export function fraction(job: Job | null): number | null {
  const { done, total } = job?.progress ?? {};
  return done !== undefined && total ? Math.min(1, done / total) : null;
}
