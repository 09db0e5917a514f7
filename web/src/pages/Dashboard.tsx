import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { api } from "../api";
import { pipelineApi } from "../pipeline/api";
import { rapidApi } from "../rapid/api";
import { reviewApi } from "../review/api";
import { keys } from "../queries";
import { statusLabel, STATUSES } from "./statuses";
import "./dashboard.css";

/** The project at a glance: how far labelling is (annotated, null, reviewed, unannotated), instances per class as
 * a bar chart, the latest version and model, and what waits for review. Each number links where it is acted on. */
export function Dashboard({ name }: { name: string }) {
  const base = `/projects/${encodeURIComponent(name)}`;
  const stats = useQuery({ queryKey: keys.projectStats(name), queryFn: () => api.stats(name) });
  const versions = useQuery({ queryKey: keys.versions(name), queryFn: () => pipelineApi.versions(name) });
  const models = useQuery({ queryKey: keys.projectModels(name), queryFn: () => pipelineApi.models(name) });
  const review = useQuery({ queryKey: [...keys.images(name), "review"], queryFn: () => reviewApi.progress(name) });
  const proposals = useQuery({ queryKey: keys.proposals(name), queryFn: () => rapidApi.proposals(name) });
  if (!stats.data) return null;
  const { images, images_per_status: perStatus, classes } = stats.data;
  const latestVersion = [...(versions.data ?? [])].sort((a, b) => b.number - a.number)[0];
  const latestModel = [...(models.data ?? [])].sort((a, b) => b.id - a.id)[0];
  const inReview = (review.data?.jobs ?? []).reduce((sum, job) => sum + (job.counts.in_review ?? 0), 0);
  const toAccept = proposals.data?.total ?? 0;
  const most = Math.max(1, ...classes.map((c) => c.annotations));
  return (
    <section className="dashboard" aria-label="dashboard">
      <div className="dash-card">
        <h2>Progress</h2>
        <div className="status-bar" role="img" aria-label={STATUSES.map((s) => `${perStatus[s] ?? 0} ${statusLabel(s)}`).join(", ")}>
          {STATUSES.map((s) => (perStatus[s] ?? 0) > 0 && (
            <span key={s} className={`status-${s}`} style={{ flexGrow: perStatus[s] }} />
          ))}
        </div>
        <ul className="status-counts">
          {STATUSES.map((s) => (
            <li key={s}>
              <Link to={`${base}?status=${s}`} data-testid={`count-${s}`}>
                <span className={`dot status-${s}`} /> {perStatus[s] ?? 0} {statusLabel(s)}
              </Link>
            </li>
          ))}
        </ul>
        <p className="muted small" data-testid="labelled-share">
          {images - (perStatus.unannotated ?? 0)} / {images} images labelled
        </p>
      </div>
      <div className="dash-card">
        <h2>Instances per class</h2>
        {classes.length === 0 ? <p className="muted">no classes yet</p> : (
          <ul className="class-bars" aria-label="instances per class">
            {classes.map((c) => (
              <li key={c.id} title={`${c.annotations} instances on ${c.images} images`}>
                <span className="class-name">{c.name}</span>
                <span className="bar"><span style={{ width: `${(100 * c.annotations) / most}%`, background: c.color }} /></span>
                <span className="count" data-testid={`instances-${c.name}`}>{c.annotations}</span>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="dash-card">
        <h2>Latest</h2>
        <p>
          {latestVersion
            ? <Link to={`${base}/versions`}>version {latestVersion.number}</Link>
            : <Link to={`${base}/versions`}>no version yet: make one</Link>}
          {latestVersion && <span className="muted small"> · {latestVersion.statistics.images} images</span>}
        </p>
        <p>
          {latestModel
            ? <Link to={`${base}/train`}>model {latestModel.id}</Link>
            : <Link to={`${base}/train`}>no model yet: train one</Link>}
          {latestModel && <span className="muted small"> · {latestModel.architecture} on {latestModel.version}</span>}
        </p>
        <h2>Waiting for review</h2>
        <p data-testid="waiting-review">
          {inReview === 0 && toAccept === 0 && <span className="muted">nothing</span>}
          {inReview > 0 && <Link to={`${base}/jobs`}>{inReview} image{inReview === 1 ? "" : "s"} in review</Link>}
          {inReview > 0 && toAccept > 0 && " · "}
          {toAccept > 0 && <Link to={`${base}/rapid`}>{toAccept} proposal{toAccept === 1 ? "" : "s"} to accept</Link>}
        </p>
      </div>
    </section>
  );
}
