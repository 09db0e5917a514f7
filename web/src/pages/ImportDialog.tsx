// "Import dataset": a dataset in any readable format, uploaded as a zip or tar.gz archive and imported by a background
// job (POST /api/v1/projects/{name}/import/jobs) as a path import would be, with the same report.
// The server never reads a path it is sent from here: the archive is all it gets.

import { useEffect, useState } from "react";
import { call, importJob } from "../api";
import { ImportJobStatus } from "../datasets/ImportJobStatus";
import "../downloads/downloads.css";

interface DatasetFormat { name: string; description: string }

export function ImportDialog({ project, onImported }: { project: string; onImported: () => void }) {
  const [open, setOpen] = useState(false);
  const [formats, setFormats] = useState<DatasetFormat[]>([]);
  const [format, setFormat] = useState("auto");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [jobId, setJobId] = useState<number | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    if (open) call<DatasetFormat[]>("GET", "/formats").then(setFormats).catch((e) => setError(e.message));
  }, [open]);

  async function send() {
    if (!file) return;
    setError("");
    setJobId(null);
    setProgress(0);
    try {
      setJobId((await importJob(project, [{ file, path: file.name }], setProgress, "", format)).id);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  }

  if (!open) return <button onClick={() => setOpen(true)}>Import dataset</button>;
  const busy = progress !== null;
  return (
    <div className="download-backdrop" onClick={() => !busy && setOpen(false)}>
      <div role="dialog" aria-modal="true" aria-label={`Import a dataset into ${project}`} className="download-dialog card"
        onClick={(e) => e.stopPropagation()}>
        <h3>Import a dataset into {project}</h3>
        <p className="muted small">A zip or tar.gz of a COCO, YOLO, LabelMe, CVAT, SA-1B or mask PNG dataset, as exported
          by Roboflow, CVAT or seglab. Classes are matched by name; images already in the project are skipped.</p>
        <label>
          Archive{" "}
          <input type="file" aria-label="dataset archive" accept=".zip,.tar.gz,.tgz,.tar"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label>
          Format{" "}
          <select aria-label="import format" value={format} onChange={(e) => setFormat(e.target.value)}>
            <option value="auto">detect</option>
            {formats.map((f) => <option key={f.name} value={f.name} title={f.description}>{f.name}</option>)}
          </select>
        </label>
        {busy && <progress value={progress} max={1} aria-label="import progress" />}
        {busy && progress >= 1 && <span className="muted"> uploaded; importing on the server…</span>}
        {jobId !== null && <ImportJobStatus project={project} jobId={jobId} onFinished={onImported} />}
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row">
          <button className="primary" disabled={!file || busy} onClick={send}>Import</button>
          <button disabled={busy} onClick={() => setOpen(false)}>Close</button>
        </div>
      </div>
    </div>
  );
}
