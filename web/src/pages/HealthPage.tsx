import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { call, Schemas } from "../api";
import { ProjectNav } from "../pipeline/ProjectNav";

type HealthReport = Schemas["HealthReport"];
type Finding = Schemas["Finding"];
type DuplicateGroup = Schemas["DuplicateGroup"];

const health = (name: string) => call<HealthReport>("GET", `/projects/${encodeURIComponent(name)}/health`);

/** The grid of the project filtered to a finding's images (its `grid` query). */
function gridLink(name: string, grid: Record<string, string>): string {
  return `/projects/${encodeURIComponent(name)}?${new URLSearchParams(grid)}`;
}

/** Where a class's instances lie in the frame: one cell per heat-map cell, darker where more instances cover it. */
function HeatMap({ cells, color, label }: { cells: number[][]; color: string; label: string }) {
  const most = Math.max(1, ...cells.flat());
  return (
    <div className="heatmap" role="img" aria-label={`where ${label} instances lie`}
      style={{ display: "grid", gridTemplateColumns: `repeat(${cells[0]?.length ?? 1}, 6px)`, gap: 0, border: "1px solid #ccd" }}>
      {cells.flat().map((count, index) => (
        <span key={index} style={{ width: 6, height: 6, background: color, opacity: count / most }} />
      ))}
    </div>
  );
}

function Groups({ name, title, groups }: { name: string; title: string; groups: DuplicateGroup[] }) {
  if (!groups.length) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul data-testid={`groups-${title}`}>
        {groups.map((group, index) => (
          <li key={index}>
            <Link to={gridLink(name, { ids: group.images.map((i) => i.id).join(",") })}>
              {group.images.map((i) => `${i.file_name} (${i.split})`).join(" · ")}
            </Link>
            {group.kind === "near" && <span className="muted"> — {group.distance} bits apart</span>}
          </li>
        ))}
      </ul>
    </>
  );
}

/** A project's data health: findings first (each a link to the grid showing its images), then the numbers. */
export function HealthPage({ name }: { name: string }) {
  const report = useQuery({ queryKey: ["health", name], queryFn: () => health(name) });
  const data = report.data;
  const findings = data?.findings ?? [];
  return (
    <section>
      <h1>{name}</h1>
      <ProjectNav name={name} />
      {report.isLoading && <p className="muted">Fingerprinting images…</p>}
      {report.error && <p className="error" role="alert">{report.error.message}</p>}
      {data && (
        <>
          <p className="muted">
            {data.images} images · {data.annotations} annotations · {data.images_without_annotations} without annotations
          </p>
          <h2>Findings</h2>
          {!findings.length && <p>No findings: the data looks healthy.</p>}
          <ul data-testid="findings">
            {findings.map((finding: Finding) => (
              <li key={finding.kind + finding.message} className={finding.severity === "warning" ? "error" : ""}>
                <strong>{finding.severity}</strong>{" "}
                {Object.keys(finding.grid).length ? (
                  <Link to={gridLink(name, finding.grid)} data-kind={finding.kind}>{finding.message}</Link>
                ) : finding.message}
              </li>
            ))}
          </ul>
          <Groups name={name} title="Leaks across splits" groups={data.split_leaks} />
          <Groups name={name} title="Exact duplicates" groups={data.exact_duplicates} />
          <Groups name={name} title="Near duplicates" groups={data.near_duplicates} />
          <h2>Classes</h2>
          <table className="table">
            <thead><tr><th>Class</th><th>Instances</th><th>Share</th><th>Images</th><th>small / medium / large</th><th>Where</th></tr></thead>
            <tbody>
              {data.classes.map((c) => (
                <tr key={c.stats.id}>
                  <td><Link to={gridLink(name, { class: String(c.stats.id) })}>{c.stats.name}</Link></td>
                  <td className="number">{c.stats.annotations}</td>
                  <td className="number">{(c.share * 100).toFixed(0)}%</td>
                  <td className="number">{c.stats.images}</td>
                  <td className="number">{c.stats.sizes.small} / {c.stats.sizes.medium} / {c.stats.sizes.large}</td>
                  <td><HeatMap cells={c.heatmap} color={c.stats.color} label={c.stats.name} /></td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Images</h2>
          <p>
            Sizes: {data.image_sizes.slice(0, 8).map(([w, h, n]) => `${w}×${h} (${n})`).join(", ") || "none"}.
            Shapes: {Object.entries(data.aspect_ratios).map(([shape, n]) => `${shape} ${n}`).join(", ") || "none"}.
          </p>
        </>
      )}
    </section>
  );
}
