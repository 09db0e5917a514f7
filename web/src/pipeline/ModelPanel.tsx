import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ApiError } from "../api";
import { isActive, keys, useJob } from "../queries";
import { TrainedModel } from "../api";
import { Evaluation, Job, pipelineApi } from "./api";
import { JobProgress } from "./JobProgress";
import { TrainingCharts } from "./LineChart";
import { useCan } from "../access";

const PLOT_TITLES: Record<string, string> = {
  pr_curves: "Precision–recall (masks, IoU 0.5)",
  f1_confidence: "F1 against confidence",
  confusion_matrix: "Confusion matrix",
  training_curves: "Training curves",
  predictions: "Ground truth and predictions",
};

const metric = (value: number) => (value < 0 ? "—" : value.toFixed(3));

function EvaluationView({ evaluation }: { evaluation: Evaluation }) {
  const { report } = evaluation;
  const tiles: [string, number][] = [
    ["mask mAP50-95", report.mask.map50_95],
    ["mask mAP50", report.mask.map50],
    ["mask mAP75", report.mask.map75],
    ["box mAP50-95", report.box.map50_95],
    [`precision @ ${report.best_confidence.toFixed(2)}`, report.precision],
    [`recall @ ${report.best_confidence.toFixed(2)}`, report.recall],
    ["best F1", report.f1],
  ];
  const worst = [...report.errors]
    .map((e) => ({ ...e, total: e.false_positives + e.misses + e.low_iou + e.wrong_class }))
    .filter((e) => e.total > 0)
    .sort((a, b) => b.total - a.total)
    .slice(0, 8);
  return (
    <div className="evaluation" data-testid="evaluation">
      <p className="muted small">
        {evaluation.version}, {evaluation.split} split: {report.images} images, {report.instances} objects,{" "}
        {report.predictions} predictions · {new Date(evaluation.evaluated_at).toLocaleString()}
      </p>
      <div className="tiles">
        {tiles.map(([label, value]) => (
          <div key={label} className="tile"><span className="value">{metric(value)}</span><span className="small muted">{label}</span></div>
        ))}
      </div>
      <table className="table">
        <thead><tr><th>Class</th><th>Objects</th><th>mask mAP50-95</th><th>mask mAP50</th><th>box mAP50-95</th></tr></thead>
        <tbody>
          {report.classes.map((c) => (
            <tr key={c.id}>
              <td>{c.name}</td><td className="number">{c.instances}</td><td className="number">{metric(c.mask_map50_95)}</td>
              <td className="number">{metric(c.mask_map50)}</td><td className="number">{metric(c.box_map50_95)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {worst.length > 0 && (
        <details>
          <summary>Images with the most errors</summary>
          <table className="table">
            <thead><tr><th>Image</th><th>false positives</th><th>misses</th><th>low IoU</th><th>wrong class</th></tr></thead>
            <tbody>
              {worst.map((e) => (
                <tr key={e.image_id}>
                  <td>{e.file_name}</td><td className="number">{e.false_positives}</td><td className="number">{e.misses}</td>
                  <td className="number">{e.low_iou}</td><td className="number">{e.wrong_class}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
      <div className="plots">
        {evaluation.plots.map((plot) => (
          <figure key={plot}>
            <img
              src={`/api/v1/models/${evaluation.model_id}/evaluation/plots/${plot}.png?at=${encodeURIComponent(evaluation.evaluated_at)}`}
              alt={PLOT_TITLES[plot] ?? plot}
              data-testid="evaluation-plot"
            />
            <figcaption>{PLOT_TITLES[plot] ?? plot}</figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}

/** One trained model: its training curves, its newest evaluation, and a button to evaluate it again. */
export function ModelPanel({ model }: { model: TrainedModel }) {
  const client = useQueryClient();
  const [split, setSplit] = useState("test");
  const [jobId, setJobId] = useState<number | null>(null);

  // a model nobody has evaluated yet answers 404: shown as "not evaluated", not as an error
  const evaluation = useQuery({
    queryKey: keys.evaluation(model.id),
    queryFn: () => pipelineApi.evaluation(model.id).catch((e: ApiError) => {
      if (e.status === 404) return null;
      throw e;
    }),
  });
  const evaluate = useMutation({
    mutationFn: () => pipelineApi.evaluate(model.id, split),
    onSuccess: (queued) => setJobId(queued.id),
  });
  const job = useJob(jobId, (finished: Job) => {
    if (finished.status === "succeeded") client.invalidateQueries({ queryKey: keys.evaluation(model.id) });
  });

  const error = evaluation.error?.message ?? evaluate.error?.message;
  const running = isActive(job);
  const can = useCan(model.project);
  return (
    <section className="card" data-testid="model-panel">
      <h3>Model {model.id} · {model.architecture} · trained on {model.version}</h3>
      {model.metrics.epochs?.length ? <TrainingCharts rows={model.metrics.epochs} /> : null}
      <div className="row">
        <select aria-label="evaluation split" value={split} onChange={(e) => setSplit(e.target.value)}>
          {["test", "valid", "train"].map((s) => <option key={s} value={s}>{s} split</option>)}
        </select>
        {can("model.train") && <button className="primary" onClick={() => evaluate.mutate()} disabled={running}>Evaluate</button>}
      </div>
      {job && <JobProgress job={job} label="Evaluating" project={model.project} />}
      {error && <p className="error" role="alert">{error}</p>}
      {evaluation.data ? <EvaluationView evaluation={evaluation.data} /> : <p className="muted">Not evaluated yet.</p>}
    </section>
  );
}
