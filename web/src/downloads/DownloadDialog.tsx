// "Download": a version or a project as a zip archive in a chosen format, streamed by the server
// (GET /api/v1/versions/{id}/export.zip, GET /api/v1/projects/{name}/export.zip). The dialog says what the
// archive will hold before anyone waits for it.

import { useEffect, useState } from "react";
import { call } from "../api";
import "./downloads.css";

interface DatasetFormat { name: string; description: string; writable: boolean }
interface Contents { images: number; annotations: number; classes: string[] }
interface VersionLike {
  id: number; number: number; categories: { name: string }[];
  statistics: { images: number; annotations: number };
}
interface ProjectStats { images: number; annotations: number; classes: { name: string }[] }

/** What each writable format puts in the archive, in a few words. */
const LAYOUTS: Record<string, string> = {
  coco: "train/ valid/ test/ folders, each with its images and _annotations.coco.json",
  yolo: "data.yaml and <split>/images + <split>/labels (one polygon line per instance)",
  labelme: "each image with a LabelMe JSON beside it",
  sa1b: "each image with an SA-1B JSON of RLE masks (no class names)",
  cvat: "annotations.xml (CVAT for images 1.1) and images/",
  "mask-png": "each image with a 16-bit <name>_mask.png (class × 1000 + instance) and _classes.csv",
  "mask-png-semantic": "each image with an 8-bit <name>_mask.png (pixel = class) and _classes.csv",
};

function zipUrl(props: DownloadProps, format: string): string {
  const base = "version" in props
    ? `/api/v1/versions/${props.version.id}/export.zip`
    : `/api/v1/projects/${encodeURIComponent(props.project)}/export.zip`;
  return `${base}?format=${encodeURIComponent(format)}`;
}

export type DownloadProps = { version: VersionLike } | { project: string };

/** A "Download" button that opens the dialog; mount it beside a version or on a project's page. */
export function DownloadDialog(props: DownloadProps) {
  const [open, setOpen] = useState(false);
  const [formats, setFormats] = useState<DatasetFormat[]>([]);
  const [format, setFormat] = useState("coco");
  const [contents, setContents] = useState<Contents | null>(null);
  const [error, setError] = useState("");
  const title = "version" in props ? `Download version ${props.version.number}` : `Download ${props.project}`;
  const source = "version" in props ? `version ${props.version.id}` : `project ${props.project}`;

  useEffect(() => {
    if (!open) return;
    call<DatasetFormat[]>("GET", "/formats").then((all) => setFormats(all.filter((f) => f.writable)))
      .catch((e) => setError(e.message));
    if ("version" in props) {
      const { statistics, categories } = props.version;
      setContents({ images: statistics.images, annotations: statistics.annotations, classes: categories.map((c) => c.name) });
    } else {
      call<ProjectStats>("GET", `/projects/${encodeURIComponent(props.project)}/stats`)
        .then((s) => setContents({ images: s.images, annotations: s.annotations, classes: s.classes.map((c) => c.name) }))
        .catch((e) => setError(e.message));
    }
  }, [open, source]);

  if (!open) return <button onClick={() => setOpen(true)}>Download</button>;
  return (
    <div className="download-backdrop" onClick={() => setOpen(false)}>
      <div role="dialog" aria-modal="true" aria-label={title} className="download-dialog card" onClick={(e) => e.stopPropagation()}>
        <h3>{title}</h3>
        <label>
          Format{" "}
          <select aria-label="download format" value={format} onChange={(e) => setFormat(e.target.value)}>
            {(formats.length ? formats : [{ name: "coco", description: "COCO", writable: true }]).map((f) => (
              <option key={f.name} value={f.name} title={f.description}>{f.name}</option>
            ))}
          </select>
        </label>
        <p className="muted small">{LAYOUTS[format] ?? formats.find((f) => f.name === format)?.description}</p>
        {contents && (
          <ul data-testid="download-contents">
            <li>{contents.images} images</li>
            <li>{contents.annotations} annotations</li>
            <li>{contents.classes.length} classes: {contents.classes.join(", ")}</li>
          </ul>
        )}
        {error && <p className="error" role="alert">{error}</p>}
        <div className="row">
          <a className="button primary" href={zipUrl(props, format)} download onClick={() => setOpen(false)}>Download zip</a>
          <button onClick={() => setOpen(false)}>Close</button>
        </div>
      </div>
    </div>
  );
}
