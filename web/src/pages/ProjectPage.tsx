import { DragEvent, useCallback, useEffect, useState } from "react";
import { api, ImageRecord, Project, upload } from "../api";
import { navigate } from "../App";

export function ProjectPage({ name }: { name: string }) {
  const [project, setProject] = useState<Project | null>(null);
  const [images, setImages] = useState<ImageRecord[]>([]);
  const [total, setTotal] = useState(0);
  const [progress, setProgress] = useState<number | null>(null);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [error, setError] = useState("");

  // pages of 100 from the server, filtered there: the grid stays fast however many images the project has
  const load = useCallback(async () => {
    setProject(await api.project(name));
    const page = await api.images(name, 0, filters);
    setImages(page.items);
    setTotal(page.total);
  }, [name, filters]);

  async function more() {
    const page = await api.images(name, images.length, filters);
    setImages([...images, ...page.items]);
  }

  const filter = (key: string) => (value: string) => setFilters({ ...filters, [key]: value });

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
      <div className="row filters">
        <select aria-label="split" onChange={(e) => filter("split")(e.target.value)}>
          <option value="">all splits</option>
          {["train", "valid", "test", "unassigned"].map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="status" onChange={(e) => filter("status")(e.target.value)}>
          <option value="">any status</option>
          {["unannotated", "annotated", "null", "reviewed"].map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="class filter" onChange={(e) => filter("category_id")(e.target.value)}>
          <option value="">any class</option>
          {project?.categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
        <input aria-label="tag" placeholder="tag" onChange={(e) => filter("tag")(e.target.value.trim())} />
      </div>
      <p className="muted" data-testid="image-count">{total} images</p>
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
      {images.length < total && <button onClick={more}>Load more</button>}
    </section>
  );
}
