import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { call, Schemas } from "../api";
import { useJob } from "../queries";
import { Job, pipelineApi } from "./api";
import { ProjectNav } from "./ProjectNav";

type ErrorList = Schemas["ErrorList"];
type EvaluationRun = Schemas["EvaluationRun"];
type Comparison = Schemas["Comparison"];

const TYPES: Record<string, string> = {
  false_positive: "false positive", miss: "miss", poor_boundary: "poor boundary", confusion: "class confusion",
};

const errorsApi = {
  runs: (modelId: number) => call<EvaluationRun[]>("GET", `/models/${modelId}/evaluations`),
  errors: (modelId: number, run: string, filters: Record<string, string>) =>
    call<ErrorList>("GET", `/models/${modelId}/evaluations/${run}/errors?${new URLSearchParams(filters)}`),
  propose: (modelId: number, run: string, number: number) =>
    call<{ image_id: number }>("POST", `/models/${modelId}/evaluations/${run}/errors/${number}/propose`),
  dismiss: (modelId: number, run: string, number: number) =>
    call<null>("POST", `/models/${modelId}/evaluations/${run}/errors/${number}/dismiss`),
  nextToLabel: (project: string, modelId: number, count: number) =>
    call<Job>("POST", `/projects/${encodeURIComponent(project)}/next-to-label`, { model_id: modelId, count }),
  compare: (modelId: number, run: string, otherModel: number, otherRun: string) =>
    call<Comparison>("GET", `/models/${modelId}/evaluations/${run}/compare/${otherModel}/${otherRun}`),
};

