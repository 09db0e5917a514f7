import type { ImportReport } from "../api";
import { counted } from "../words";

/** What an import did, as `seglab import` reports it: images and annotations added, duplicates, new classes and
 * each problem naming the archive member and line. */
export function ImportSummary({ report }: { report: ImportReport }) {
  const { images_added: images = 0, annotations_added: annotations = 0, duplicates = 0 } = report;
  const created = report.categories_created ?? [];
  const problems = report.problems ?? [];
  // notes (`info`: nothing lost, such as Roboflow's superclass dropped) are listed, but not counted as problems
  const serious = problems.filter((p) => p.severity !== "info").length;
  const notes = problems.length - serious;
  return (
    <div data-testid="import-report">
      <p>
        {report.format === "images" ? "no annotations found, images only" : report.format}: added {counted(images, "image")}
        {" "}and {counted(annotations, "annotation")}
        {duplicates > 0 && ` · ${counted(duplicates, "duplicate")} skipped`}
        {created.length > 0 && ` · new classes: ${created.join(", ")}`}
        {serious > 0 && ` · ${counted(serious, "problem")}`}
        {notes > 0 && ` · ${counted(notes, "note")}`}
      </p>
      {problems.length > 0 && (
        <ul className="small wrap" role={serious > 0 ? "alert" : "note"}>
          {problems.slice(0, 50).map((p, i) => (
            <li key={i}>{p.severity}: {p.file}{p.location ? ` (${p.location})` : ""}: {p.message}</li>
          ))}
          {problems.length > 50 && <li>… and {problems.length - 50} more</li>}
        </ul>
      )}
    </div>
  );
}
