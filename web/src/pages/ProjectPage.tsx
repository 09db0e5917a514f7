import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { DragEvent, useEffect, useState } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router";
import { allows } from "../access";
import { api, importJob, upload, UploadReport } from "../api";
import { DroppedFile, droppedFiles, holdsDataset, picked } from "../datasets/droppedFiles";
import { ImportJobStatus } from "../datasets/ImportJobStatus";
import { Dashboard } from "./Dashboard";
import { RenameProject } from "./RenameProject";
import { anyFilter, filtersFrom, GridFilters, gridSearch, serverQuery, withFilter } from "../grid/filters";
import { ImageGrid } from "../grid/ImageGrid";
import { ticked } from "../grid/selection";
import { StatusLegend } from "../grid/StatusBadges";
import { DownloadDialog } from "../downloads/DownloadDialog";
import { ImportDialog } from "./ImportDialog";
import { ProjectNav } from "../pipeline/ProjectNav";
import { keys } from "../queries";
import { counted } from "../words";
import { ClassesPanel } from "./ClassesPanel";
import { LabelAssistPanel } from "./LabelAssistPanel";
import { SelectionPanel } from "./SelectionPanel";
import { AssignDialog } from "../review/AssignDialog";

export function ProjectPage({ name }: { name: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = filtersFrom(params);
  const query = serverQuery(filters);
  const [progress, setProgress] = useState<number | null>(null);
  const [fps, setFps] = useState(1);
  const [uploadSplit, setUploadSplit] = useState("");
  const [uploadTags, setUploadTags] = useState("");
  // an import started here, or by the projects page's "drop a dataset to create a project" (router state)
  const location = useLocation();
  const [importing, setImporting] = useState<number | null>((location.state as { importJob?: number } | null)?.importJob ?? null);
  const [report, setReport] = useState<UploadReport | null>(null);
  const [selection, setSelection] = useState<ReadonlySet<number>>(new Set());
  const [showAnnotations, setShowAnnotations] = useState(true);
  const [tag, setTag] = useState(filters.tag);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");

  const project = useQuery({ queryKey: keys.project(name), queryFn: () => api.project(name) });
  // filtered on the server, one page at a time: the grid fetches the rest as it scrolls into view; while other
  // filters load, the previous answer stays on screen
  const first = useQuery({
    queryKey: keys.imagePage(name, query, 0),
    queryFn: () => api.images(name, 0, query),
    placeholderData: keepPreviousData,
  });
  const videos = useQuery({ queryKey: keys.videos(name), queryFn: () => api.videos(name) });
  const failure = error || project.error?.message || first.error?.message || "";

  /** The project and every page of its grid are read again (after an upload, a class or batch change, assist). */
  const reload = () => {
    client.invalidateQueries({ queryKey: keys.project(name) });
    client.invalidateQueries({ queryKey: keys.images(name) });
    client.invalidateQueries({ queryKey: keys.videos(name) });
  };

  // a filter change replaces the URL (the back button leaves the grid rather than stepping through filters)
  const filter = (key: keyof GridFilters) => (value: string) =>
    setParams((current) => withFilter(current, key, value), { replace: true });

  // the tag box keeps what is typed (spaces included); the URL holds it trimmed, and back/forward refill the box
  useEffect(() => setTag((typed) => (typed.trim() === filters.tag ? typed : filters.tag)), [filters.tag]);

  async function send(files: File[]) {
    if (!files.length) return;
    setError("");
    setReport(null);
    setProgress(0);
    try {
      setReport(await upload(name, files, setProgress, fps, { split: uploadSplit, tags: uploadTags }));
      reload();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  /** A dataset (an archive, a folder, annotation files beside images) is imported with its annotations by a
   * background job; images and videos alone are uploaded as they are. */
  async function receive(files: DroppedFile[]) {
    if (!files.length) return;
    if (!holdsDataset(files) || !can("dataset.import")) return send(files.map((f) => f.file));
    setError("");
    setReport(null);
    setImporting(null);
    setProgress(0);
    try {
      setImporting((await importJob(name, files, setProgress, uploadSplit)).id);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    droppedFiles(event.dataTransfer).then(receive, (e) => setError((e as Error).message));
  }

  /** Tick every image the filters match, not only the ones loaded in the grid. */
  async function selectAll() {
    const { ids } = await api.imageIds(name, query);
    setSelection(new Set(ids));
  }

  function tick(imageIds: number[], on: boolean) {
    setSelection((current) => ticked(current, imageIds, on));
  }

  const total = first.data?.total ?? 0;
  // the project's own count (the grid's may be filtered, and is 0 until it loads: the upload panel opened and
  // closed again on every visit, moving everything below it)
  const stats = useQuery({ queryKey: keys.projectStats(name), queryFn: () => api.stats(name) });
  const empty = stats.data?.images === 0;
  const can = (action: string) => allows(project.data, action);

  /** Delete the whole project, once the person has confirmed it by its name and size (it cannot be undone). The
   * size is asked afresh: the grid's count may be filtered, or not loaded yet. */
  async function deleteProject() {
    try {
      const { images } = await api.stats(name);
      const summary = `${counted(images, "image")} and their annotations`;
      if (!window.confirm(`Delete the project "${name}" with its ${summary}? This cannot be undone.`)) return;
      await api.deleteProject(name);
      client.invalidateQueries({ queryKey: keys.projects });
      navigate("/");
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <section className="project-page">
      <div className="title-row">
        <h1>{name}</h1>
        {can("project.rename") && <RenameProject name={name} />}
      </div>
      <ProjectNav name={name} />
      <Dashboard name={name} />
      <div className="row wrap-row">
        {can("dataset.import") && <ImportDialog project={name} onImported={reload} />}
        {can("export.download") && <DownloadDialog project={name} />}
        {can("project.delete") && <button className="danger push-right" onClick={deleteProject}>Delete project</button>}
      </div>
      {project.data && <ClassesPanel project={project.data} onChanged={reload} />}
      {can("image.upload") && (
        <details className="upload-panel" open={empty && !importing}>
          <summary>Upload images or import a dataset</summary>
          <label className="dropzone" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
            Drop images or videos, or a dataset export with its annotations (a zip, a folder, or its files: COCO,
            YOLO, LabelMe, CVAT, …) here, or
            <input type="file" multiple aria-label="upload" onChange={(e) => receive(picked(e.target.files))} />
            {can("dataset.import") && (
              <>
                {" "}a folder:{" "}
                <input type="file" multiple aria-label="dataset folder" {...{ webkitdirectory: "" }}
                  onChange={(e) => receive(picked(e.target.files))} />
              </>
            )}
          </label>
          <div className="row wrap-row upload-options">
            <label>
              new images go to{" "}
              <select aria-label="new images go to" value={uploadSplit} onChange={(e) => setUploadSplit(e.target.value)}>
                <option value="">{can("dataset.import") ? "as in the dataset (else unassigned)" : "unassigned"}</option>
                {["train", "valid", "test"].map((s) => <option key={s}>{s}</option>)}
              </select>
            </label>
            <label>
              tags{" "}
              <input aria-label="tags for new images" placeholder="day, camera-2" value={uploadTags}
                onChange={(e) => setUploadTags(e.target.value)} />
            </label>
            <label>
              frames per second from videos{" "}
              <input type="number" min={0.1} step={0.1} value={fps} aria-label="video fps" onChange={(e) => setFps(Number(e.target.value) || 1)} />
            </label>
          </div>
        </details>
      )}
      {project.data && !can("annotation.write") && (
        <p className="badge" data-testid="read-only">read-only: your role here is {project.data.role ?? "none"}</p>
      )}
      {progress !== null && <progress value={progress} max={1} aria-label="upload progress" />}
      {progress !== null && progress >= 1 && <span className="muted"> uploaded; reading the files on the server…</span>}
      {importing !== null && <ImportJobStatus project={name} jobId={importing} onFinished={reload} />}
      {report && <UploadSummary report={report} />}
      {failure && <p className="error wrap" role="alert">{failure}</p>}
      {can("annotation.write") && (
        <details className="assist-panel">
          <summary>Label assist: label images with a trained model</summary>
          <LabelAssistPanel project={name} selection={[...selection]} onFinished={reload} />
        </details>
      )}
      {selection.size > 0 && (
        // floats over the bottom of the page: ticking an image never pushes the grid under the cursor
        <div className="selection-bar" data-testid="selection-bar">
          <button onClick={() => setSelection(new Set())}>Clear selection ({selection.size})</button>
          {can("image.update") && (
            <SelectionPanel
              project={name}
              selection={[...selection]}
              canDelete={can("image.delete")}
              onChanged={(summary, deleted) => {
                setNotice(summary);
                if (deleted) setSelection(new Set());
                reload();
              }}
            />
          )}
        </div>
      )}
      {can("review.manage") && (
        <AssignDialog project={name} selection={[...selection]} filter={query} onCreated={(summary) => { setNotice(summary); reload(); }} />
      )}
      {notice && <p role="status" data-testid="selection-message">{notice}</p>}
      <div className="row filters">
        <select aria-label="split" value={filters.split} onChange={(e) => filter("split")(e.target.value)}>
          <option value="">all splits</option>
          {["train", "valid", "test", "unassigned"].map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="status" value={filters.status} onChange={(e) => filter("status")(e.target.value)}>
          <option value="">any status</option>
          {["unannotated", "annotated", "null", "reviewed"].map((s) => <option key={s}>{s}</option>)}
        </select>
        <select aria-label="class filter" value={filters.class} onChange={(e) => filter("class")(e.target.value)}>
          <option value="">any class</option>
          {project.data?.categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
        {(videos.data?.length ?? 0) > 0 && (
          <select aria-label="video filter" value={filters.video} onChange={(e) => filter("video")(e.target.value)}>
            <option value="">all images and videos</option>
            {videos.data?.map((v) => <option key={v.id} value={v.id}>{v.file_name} ({v.frames} frames)</option>)}
          </select>
        )}
        <input aria-label="tag" placeholder="tag" value={tag}
          onChange={(e) => { setTag(e.target.value); filter("tag")(e.target.value.trim()); }} />
        <label className="inline">
          <input type="checkbox" checked={showAnnotations} onChange={(e) => setShowAnnotations(e.target.checked)} /> show annotations
        </label>
        {filters.ids && (
          <button data-testid="ids-filter" title="images chosen by a link (a health finding, the next to label)"
            onClick={() => filter("ids")("")}>
            {filters.ids.split(",").length} chosen images ✕
          </button>
        )}
      </div>
      <p className="muted row">
        <span data-testid="image-count">{total} image{total === 1 ? "" : "s"}</span>
        {total > 0 && (
          <button onClick={() => selectAll().catch((e) => setError(e.message))}>
            Select all {total}{anyFilter(filters) ? " matching" : ""}
          </button>
        )}
      </p>
      <StatusLegend />
      {first.data && (
        <ImageGrid
          project={name}
          query={query}
          total={total}
          selection={selection}
          onTick={tick}
          linkSearch={gridSearch(filters)}
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
