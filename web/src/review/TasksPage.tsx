import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { AnnotationJob, QueueEntry, QueueName, reviewApi } from "./api";
import "./review.css";

/** A job's counts as a bar and words: approved, in review, to annotate (rejected ones among them). */
export function JobProgress({ job }: { job: AnnotationJob }) {
  const { annotate = 0, in_review = 0, approved = 0, rejected = 0 } = job.counts;
  const total = annotate + in_review + approved || 1;
  return (
    <span className="row" data-testid={`job-progress-${job.id}`}>
      <span className="progress-bar" aria-hidden>
        <span className="approved" style={{ width: `${(100 * approved) / total}%` }} />
        <span className="in_review" style={{ width: `${(100 * in_review) / total}%` }} />
      </span>
      <span className="small">
        {approved} approved · {in_review} in review · {annotate} to annotate{rejected ? ` (${rejected} rejected)` : ""}
      </span>
    </span>
  );
}

function QueueList({ entries, queue, title }: { entries: QueueEntry[]; queue: QueueName; title: string }) {
  return (
    <section>
      <h2>{title} ({entries.length})</h2>
      {entries.length === 0 && <p className="muted">Nothing waits for you here.</p>}
      <ul className="queue-list" data-testid={`queue-${queue}`}>
        {entries.map((e) => (
          <li key={`${e.job_id}-${e.image_id}`}>
            <Link to={`/images/${e.image_id}?queue=${queue}`}>{e.file_name}</Link>{" "}
            <span className="muted small">{e.project} · {e.job_name}</span>
            {e.comment && queue === "annotate" && <span className="comment small" data-testid="queue-comment"> — rejected: “{e.comment}”</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** My queue: the jobs I annotate or review, with their progress, and the images waiting for me. */
export function TasksPage() {
  const client = useQueryClient();
  const jobs = useQuery({ queryKey: ["review", "my-jobs"], queryFn: reviewApi.myJobs });
  const queue = useQuery({ queryKey: ["review", "queue"], queryFn: reviewApi.queue });
  const [notice, setNotice] = useState("");
  const error = (jobs.error ?? queue.error)?.message;
  async function submitDone(job: AnnotationJob) {
    try {
      const { submitted } = await reviewApi.submitDone(job.id);
      setNotice(`${submitted.length} finished image${submitted.length === 1 ? "" : "s"} of “${job.name}” submitted for review`);
      await client.invalidateQueries({ queryKey: ["review"] });
    } catch (e) {
      setNotice((e as Error).message);
    }
  }
  return (
    <section className="tasks">
      <h1>My queue</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p role="status">{notice}</p>}
      <h2>My jobs</h2>
      {jobs.data?.length === 0 && <p className="muted">No annotation job for you yet.</p>}
      <table className="table">
        <tbody>
          {(jobs.data ?? []).map((job) => (
            <tr key={job.id}>
              <td>{job.name}</td>
              <td className="muted small">annotator {job.annotator ?? "—"} · reviewer {job.reviewer ?? "—"}</td>
              <td><JobProgress job={job} /></td>
              <td className="small">{job.instructions}</td>
              <td>
                {job.counts.annotate > 0 && (
                  <button title="Submit every image of the job that has annotations (or is marked null)" onClick={() => submitDone(job)}>
                    Submit all done
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {queue.data && (
        <div className="row">
          <QueueList entries={queue.data.to_annotate} queue="annotate" title="To annotate" />
          <QueueList entries={queue.data.to_review} queue="review" title="To review" />
        </div>
      )}
    </section>
  );
}
