import type { EpochRow } from "../api";
import { bounds, epochSeries, linear, LOSS_SERIES, MAP_SERIES, niceTicks, Series } from "./charts";

const COLOURS = ["#6d5dfc", "#e8590c", "#0ca678", "#d6336c", "#1c7ed6"];
const WIDTH = 420;
const HEIGHT = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 30 };

/** A small SVG line chart of per-epoch values (no chart library: a few series of tens of points). */
export function LineChart({ title, series, yRange, testId }: {
  title: string; series: Series[]; yRange?: [number, number]; testId: string;
}) {
  const { x, y } = bounds(series, yRange);
  const toX = linear(x, [PAD.left, WIDTH - PAD.right]);
  const toY = linear(y, [HEIGHT - PAD.bottom, PAD.top]);
  const xTicks = niceTicks(x[0], x[1], 6).filter((t) => Number.isInteger(t));
  const yTicks = niceTicks(y[0], y[1], 4);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        <strong>{title}</strong>
        <span className="legend">
          {series.map((s, i) => (
            <span key={s.key}><i style={{ background: COLOURS[i % COLOURS.length] }} />{s.label}</span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={title}>
        {yTicks.map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={toY(t)} y2={toY(t)} className="grid" />
            <text x={PAD.left - 6} y={toY(t)} className="tick" textAnchor="end" dominantBaseline="middle">{t}</text>
          </g>
        ))}
        {xTicks.map((t) => (
          <text key={`x${t}`} x={toX(t)} y={HEIGHT - PAD.bottom + 16} className="tick" textAnchor="middle">{t}</text>
        ))}
        <text x={(PAD.left + WIDTH - PAD.right) / 2} y={HEIGHT - 2} className="tick" textAnchor="middle">epoch</text>
        {series.map((s, i) => (
          <g key={s.key} stroke={COLOURS[i % COLOURS.length]} fill={COLOURS[i % COLOURS.length]}>
            <polyline fill="none" strokeWidth={2} points={s.points.map((p) => `${toX(p.x)},${toY(p.y)}`).join(" ")} />
            {s.points.map((p) => (
              <circle key={p.x} cx={toX(p.x)} cy={toY(p.y)} r={3} data-testid="chart-point">
                <title>{`${s.label}, epoch ${p.x}: ${p.y.toFixed(4)}`}</title>
              </circle>
            ))}
          </g>
        ))}
        {!series.length && (
          <text x={WIDTH / 2} y={HEIGHT / 2} className="tick" textAnchor="middle">waiting for the first epoch…</text>
        )}
      </svg>
    </figure>
  );
}

/** Loss and validation mAP per epoch, side by side: live while training runs, and for a trained model. */
export function TrainingCharts({ rows }: { rows: EpochRow[] }) {
  return (
    <div className="charts">
      <LineChart title="Training loss" series={epochSeries(rows, LOSS_SERIES)} testId="loss-chart" />
      <LineChart title="Validation mAP" series={epochSeries(rows, MAP_SERIES)} testId="map-chart" />
    </div>
  );
}
