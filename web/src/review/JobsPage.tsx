import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ProjectNav } from "../pipeline/ProjectNav";
import { AnnotationJob, reviewApi } from "./api";
import { JobProgress } from "./TasksPage";
import "./review.css";

/** For managers: a project's annotation jobs with their progress, and progress per person. */
export function JobsPage({ name }: { name: string }) {
  const client = useQueryClient();
  const [error, setError] = useState("");
  const progress = useQuery({ queryKey: ["review", "progress", name], queryFn: () => reviewApi.progress(name) });
  const people = useQuery({ queryKey: ["review-people", name], queryFn: () => reviewApi.people(name) });
  async function change(work: () => Promise<unknown>) {
    try {
      await work();
      setError("");
      await client.invalidateQueries({ queryKey: ["review"] });
    } catch (e) {
      setError((e as Error).message);
    }
  }
  /** Reassign a job's role from a list of the project's people (empty in single-user mode: nothing to choose). */
  const person = (job: AnnotationJob, role: "annotator" | "reviewer") => (
    <label>
      {role}{" "}
      <select aria-label={`${role} of ${job.name}`} value={job[role] ?? ""}
        onChange={(e) => change(() => reviewApi.reassign(job.id, { [role]: e.target.value || null }))}>
        <option value="">—</option>
        {(people.data ?? []).map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
      </select>
    </label>
  );
  const jobs = progress.data?.jobs ?? [];
  const perPerson = Object.entries(progress.data?.people ?? {});
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Annotation jobs</h2>
      {(error || progress.error) && <p className="error" role="alert">{error || progress.error?.message}</p>}
      {!jobs.length && <p className="muted">No job yet: select images in the grid (or filter it) and press Assign….</p>}
      <table className="table" data-testid="jobs">
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>{job.name}</td>
              <td className="small">{person(job, "annotator")}<br />{person(job, "reviewer")}</td>
              <td><JobProgress job={job} /></td>
              <td className="muted small">by {job.created_by || "—"}, {new Date(job.created_at).toLocaleDateString()}</td>
              <td><button className="link" onClick={() => change(() => reviewApi.deleteJob(job.id))} aria-label={`delete job ${job.name}`}>delete</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Per person</h2>
      <table className="table" data-testid="people-progress">
        <thead><tr><th>Person</th><th>To annotate</th><th>To review</th><th>Annotated</th><th>Reviewed</th></tr></thead>
        <tbody>
          {perPerson.map(([who, c]) => (
            <tr key={who}>
              <td>{who || "(nobody assigned)"}</td>
              <td className="number">{c.to_annotate}</td><td className="number">{c.to_review}</td>
              <td className="number">{c.annotated}</td><td className="number">{c.reviewed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
