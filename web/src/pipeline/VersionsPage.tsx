import { useCallback, useEffect, useState } from "react";
import { api, Project } from "../api";
import { navigate } from "../App";
import { DownloadDialog } from "../downloads/DownloadDialog";
import { Job, pipelineApi, Version, VersionPreview } from "./api";
import { JobProgress } from "./JobProgress";
import { PreviewGrid } from "./PreviewGrid";
import { ProjectNav } from "./ProjectNav";
import { defaultForm, recipeSummary, RecipeForm, toRecipe } from "./recipe";
import { RecipeFields } from "./RecipeFields";
import { useJob } from "./useJob";

const SPLITS = ["train", "valid", "test"];

function VersionList({ name, versions }: { name: string; versions: Version[] }) {
  if (!versions.length) return <p className="muted">No version yet: generate one below.</p>;
  return (
    <table className="table" data-testid="versions">
      <thead>
        <tr><th>Version</th><th>Created</th>{SPLITS.map((s) => <th key={s}>{s}</th>)}<th>Objects</th><th>Recipe</th><th /></tr>
      </thead>
      <tbody>
        {[...versions].reverse().map((v) => (
          <tr key={v.id}>
            <td><strong>v{v.number}</strong> <span className="muted small" title={v.content_hash}>{v.content_hash.slice(0, 8)}</span></td>
            <td>{new Date(v.created_at).toLocaleString()}</td>
            {SPLITS.map((s) => <td key={s} className="number">{v.statistics.images_per_split[s] ?? 0}</td>)}
            <td className="number">{v.statistics.annotations}</td>
            <td>{recipeSummary(v.recipe).map((part) => <span key={part} className="chip">{part}</span>)}</td>
            <td>
              <a href={`/projects/${encodeURIComponent(name)}/train?version=${v.id}`}
                onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(name)}/train?version=${v.id}`); }}>
                Train →
              </a>
              {" "}<DownloadDialog version={v} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A project's dataset versions and the form that generates a new one, with a preview of its augmented images. */
export function VersionsPage({ name }: { name: string }) {
  const [project, setProject] = useState<Project | null>(null);
  const [versions, setVersions] = useState<Version[]>([]);
  const [form, setForm] = useState<RecipeForm>(defaultForm);
  const [preview, setPreview] = useState<VersionPreview | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [jobId, setJobId] = useState<number | null>(null);
  const [message, setMessage] = useState("");
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const [loaded, list] = await Promise.all([api.project(name), pipelineApi.versions(name)]);
    setProject(loaded);
    setVersions(list);
  }, [name]);
  useEffect(() => { load().catch((e) => setError(e.message)); }, [load]);

  const job = useJob(jobId, (finished: Job) => {
    if (finished.status === "succeeded") setMessage(`Version ${String(finished.result?.version)} generated`);
    load().catch((e) => setError(e.message));
  });

  async function showPreview() {
    setError("");
    setPreviewing(true);
    try {
      setPreview(await pipelineApi.preview(name, toRecipe(form), 4));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPreviewing(false);
    }
  }

  async function generate() {
    setError("");
    setMessage("");
    try {
      setJobId((await pipelineApi.createVersion(name, toRecipe(form))).id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const busy = job !== null && (job.status === "queued" || job.status === "running");
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Versions</h2>
      <VersionList name={name} versions={versions} />
      <h2>Generate a new version</h2>
      <div className="generate">
        <div className="recipe">
          <RecipeFields form={form} change={(update) => setForm(update)} categories={project?.categories ?? []} />
        </div>
        <aside className="card sticky">
          <h3>Preview</h3>
          <p className="muted small">A few images as this recipe renders them, augmentation included.</p>
          <button onClick={showPreview} disabled={previewing}>{previewing ? "Rendering…" : "Preview"}</button>
          {preview && <PreviewGrid preview={preview} />}
          <hr />
          <button className="primary" onClick={generate} disabled={busy}>Generate version</button>
          {job && <JobProgress job={job} label="Generating" />}
          {message && <p className="success" role="status">{message}</p>}
          {error && <p className="error" role="alert">{error}</p>}
        </aside>
      </div>
    </section>
  );
}
