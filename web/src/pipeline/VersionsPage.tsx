import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { DownloadDialog } from "../downloads/DownloadDialog";
import { isActive, keys, useJob } from "../queries";
import { Job, pipelineApi, Version } from "./api";
import { JobProgress } from "./JobProgress";
import { PreviewGrid } from "./PreviewGrid";
import { ProjectNav } from "./ProjectNav";
import { defaultForm, recipeSummary, RecipeForm, toRecipe } from "./recipe";
import { RecipeFields } from "./RecipeFields";
import { useDebounced } from "../debounced";
import { allows, useCan } from "../access";

const SPLITS = ["train", "valid", "test"];

function VersionList({ name, versions }: { name: string; versions: Version[] }) {
  const can = useCan(name);
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
              {can("model.train") && <Link to={`/projects/${encodeURIComponent(name)}/train?version=${v.id}`}>Train →</Link>}
              {" "}{can("export.download") && <DownloadDialog version={v} />}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Where the recipe puts the project's images, asked of the server as the form changes (no image rendered):
 * the splits now, the version's, and why it would be refused (no training image), said in the page's words with
 * a button doing the fix (the server's message names the CLI's flags too). */
function SplitPlanView({ name, form, change }: { name: string; form: RecipeForm; change: (update: (f: RecipeForm) => RecipeForm) => void }) {
  const recipe = useDebounced(toRecipe(form), 300);
  const plan = useQuery({
    queryKey: ["split-plan", name, recipe],
    queryFn: () => pipelineApi.preview(name, recipe, 0),
    placeholderData: (previous) => previous,
  });
  const splits = plan.data?.splits;
  if (!splits) return null;
  const shares = form.split[0] > 0 ? form.split : defaultForm().split;
  const held = SPLITS.filter((s) => (splits.project[s] ?? 0) > 0).map((s) => `${splits.project[s]} in ${s}`);
  const resplit = () => change((f) => ({ ...f, split: shares, reassignAll: true, evaluationOnly: false }));
  return (
    <div data-testid="split-plan" className="small">
      <p>Project now: {[...SPLITS, "unassigned"].map((s) => `${s} ${splits.project[s] ?? 0}`).join(" · ")}</p>
      <p>This version: {SPLITS.map((s) => `${s} ${splits.version[s] ?? 0}`).join(" · ")}</p>
      {splits.problem && (
        <div className="error wrap" role="alert" data-testid="split-problem">
          <p>
            This version would have no training images ({held.join(", ") || "none in train"}), so no model could be
            trained on it. Re-split its images {shares.join("/")} (train/valid/test), or tick “only to evaluate
            models on” if it is not for training.
          </p>
          <button type="button" onClick={resplit}>Re-split {shares.join("/")}</button>
        </div>
      )}
    </div>
  );
}

/** A project's dataset versions and the form that generates a new one, with a preview of its augmented images. */
export function VersionsPage({ name }: { name: string }) {
  const client = useQueryClient();
  const [form, setForm] = useState<RecipeForm>(defaultForm);
  const [jobId, setJobId] = useState<number | null>(null);
  const [message, setMessage] = useState("");

  const project = useQuery({ queryKey: keys.project(name), queryFn: () => api.project(name) });
  const versions = useQuery({ queryKey: keys.versions(name), queryFn: () => pipelineApi.versions(name) });
  const preview = useMutation({ mutationFn: () => pipelineApi.preview(name, toRecipe(form), 4) });
  const generate = useMutation({
    mutationFn: () => pipelineApi.createVersion(name, toRecipe(form)),
    onMutate: () => { setMessage(""); preview.reset(); },
    onSuccess: (queued) => setJobId(queued.id),
  });

  const job = useJob(jobId, (finished: Job) => {
    if (finished.status === "succeeded") setMessage(`Version ${String(finished.result?.version)} generated`);
    client.invalidateQueries({ queryKey: keys.versions(name) });
  });

  const error = [project.error, versions.error, preview.error, generate.error].find(Boolean)?.message;
  const canGenerate = allows(project.data, "version.create");
  return (
    <section className="pipeline">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Versions</h2>
      <VersionList name={name} versions={versions.data ?? []} />
      {canGenerate && <h2>Generate a new version</h2>}
      {canGenerate && <div className="generate">
        <div className="recipe">
          <RecipeFields form={form} change={(update) => setForm(update)} categories={project.data?.categories ?? []} />
        </div>
        <aside className="card sticky">
          <h3>Preview</h3>
          <SplitPlanView name={name} form={form} change={(update) => setForm(update)} />
          <p className="muted small">A few images as this recipe renders them, augmentation included.</p>
          <button onClick={() => preview.mutate()} disabled={preview.isPending}>{preview.isPending ? "Rendering…" : "Preview"}</button>
          {preview.data && <PreviewGrid preview={preview.data} />}
          <hr />
          <button className="primary" onClick={() => generate.mutate()} disabled={isActive(job)}>Generate version</button>
          {job && <JobProgress job={job} label="Generating" project={name} />}
          {message && <p className="success" role="status">{message}</p>}
          {error && <p className="error" role="alert">{error}</p>}
        </aside>
      </div>}
    </section>
  );
}
