import { DragEvent, useCallback, useEffect, useState } from "react";
import { api, ImageRecord, Project, upload } from "../api";
import { navigate } from "../App";

export function ProjectPage({ name }: { name: string }) {
  const [project, setProject] = useState<Project | null>(null);
  const [images, setImages] = useState<ImageRecord[]>([]);
  const [total, setTotal] = useState(0);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    setProject(await api.project(name));
    const page = await api.images(name);
    setImages(page.items);
    setTotal(page.total);
  }, [name]);

  useEffect(() => { load().catch((e) => setError(e.message)); }, [load]);

  async function send(files: File[]) {
    if (!files.length) return;
    setError("");
    setProgress(0);
    try {
      await upload(name, files, setProgress);
      await load();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    send(Array.from(event.dataTransfer.files));
  }

  return (
    <section>
      <h1>{name}</h1>
      <p className="muted">{project?.categories.map((c) => c.name).join(", ") || "no classes yet"}</p>
      <label className="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        Drop images, zip archives or videos here, or
        <input type="file" multiple aria-label="upload" onChange={(e) => send(Array.from(e.target.files ?? []))} />
      </label>
      {progress !== null && <progress value={progress} max={1} aria-label="upload progress" />}
      {error && <p className="error" role="alert">{error}</p>}
      <p className="muted">{total} images</p>
      <ul className="grid">
        {images.map((image) => (
          <li key={image.id}>
            <a href={`/images/${image.id}`} onClick={(e) => { e.preventDefault(); navigate(`/images/${image.id}`); }}>
              <img src={`/api/v1/images/${image.id}/file`} alt={image.file_name} loading="lazy" />
              <span className={`status ${image.status}`}>{image.file_name}</span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
