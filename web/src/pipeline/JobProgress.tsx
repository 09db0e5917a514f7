import { Fragment } from "react";
import type { Job } from "./api";
import { useCan, useMe } from "../access";
import { useCancelJob } from "../queries";
import { jobTiming, useNow } from "./timing";

/** The job's progress as a fraction, or null while it has none to report. */
export function fraction(job: Job | null): number | null {
  const { done, total } = job?.progress ?? {};
  return done !== undefined && done !== null && total ? Math.min(1, done / total) : null;
}

/** Which try a job is on, once it is past its first (a failed attempt of a kind that retries goes back to the queue);
 * null for a first attempt, or a kind that does not retry. */
export function attemptNote(job: Pick<Job, "status" | "attempts" | "max_attempts">): string | null {
  const attempts = job.attempts ?? 0;
  const most = job.max_attempts ?? 1;
  if (most <= 1 || attempts === 0) return null;
  if (job.status === "queued") return `attempt ${attempts} of ${most} failed; waiting to try again`;
  return attempts > 1 ? `attempt ${attempts} of ${most}` : null;
}

/** A job's live state: status, stage, a progress bar, its error, and a way to cancel it for those who may (the
 * project's admins and whoever submitted it). */
export function JobProgress({ job, label, project }: { job: Job; label: string; project: string }) {
  const cancel = useCancelJob();
  const can = useCan(project);
  const me = useMe();
  const mayCancel = can("job.cancel") || (me !== undefined && job.owner === me.name);
  const share = fraction(job);
  const running = job.status === "queued" || job.status === "running";
  const attempt = attemptNote(job);
  const timing = jobTiming(job, share, useNow(job.status === "running"));
  return (
    <div className={`job ${job.status}`} data-testid="job-progress">
      <div className="job-head">
        <strong>{label}</strong>
        <span className={`badge ${job.status}`} data-testid="job-status">{job.status}</span>
        {running && mayCancel && <button className="link" onClick={() => cancel.mutate(job.id)}>Cancel</button>}
      </div>
      {/* without a value a progress bar animates: only while the job may still move */}
      <progress value={running ? share ?? undefined : job.status === "succeeded" ? 1 : share ?? 0} max={1} aria-label={`${label} progress`} />
      <div className="muted small">
        {[
          job.status === "queued" ? "waiting for a worker…" : job.progress.stage,
          share !== null && `${Math.round(share * 100)}%`,
          attempt && <span data-testid="job-attempt">{attempt}</span>,
          timing && <span data-testid="job-timing">{timing}</span>,
        ].filter(Boolean).map((part, i) => <Fragment key={i}>{i > 0 && " · "}{part}</Fragment>)}
      </div>
      {job.error && <pre className="error small wrap">{job.error.split("\n")[0]}</pre>}
    </div>
  );
}
