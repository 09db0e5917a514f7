import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { api } from "../api";
import { PALETTE } from "../colors";
import { JobProgress } from "../pipeline/JobProgress";
import { ProjectNav } from "../pipeline/ProjectNav";
import { isActive, keys, useJob } from "../queries";
import { classesOf, Example, PreviewImage, PromptRow, rapidApi, toRequest } from "./api";
import { Drawn } from "./Drawn";
import { ExampleCanvas, ExampleList } from "./Examples";
import { ReviewQueue } from "./ReviewQueue";
import { TrainNext } from "./TrainNext";
import "./rapid.css";
import { allows } from "../access";

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

function Preview({ images, classes, examples, onBox }: {
  images: PreviewImage[]; classes: string[]; examples: Example[];
  onBox(imageId: number, box: [number, number, number, number]): void;
}) {
  const color = (name: string) => PALETTE[Math.max(0, classes.indexOf(name)) % PALETTE.length];
  return (
    <div className="preview-grid" data-testid="rapid-preview">
      {images.map((image) => (
        <figure key={image.image_id} className="card">
          <ExampleCanvas imageId={image.image_id} width={image.width} height={image.height} examples={examples}
            onBox={(box) => onBox(image.image_id, box)}>
            <Drawn imageId={image.image_id} width={image.width} height={image.height} label={`preview of ${image.file_name}`}
              shapes={image.instances.map((instance, i) => ({
                key: i, geometry: instance.segmentation, color: color(instance.class_name), box: instance.box,
                label: `${instance.class_name} ${Math.round(instance.confidence * 100)}%`,
              }))} />
          </ExampleCanvas>
          <figcaption className="muted small">{image.file_name}: {image.instances.length} found</figcaption>
        </figure>
      ))}
    </div>
  );
}

/** Rapid: text prompts → an open-vocabulary detector and SAM label the project; preview first, run as a job,
 * review each proposal, then create a version and train on it. */
export function RapidPage({ name }: { name: string }) {
  const client = useQueryClient();
  const [rows, setRows] = useState<PromptRow[]>([{ text: "", class_name: "" }]);
  const [threshold, setThreshold] = useState(0.3);
  const [thresholds, setThresholds] = useState<Record<string, number>>({});
  const [detector, setDetector] = useState<string | null>(null);
  const [runJobId, setRunJobId] = useState<number | null>(null);
  const [pending, setPending] = useState(0);
  const [examples, setExamples] = useState<Example[]>([]);
  const [positive, setPositive] = useState(true);

  const project = useQuery({ queryKey: keys.project(name), queryFn: () => api.project(name) });
  const detectorList = useQuery({ queryKey: keys.detectors, queryFn: rapidApi.detectors });
  const detectors = detectorList.data ?? [];
  const categories = project.data?.categories ?? [];

  const classes = classesOf(rows);
  const request = () => toRequest(rows, threshold, thresholds, detector, examples);
  const addExample = (imageId: number, box: [number, number, number, number]) =>
    setExamples([...examples, { image_id: imageId, box, class_name: classes[0] ?? null, positive }]);
  const preview = useMutation({ mutationFn: () => rapidApi.preview(name, request()) });
  const run = useMutation({ mutationFn: () => rapidApi.run(name, request()), onSuccess: (job) => setRunJobId(job.id) });

  // the run adds classes and proposals: the project and the review queue are read again
  const runJob = useJob(runJobId, () => {
    client.invalidateQueries({ queryKey: keys.project(name) });
    client.invalidateQueries({ queryKey: keys.proposals(name) });
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    run.mutate();
  }

  const error = [project.error, detectorList.error, preview.error, run.error].find(Boolean)?.message;
  const running = isActive(runJob);
  const chosen = detectors.find((d) => d.name === detector) ?? detectors.find((d) => d.default);
  // a detector neither here nor downloadable could only fail: its buttons wait for one that can run
  const usable = chosen !== undefined && (chosen.available || chosen.downloadable);
  return (
    <section className="pipeline rapid">
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Rapid: label from text prompts</h2>
      {!allows(project.data, "annotation.write") && <p className="muted">Your role in this project does not label images.</p>}
      {allows(project.data, "annotation.write") && <form className="card" onSubmit={submit}>
        <p className="muted small" data-testid="rapid-how">
          Name what to find; several prompts may give one class (“hard hat” → helmet).{" "}
          {chosen?.family === "sam3"
            ? "SAM 3 finds and outlines every instance of each prompt, and of each example box, in one pass"
            : "An open-vocabulary detector finds boxes, Smart Polygon's model outlines them"}
          , and the results are stored as proposals to review.
        </p>
        <PromptRows rows={rows} setRows={setRows} />
        <Thresholds classes={classes} threshold={threshold} setThreshold={setThreshold} thresholds={thresholds}
          setThresholds={setThresholds} />
        <ExampleList examples={examples} setExamples={setExamples} positive={positive} setPositive={setPositive} classes={classes} />
        <div className="fields">
          <label>Detector
            <select aria-label="detector" value={chosen?.name ?? ""} onChange={(e) => setDetector(e.target.value)}>
              {detectors.map((d) => (
                <option key={d.name} value={d.name} disabled={!d.available && !d.downloadable}>
                  {d.name} {d.available ? "(weights here)" : d.downloadable ? `(downloads ~${d.download_mb} MB on first use)` : "(not on this server)"}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!classes.length || !usable || preview.isPending} onClick={() => preview.mutate()}>
            {preview.isPending ? "Previewing…" : "Preview on 4 images"}
          </button>
          <button type="submit" className="primary" disabled={!classes.length || !usable || running}>Label unannotated images</button>
        </div>
      </form>}
      {detectors.some((d) => !d.available && !d.downloadable) && (
        <p className="muted small wrap" data-testid="detectors-missing">
          Detectors marked “not on this server” cannot be downloaded from here (no access to huggingface.co). To add
          one, fetch it on a machine with internet access (<code>hf download REPOSITORY --local-dir DIR</code>, the
          repositories are listed in the README's Rapid section), copy the folder to this server and set{" "}
          <code>SEGLAB_AUTOLABEL_WEIGHTS=DIR</code>, or put Hugging Face's cache under{" "}
          <code>SEGLAB_HOME/weights/huggingface</code>.
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {preview.data && <Preview images={preview.data.images} classes={classes} examples={examples} onBox={addExample} />}
      {runJob && (
        <section className="card" data-testid="rapid-run">
          <JobProgress job={runJob} label="Labelling" project={name} />
          {runJob.status === "succeeded" && (
            <p className="success" data-testid="rapid-result">
              {String(runJob.result?.annotations)} proposals on {String(runJob.result?.images)} images
            </p>
          )}
        </section>
      )}
      <h2>Review</h2>
      <ReviewQueue name={name} categories={categories} onChange={setPending} />
      <h2>Train on it</h2>
      <TrainNext name={name} pending={pending} />
    </section>
  );
}
