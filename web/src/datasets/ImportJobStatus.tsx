import type { ImportReport } from "../api";
import { JobProgress } from "../pipeline/JobProgress";
import type { Job } from "../pipeline/api";
import { useJob } from "../queries";
import { ImportSummary } from "./ImportSummary";

/** A dataset import running as a background job: its progress (unpacking, reading annotations, storing images),
 * then the import's report. */
export function ImportJobStatus({ project, jobId, onFinished }: { project: string; jobId: number; onFinished?: (job: Job) => void }) {
  const job = useJob(jobId, onFinished);
  if (!job) return null;
  const archive = typeof job.params.archive === "string" ? job.params.archive : "dataset";
  return (
    <div className="import-job" data-testid="import-job">
      <JobProgress job={job} label={`Import of ${archive}`} project={project} />
      {job.status === "succeeded" && job.result && <ImportSummary report={job.result as unknown as ImportReport} />}
    </div>
  );
}
