import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../api";
import { keys } from "../queries";

/** A project's image to run the workflow on, instead of an uploaded one: chosen by project and file name. */
export function ProjectImage({ onPick }: { onPick: (file: File) => void }) {
  const [project, setProject] = useState("");
  const [error, setError] = useState("");
  const projects = useQuery({ queryKey: keys.projects, queryFn: api.projects });
  const images = useQuery({ queryKey: keys.imagePage(project, {}, 0), queryFn: () => api.images(project), enabled: !!project });

  async function pick(id: string) {
    const image = images.data?.items.find((item) => String(item.id) === id);
    if (!image) return;
    setError("");
    const response = await fetch(`/api/v1/images/${image.id}/file`);
    if (!response.ok) { setError(`image ${image.file_name}: ${response.statusText}`); return; }
    onPick(new File([await response.blob()], image.file_name));
  }

  return (
    <span className="row">
      <select aria-label="project to run on" value={project} onChange={(e) => setProject(e.target.value)}>
        <option value="">or a project's image…</option>
        {(projects.data ?? []).map((p) => <option key={p.name} value={p.name}>{p.name}</option>)}
      </select>
      {project && (
        <select aria-label="project image to run on" defaultValue="" onChange={(e) => pick(e.target.value)}>
          <option value="" disabled>{images.isLoading ? "loading…" : "choose an image"}</option>
          {(images.data?.items ?? []).map((image) => <option key={image.id} value={image.id}>{image.file_name}</option>)}
        </select>
      )}
      {error && <span className="error">{error}</span>}
    </span>
  );
}