function CompareTable({ comparison }: { comparison: Comparison }) {
  return (
    <table className="table" data-testid="comparison">
      <thead><tr><th>Class</th><th>mask mAP before</th><th>after</th><th>change</th><th>errors before → after</th></tr></thead>
      <tbody>
        {comparison.classes.map((c) => (
          <tr key={c.id}>
            <td>{c.name}</td>
            <td className="number">{c.before.toFixed(3)}</td>
            <td className="number">{c.after.toFixed(3)}</td>
            <td className={`number ${c.change < 0 ? "error" : ""}`}>{c.change >= 0 ? "+" : ""}{c.change.toFixed(3)}</td>
            <td className="number">{c.errors_before} → {c.errors_after}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An evaluation's errors one by one, each with a crop; a prediction opens in the editor as a proposal to accept or
 * reject; filters (type, class, likely label mistakes first) live in the URL. */
export function ErrorsPage({ name }: { name: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const [failure, setFailure] = useState("");
  const [count, setCount] = useState(50);
  const [rankingJob, setRankingJob] = useState<number | null>(null);
  // the ranking runs the model on every unannotated image: a background job, followed until it ends
  const ranking = useJob(rankingJob, (job) => {
    setRankingJob(null);
    const grid = (job.result as { grid?: Record<string, string> } | null)?.grid;
    if (job.status === "succeeded" && grid) navigate(`/projects/${encodeURIComponent(name)}?${new URLSearchParams(grid)}`);
    else setFailure(job.error ?? `the ranking job ${job.status}`);
  });
  const models = useQuery({ queryKey: ["models", name], queryFn: () => pipelineApi.models(name) });
  const list = models.data ?? [];
  const modelId = Number(params.get("model")) || list[list.length - 1]?.id || null;
  const runs = useQuery({ queryKey: ["evaluations", modelId], queryFn: () => errorsApi.runs(modelId!), enabled: modelId !== null });
  const run = params.get("run") || "latest";
  const type = params.get("type") ?? "";
  const category = params.get("class") ?? "";
  const mistakes = params.get("rank") === "mistakes";
  const filters: Record<string, string> = {};
  if (type) filters.type = type;
  if (category) filters.category_id = category;
  if (mistakes) filters.mistakes_first = "true";
  const errors = useQuery({
    queryKey: ["errors", modelId, run, filters],
    queryFn: () => errorsApi.errors(modelId!, run, filters),
    enabled: modelId !== null,
  });
  const other = params.get("compare") ?? "";
  const current = errors.data?.run.run;
  const comparison = useQuery({
    queryKey: ["compare", modelId, current, other],
    queryFn: () => errorsApi.compare(modelId!, other, modelId!, current!),
    enabled: modelId !== null && Boolean(other) && Boolean(current),
  });

  const set = (key: string, value: string) =>
    setParams((now) => { const next = new URLSearchParams(now); if (value) next.set(key, value); else next.delete(key); return next; }, { replace: true });

  async function open(number: number, imageId: number | null | undefined, hasPrediction: boolean) {
    setFailure("");
    try {
      const target = hasPrediction ? (await errorsApi.propose(modelId!, current!, number)).image_id : imageId;
      if (target) navigate(`/images/${target}`);
    } catch (e) {
      setFailure((e as Error).message);
    }
  }

  /** Active learning: the model's most uncertain unannotated images, shown in the grid (`?ids=`). */
  async function labelNext() {
    setFailure("");
    try {
      setRankingJob((await errorsApi.nextToLabel(name, modelId!, count)).id);
    } catch (e) {
      setFailure((e as Error).message);
    }
  }

  async function dismiss(number: number) {
    await errorsApi.dismiss(modelId!, current!, number).catch((e) => setFailure(e.message));
    client.invalidateQueries({ queryKey: ["errors", modelId] });
  }

  const classes = new Map<number, string>();
  errors.data?.errors.forEach((e) => classes.set(e.case.category_id, e.class_name));
  return (
    <section>
      <h1>{name}</h1>
      <ProjectNav name={name} />
      {!list.length && !models.isLoading && <p className="muted">No trained model yet: train one, evaluate it, and its errors show here.</p>}
      <div className="row filters">
        <select aria-label="model" value={modelId ?? ""} onChange={(e) => set("model", e.target.value)}>
          {list.map((m) => <option key={m.id} value={m.id}>model {m.id} ({m.architecture}, {m.version})</option>)}
        </select>
        <select aria-label="evaluation" value={run} onChange={(e) => set("run", e.target.value === "latest" ? "" : e.target.value)}>
          <option value="latest">newest evaluation</option>
          {runs.data?.map((r) => <option key={r.run} value={r.run}>{r.run} · {r.version} · mAP {r.mask_map50_95.toFixed(3)}</option>)}
        </select>
        <select aria-label="error type" value={type} onChange={(e) => set("type", e.target.value)}>
          <option value="">every type</option>
          {Object.entries(TYPES).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
        </select>
        <select aria-label="error class" value={category} onChange={(e) => set("class", e.target.value)}>
          <option value="">every class</option>
          {[...classes].map(([id, label]) => <option key={id} value={id}>{label}</option>)}
        </select>
        <label className="inline">
          <input type="checkbox" checked={mistakes} onChange={(e) => set("rank", e.target.checked ? "mistakes" : "")} /> likely label mistakes first
        </label>
        <select aria-label="compare with" value={other} onChange={(e) => set("compare", e.target.value)}>
          <option value="">compare with…</option>
          {runs.data?.filter((r) => r.run !== current).map((r) => <option key={r.run} value={r.run}>{r.run} · {r.version}</option>)}
        </select>
      </div>
      {modelId !== null && (
        <p className="row">
          <label>
            Label next{" "}
            <input type="number" min={1} max={10000} value={count} aria-label="how many to label next"
              onChange={(e) => setCount(Number(e.target.value) || 50)} />
          </label>
          <button onClick={labelNext} disabled={rankingJob !== null}>
            {rankingJob !== null
              ? `Ranking unannotated images… ${ranking?.progress.done ?? 0}/${ranking?.progress.total ?? "?"}`
              : `Show the ${count} images this model is least sure about`}
          </button>
        </p>
      )}
      {(failure || errors.error) && <p className="error" role="alert">{failure || errors.error?.message}</p>}
      {errors.data && (
        <p className="muted" data-testid="error-counts">
          At confidence {errors.data.confidence.toFixed(2)}:{" "}
          {Object.entries(errors.data.counts).map(([kind, n]) => `${n} ${TYPES[kind] ?? kind}`).join(" · ")}
        </p>
      )}
      {comparison.data && <CompareTable comparison={comparison.data} />}
      <ul className="error-cards" data-testid="errors" style={{ display: "flex", flexWrap: "wrap", gap: 12, listStyle: "none", padding: 0 }}>
        {errors.data?.errors.map(({ case: c, file_name, class_name, truth_class_name, source_image_id }) => (
          <li key={c.number} className="error-card" data-type={c.type} style={{ width: 200 }}>
            <img src={`/api/v1/models/${modelId}/evaluations/${current}/errors/${c.number}/crop.png`} alt={`error ${c.number}`}
              width={192} loading="lazy" />
            <div><strong>{TYPES[c.type]}</strong> · {class_name}{truth_class_name && truth_class_name !== class_name ? ` (label: ${truth_class_name})` : ""}</div>
            <div className="muted small">
              {c.confidence !== null && c.confidence !== undefined && `conf ${c.confidence.toFixed(2)} `}
              {c.iou !== null && c.iou !== undefined && `IoU ${c.iou.toFixed(2)} `}
              {c.mistake_score > 0 && `· label mistake? ${c.mistake_score.toFixed(2)}`}
            </div>
            <div className="muted small">{file_name}</div>
            <button onClick={() => open(c.number, source_image_id, c.prediction !== null && c.prediction !== undefined)}
              disabled={!source_image_id}>
              Open in editor
            </button>{" "}
            <button onClick={() => dismiss(c.number)}>Dismiss</button>
          </li>
        ))}
      </ul>
      {errors.data && !errors.data.errors.length && <p>No errors here.</p>}
    </section>
  );
}
