import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { keys } from "../queries";
import { LeaderboardEntry, pipelineApi, Version } from "./api";

type Column = { key: keyof LeaderboardEntry; label: string; format: (e: LeaderboardEntry) => string; higherIsBetter: boolean };

const metric = (value: number) => (value < 0 ? "—" : value.toFixed(3));

const COLUMNS: Column[] = [
  { key: "architecture", label: "Architecture", format: (e) => e.architecture, higherIsBetter: false },
  { key: "mask_map50_95", label: "mask mAP50-95", format: (e) => metric(e.mask_map50_95), higherIsBetter: true },
  { key: "mask_map50", label: "mask mAP50", format: (e) => metric(e.mask_map50), higherIsBetter: true },
  { key: "box_map50_95", label: "box mAP50-95", format: (e) => metric(e.box_map50_95), higherIsBetter: true },
  { key: "box_map50", label: "box mAP50", format: (e) => metric(e.box_map50), higherIsBetter: true },
  { key: "latency_ms_p50", label: "p50 latency (ms)", format: (e) => e.latency_ms_p50.toFixed(1), higherIsBetter: false },
  { key: "onnx_bytes", label: "ONNX size (MB)", format: (e) => (e.onnx_bytes / 1e6).toFixed(1), higherIsBetter: false },
  { key: "epochs", label: "Epochs", format: (e) => String(e.epochs), higherIsBetter: true },
  {
    key: "training_seconds", label: "Training time (s)",
    format: (e) => (e.training_seconds == null ? "—" : e.training_seconds.toFixed(0)), higherIsBetter: false,
  },
];

/** Every model trained on one version, scored by the same evaluation (mask/box mAP on the test split, per-class AP),
 * with latency measured on this server; sortable by any column. "Deploy this model" makes it the one
 * `project/version` serves. */
export function Leaderboard({ versions, canDeploy }: { versions: Version[]; canDeploy: boolean }) {
  const client = useQueryClient();
  const [versionId, setVersionId] = useState<number | null>(null);
  const [asked, setAsked] = useState(false);
  const [sort, setSort] = useState<{ key: keyof LeaderboardEntry; descending: boolean }>({ key: "mask_map50_95", descending: true });
  const chosen = versionId ?? versions[versions.length - 1]?.id ?? null;
  const board = useQuery({
    queryKey: keys.leaderboard(chosen ?? 0),
    queryFn: () => pipelineApi.leaderboard(chosen as number),
    enabled: asked && chosen !== null,
  });
  const deploy = useMutation({
    mutationFn: (modelId: number) => pipelineApi.deploy(modelId),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.leaderboard(chosen ?? 0) }),
  });
  if (!versions.length) return null;

  const entries = [...(board.data?.entries ?? [])].sort((a, b) => {
    const [x, y] = [a[sort.key], b[sort.key]];
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return sort.descending ? -order : order;
  });
  const sortBy = (column: Column) =>
    setSort((current) => ({
      key: column.key,
      descending: current.key === column.key ? !current.descending : column.higherIsBetter,
    }));
  const error = (board.error ?? deploy.error)?.message;
  return (
    <section className="card" data-testid="leaderboard">
      <div className="row">
        <label>Version
          <select aria-label="leaderboard version" value={chosen ?? ""} onChange={(e) => setVersionId(Number(e.target.value))}>
            {[...versions].reverse().map((v) => <option key={v.id} value={v.id}>v{v.number}</option>)}
          </select>
        </label>
        <button onClick={() => { setAsked(true); board.refetch(); }} disabled={board.isFetching}>
          {board.isFetching ? "Evaluating and measuring…" : "Compare models"}
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {board.data && (
        <table className="table" data-testid="leaderboard-table">
          <thead>
            <tr>
              <th>Model</th>
              {COLUMNS.map((c) => (
                <th key={c.key} aria-sort={sort.key === c.key ? (sort.descending ? "descending" : "ascending") : "none"}>
                  <button className="link" onClick={() => sortBy(c)}>
                    {c.label}{sort.key === c.key ? (sort.descending ? " ▼" : " ▲") : ""}
                  </button>
                </th>
              ))}
              <th>Per-class mask AP</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.model_id} className={e.deployed ? "selected" : ""}>
                <td><strong>#{e.model_id}</strong> <span className="muted">{e.family}</span></td>
                {COLUMNS.map((c) => <td key={c.key} className={c.key === "architecture" ? "" : "number"}>{c.format(e)}</td>)}
                <td className="muted">{Object.entries(e.class_ap).map(([name, ap]) => `${name} ${metric(ap)}`).join(", ")}</td>
                <td className="actions">
                  {e.deployed ? <strong>Deployed</strong> : canDeploy && (
                    <button onClick={() => deploy.mutate(e.model_id)} disabled={deploy.isPending}>Deploy this model</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {board.data && <p className="muted">Evaluated on the {board.data.split} split of {board.data.version}; latency: ONNX Runtime on this server, one image at the model's input size.</p>}
    </section>
  );
}
