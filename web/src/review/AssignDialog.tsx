import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { reviewApi } from "./api";
import "./review.css";

interface Props {
  project: string;
  /** Images ticked in the grid; when none, the job takes every image the grid's filters match. */
  selection: number[];
  /** The grid's filters as the server's image query (`split`, `status`, `category_id`, `tag`). */
  filter: Record<string, string>;
  onCreated(summary: string): void;
}

/** "Assign…": give the ticked images (or the filtered grid) to an annotator and a reviewer as an annotation job. */
export function AssignDialog({ project, selection, filter, onCreated }: Props) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [instructions, setInstructions] = useState("");
  const [annotator, setAnnotator] = useState("");
  const [reviewer, setReviewer] = useState("");
  const [move, setMove] = useState(false);
  const [error, setError] = useState("");
  const people = useQuery({ queryKey: ["review-people", project], queryFn: () => reviewApi.people(project), enabled: open });
  const what = selection.length ? `${selection.length} selected image${selection.length === 1 ? "" : "s"}` : "every image the filters show";

  async function create(event: React.FormEvent) {
    event.preventDefault();
    try {
      const chosen = selection.length
        ? { image_ids: selection }
        : { filter: { ...filter, category_id: filter.category_id ? Number(filter.category_id) : null } };
      const created = await reviewApi.createJob(project, {
        name: name.trim(), instructions, annotator: annotator || null, reviewer: reviewer || null, move, ...chosen,
      } as Parameters<typeof reviewApi.createJob>[1]);
      setOpen(false);
      setError("");
      onCreated(`job “${created.job.name}” created with ${created.assignment.added.length} images`);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const choices = people.data ?? [];
  const person = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}{" "}
      <select aria-label={label} value={value} onChange={(e) => set(e.target.value)}>
        <option value="">{choices.length ? "nobody yet (project admins)" : "me (single-user mode)"}</option>
        {choices.map((p) => <option key={p.name} value={p.name}>{p.name} ({p.role})</option>)}
      </select>
    </label>
  );
  if (!open) return <button onClick={() => setOpen(true)} title="Give images to an annotator and a reviewer">Assign…</button>;
  return (
    <div className="assign-dialog card" role="dialog" aria-label="assign images">
      <form onSubmit={create}>
        <h3>Assign {what}</h3>
        <label>Job name <input aria-label="job name" required value={name} onChange={(e) => setName(e.target.value)} /></label>
        {person("annotator", annotator, setAnnotator)}
        {person("reviewer", reviewer, setReviewer)}
        <label>Instructions
          <textarea aria-label="instructions" rows={3} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
        </label>
        <label className="switch">
          <input type="checkbox" checked={move} onChange={(e) => setMove(e.target.checked)} /> take images out of other open jobs
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row">
          <button type="submit" className="primary" disabled={!name.trim()}>Create job</button>
          <button type="button" onClick={() => setOpen(false)}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
