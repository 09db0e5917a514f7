import { FormEvent, useCallback, useEffect, useState } from "react";
import { api, Category } from "../api";
import { PALETTE } from "../colors";
import { JobProgress } from "../pipeline/JobProgress";
import { ProjectNav } from "../pipeline/ProjectNav";
import { useJob } from "../pipeline/useJob";
import { classesOf, Detector, PreviewImage, PromptRow, rapidApi, toRequest } from "./api";
import { Drawn } from "./Drawn";
import { ReviewQueue } from "./ReviewQueue";
import { TrainNext } from "./TrainNext";
import "./rapid.css";

function PromptRows({ rows, setRows }: { rows: PromptRow[]; setRows: (rows: PromptRow[]) => void }) {
  const change = (index: number, key: keyof PromptRow, value: string) =>
    setRows(rows.map((row, i) => (i === index ? { ...row, [key]: value } : row)));
  return (
    <div className="prompt-rows">
      {rows.map((row, index) => (
        <div key={index} className="prompt-row">
          <input aria-label={`prompt ${index + 1}`} placeholder="what to find, e.g. bottle cap" value={row.text}
            onChange={(e) => change(index, "text", e.target.value)} />
          <span className="muted">→</span>
          <input aria-label={`class ${index + 1}`} placeholder={row.text || "class"} value={row.class_name}
            onChange={(e) => change(index, "class_name", e.target.value)} />
          <button type="button" className="link" aria-label={`remove prompt ${index + 1}`} disabled={rows.length === 1}
            onClick={() => setRows(rows.filter((_, i) => i !== index))}>remove</button>
        </div>
      ))}
      <button type="button" onClick={() => setRows([...rows, { text: "", class_name: "" }])}>+ Add prompt</button>
    </div>
  );
}

function Thresholds({ classes, threshold, setThreshold, thresholds, setThresholds }: {
  classes: string[]; threshold: number; setThreshold: (value: number) => void;
  thresholds: Record<string, number>; setThresholds: (value: Record<string, number>) => void;
}) {
  return (
    <div className="fields">
      <label>Threshold (other classes)
        <input type="number" min={0} max={1} step={0.05} aria-label="threshold" value={threshold}
          onChange={(e) => setThreshold(Number(e.target.value))} />
      </label>
      {classes.map((name) => (
        <label key={name}>{name}
          <input type="number" min={0} max={1} step={0.05} aria-label={`threshold ${name}`} placeholder={String(threshold)}
            value={thresholds[name] ?? ""}
            onChange={(e) => {
              const { [name]: _, ...rest } = thresholds;
              setThresholds(e.target.value === "" ? rest : { ...rest, [name]: Number(e.target.value) });
            }} />
        </label>
      ))}
    </div>
  );
}

function Preview({ images, classes }: { images: PreviewImage[]; classes: string[] }) {
  const color = (name: string) => PALETTE[Math.max(0, classes.indexOf(name)) % PALETTE.length];
  return (
    <div className="preview-grid" data-testid="rapid-preview">
      {images.map((image) => (
        <figure key={image.image_id} className="card">
          <Drawn imageId={image.image_id} width={image.width} height={image.height} label={`preview of ${image.file_name}`}
            shapes={image.instances.map((instance, i) => ({
              key: i, geometry: instance.segmentation, color: color(instance.class_name), box: instance.box,
              label: `${instance.class_name} ${Math.round(instance.confidence * 100)}%`,
            }))} />
          <figcaption className="muted small">{image.file_name}: {image.instances.length} found</figcaption>
        </figure>
      ))}
    </div>
  );
}

/** Rapid: text prompts → an open-vocabulary detector and SAM label the project; preview first, run as a job,
 * review each proposal, then create a version and train on it. */
export function RapidPage({ name }: { name: string }) {
  const [rows, setRows] = useState<PromptRow[]>([{ text: "", class_name: "" }]);
  const [threshold, setThreshold] = useState(0.3);
  const [thresholds, setThresholds] = useState<Record<string, number>>({});
  const [detectors, setDetectors] = useState<Detector[]>([]);
  const [detector, setDetector] = useState<string | null>(null);
  const [categories, setCategories] = useState<Category[]>([]);
  const [preview, setPreview] = useState<PreviewImage[] | null>(null);
  const [previewing, setPreviewing] = useState(false);
  const [runJobId, setRunJobId] = useState<number | null>(null);
  const [reviewVersion, setReviewVersion] = useState(0);
  const [pending, setPending] = useState(0);
  const [error, setError] = useState("");

  const loadProject = useCallback(() => api.project(name).then((p) => setCategories(p.categories)), [name]);
  useEffect(() => {
    loadProject().catch((e) => setError(e.message));
    rapidApi.detectors().then(setDetectors).catch((e) => setError(e.message));
  }, [loadProject]);

  const runJob = useJob(runJobId, () => {
    loadProject().catch((e) => setError(e.message));
    setReviewVersion((v) => v + 1);
  });

  const classes = classesOf(rows);
  const request = () => toRequest(rows, threshold, thresholds, detector);

  async function showPreview() {
    setError("");
    setPreviewing(true);
    try {
      setPreview((await rapidApi.preview(name, request())).images);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setPreviewing(false);
    }
  }

  async function run(event: FormEvent) {
    event.preventDefault();
    setError("");
    try {
      setRunJobId((await rapidApi.run(name, request())).id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const running = runJob !== null && (runJob.status === "queued" || runJob.status === "running");
  const chosen = detectors.find((d) => d.name === detector) ?? detectors.find((d) => d.default);
  return (
    <section className="pipeline rapid">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Rapid: label from text prompts</h2>
      <form className="card" onSubmit={run}>
        <p className="muted small">
          Name what to find; several prompts may give one class (“hard hat” → helmet). An open-vocabulary detector
          finds boxes, Smart Polygon's model outlines them, and the results are stored as proposals to review.
        </p>
        <PromptRows rows={rows} setRows={setRows} />
        <Thresholds classes={classes} threshold={threshold} setThreshold={setThreshold} thresholds={thresholds}
          setThresholds={setThresholds} />
        <div className="fields">
          <label>Detector
            <select aria-label="detector" value={chosen?.name ?? ""} onChange={(e) => setDetector(e.target.value)}>
              {detectors.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name} {d.available ? "(weights here)" : `(downloads ~${d.download_mb} MB)`}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!classes.length || previewing} onClick={showPreview}>
            {previewing ? "Previewing…" : "Preview on 4 images"}
          </button>
          <button type="submit" className="primary" disabled={!classes.length || running}>Label unannotated images</button>
        </div>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {preview && <Preview images={preview} classes={classes} />}
      {runJob && (
        <section className="card" data-testid="rapid-run">
          <JobProgress job={runJob} label="Labelling" />
          {runJob.status === "succeeded" && (
            <p className="success" data-testid="rapid-result">
              {String(runJob.result?.annotations)} proposals on {String(runJob.result?.images)} images
            </p>
          )}
        </section>
      )}
      <h2>Review</h2>
      <ReviewQueue name={name} categories={categories} version={reviewVersion} onChange={setPending} />
      <h2>Train on it</h2>
      <TrainNext name={name} pending={pending} />
    </section>
  );
}
