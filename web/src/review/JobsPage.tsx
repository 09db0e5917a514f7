import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ProjectNav } from "../pipeline/ProjectNav";
import { reviewApi } from "./api";
import { JobProgress } from "./TasksPage";
import "./review.css";

/** For managers: a project's annotation jobs with their progress, and progress per person. */
export function JobsPage({ name }: { name: string }) {
  const client = useQueryClient();
  const [error, setError] = useState("");
  const progress = useQuery({ queryKey: ["review", "progress", name], queryFn: () => reviewApi.progress(name) });
  async function remove(id: number) {
    try {
      await reviewApi.deleteJob(id);
      setError("");
      await client.invalidateQueries({ queryKey: ["review"] });
    } catch (e) {
      setError((e as Error).message);
    }
  }
  const jobs = progress.data?.jobs ?? [];
  const people = Object.entries(progress.data?.people ?? {});
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
              <td className="small">annotator {job.annotator ?? "—"}<br />reviewer {job.reviewer ?? "—"}</td>
              <td><JobProgress job={job} /></td>
              <td className="muted small">by {job.created_by || "—"}, {new Date(job.created_at).toLocaleDateString()}</td>
              <td><button className="link" onClick={() => remove(job.id)} aria-label={`delete job ${job.name}`}>delete</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Per person</h2>
      <table className="table" data-testid="people-progress">
        <thead><tr><th>Person</th><th>To annotate</th><th>To review</th><th>Annotated</th><th>Reviewed</th></tr></thead>
        <tbody>
          {people.map(([person, c]) => (
            <tr key={person}>
              <td>{person || "(nobody assigned)"}</td>
              <td className="number">{c.to_annotate}</td><td className="number">{c.to_review}</td>
              <td className="number">{c.annotated}</td><td className="number">{c.reviewed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
