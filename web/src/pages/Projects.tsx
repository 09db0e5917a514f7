import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { DragEvent, FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api, importJob } from "../api";
import { DroppedFile, droppedFiles, nameFor, picked } from "../datasets/droppedFiles";
import { keys } from "../queries";
import { counted } from "../words";

export function Projects() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [classes, setClasses] = useState("");
  const projects = useQuery({ queryKey: keys.projects, queryFn: api.projects });
  const create = useMutation({
    mutationFn: () => api.createProject(name.trim(), classes.split(",").map((c) => c.trim()).filter(Boolean)),
    onSuccess: (project) => {
      client.invalidateQueries({ queryKey: keys.projects });
      navigate(`/projects/${encodeURIComponent(project.name)}`);
    },
  });
  const [progress, setProgress] = useState<number | null>(null);
  const [dropError, setDropError] = useState("");
  const error = create.error?.message ?? projects.error?.message ?? dropError;

  /** A dropped dataset export becomes a project: named as typed, else after the archive or folder, its import
   * started as a background job that the project's page then follows. */
  async function createFrom(files: DroppedFile[]) {
    if (!files.length) return;
    setDropError("");
    const chosen = name.trim() || nameFor(files) || "imported dataset";
    try {
      const project = await api.createProject(chosen, classes.split(",").map((c) => c.trim()).filter(Boolean));
      client.invalidateQueries({ queryKey: keys.projects });
      setProgress(0);
      const job = await importJob(project.name, files, setProgress);
      navigate(`/projects/${encodeURIComponent(project.name)}`, { state: { importJob: job.id } });
    } catch (e) {
      setDropError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    droppedFiles(event.dataTransfer).then(createFrom, (e) => setDropError((e as Error).message));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section>
      <h1>Projects</h1>
      <form onSubmit={submit} className="row">
        <input aria-label="project name" placeholder="project name" value={name} onChange={(e) => setName(e.target.value)} />
        <input aria-label="classes" placeholder="classes, comma-separated" value={classes} onChange={(e) => setClasses(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>Create project</button>
      </form>
      <label className="dropzone new-project-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        Or drop a dataset export here (a Roboflow zip, a folder, or its files: COCO, YOLO, LabelMe, CVAT, …) to make a
        project of it, annotations included:{" "}
        <input type="file" aria-label="dataset for a new project" accept=".zip,.tar.gz,.tgz,.tar"
          onChange={(e) => createFrom(picked(e.target.files))} />
      </label>
      {progress !== null && <progress value={progress} max={1} aria-label="dataset upload progress" />}
      {error && <p className="error wrap" role="alert">{error}</p>}
      <ul className="cards">
        {(projects.data ?? []).map((p) => (
          <li key={p.id} className="project-card">
            {/* the picture repeats the name's link: one link for keyboards and screen readers */}
            <Link to={`/projects/${encodeURIComponent(p.name)}`} className="cover" tabIndex={-1} aria-hidden="true">
              {p.cover_image_id ? <img src={`/api/v1/images/${p.cover_image_id}/thumbnail?size=256&annotations=true`} alt="" loading="lazy" /> : <span className="muted">no image yet</span>}
            </Link>
            <Link to={`/projects/${encodeURIComponent(p.name)}`}><strong>{p.name}</strong></Link>
            <span>{counted(p.images, "image")} · {counted(p.annotations, "annotation")} · {counted(p.categories, "class", "classes")}</span>
            <progress value={p.labelled ?? 0} max={Math.max(1, p.images)} aria-label={`${p.name} labelled`} />
            <span className="muted small" data-testid="labelled">{p.labelled ?? 0} / {p.images} labelled</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
