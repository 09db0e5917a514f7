import { DragEvent, useCallback, useEffect, useState } from "react";
import { api, ImageRecord, Project, upload, UploadReport } from "../api";
import { ImageGrid } from "../grid/ImageGrid";
import { DownloadDialog } from "../downloads/DownloadDialog";
import { ProjectNav } from "../pipeline/ProjectNav";
import { ClassesPanel } from "./ClassesPanel";
import { LabelAssistPanel } from "./LabelAssistPanel";
import { SelectionPanel } from "./SelectionPanel";

interface FirstPage { items: ImageRecord[]; total: number; generation: number }

export function ProjectPage({ name }: { name: string }) {
  const [project, setProject] = useState<Project | null>(null);
  const [first, setFirst] = useState<FirstPage | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [fps, setFps] = useState(1);
  const [report, setReport] = useState<UploadReport | null>(null);
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [selection, setSelection] = useState<ReadonlySet<number>>(new Set());
  const [showAnnotations, setShowAnnotations] = useState(true);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");

  // filtered on the server, one page at a time: the grid fetches the rest as it scrolls into view
  const load = useCallback(async () => {
    setProject(await api.project(name));
    const page = await api.images(name, 0, filters);
    setFirst((previous) => ({ ...page, generation: (previous?.generation ?? 0) + 1 }));
  }, [name, filters]);

  const filter = (key: string) => (value: string) => setFilters({ ...filters, [key]: value });

  useEffect(() => { load().catch((e) => setError(e.message)); }, [load]);

  async function send(files: File[]) {
    if (!files.length) return;
    setError("");
    setReport(null);
    setProgress(0);
    try {
      setReport(await upload(name, files, setProgress, fps));
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

  /** Tick every image the filters match, not only the ones loaded in the grid. */
  async function selectAll() {
    const { ids } = await api.imageIds(name, filters);
    setSelection(new Set(ids));
  }

  function toggle(imageId: number) {
    const next = new Set(selection);
    if (!next.delete(imageId)) next.add(imageId);
    setSelection(next);
  }

  return (
    <section>
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <DownloadDialog project={name} />
      {project && <ClassesPanel project={project} onChanged={() => load().catch((e) => setError(e.message))} />}
      <label className="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
        Drop images, zip archives or videos here, or
        <input type="file" multiple aria-label="upload" onChange={(e) => send(Array.from(e.target.files ?? []))} />
      </label>
      <label>
        frames per second from videos{" "}
        <input type="number" min={0.1} step={0.1} value={fps} aria-label="video fps" onChange={(e) => setFps(Number(e.target.value) || 1)} />
      </label>
      {progress !== null && <progress value={progress} max={1} aria-label="upload progress" />}
      {progress !== null && progress >= 1 && <span className="muted"> uploaded; reading the files on the server (video frames, zip archives)…</span>}
      {report && <UploadSummary report={report} />}
      {error && <p className="error" role="alert">{error}</p>}
      <LabelAssistPanel project={name} selection={[...selection]} onFinished={() => load().catch((e) => setError(e.message))} />
      <SelectionPanel
        project={name}
        selection={[...selection]}
        onChanged={(summary, deleted) => {
          setNotice(summary);
          if (deleted) setSelection(new Set());
          load().catch((e) => setError(e.message));
        }}
      />
      {notice && <p role="status" data-testid="selection-message">{notice}</p>}
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
        <label className="inline">
          <input type="checkbox" checked={showAnnotations} onChange={(e) => setShowAnnotations(e.target.checked)} /> show annotations
        </label>
        {selection.size > 0 && <button onClick={() => setSelection(new Set())}>Clear selection ({selection.size})</button>}
      </div>
      <p className="muted row">
        <span data-testid="image-count">{first?.total ?? 0} image{first?.total === 1 ? "" : "s"}</span>
        {first && first.total > 0 && (
          <button onClick={() => selectAll().catch((e) => setError(e.message))}>
            Select all {first.total}{Object.values(filters).some(Boolean) ? " matching" : ""}
          </button>
        )}
      </p>
      {first && (
        <ImageGrid
          key={first.generation}
          project={name}
          filters={filters}
          total={first.total}
          firstPage={first.items}
          selection={selection}
          onToggle={toggle}
          showAnnotations={showAnnotations}
        />
      )}
    </section>
  );
}

/** After an upload: how many images came in, which were already in the project, and which files could not be read. */
function UploadSummary({ report }: { report: UploadReport }) {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return (
    <div data-testid="upload-report">
      <p>
        added {plural(report.added.length, "image")}
        {report.duplicates.length > 0 && ` · ${plural(report.duplicates.length, "duplicate")} already in the project, skipped`}
      </p>
      {report.failed.length > 0 && (
        <ul className="error" role="alert">
          {report.failed.map((f, i) => <li key={i}>{f.file}: {f.reason}</li>)}
        </ul>
      )}
    </div>
  );
}
