// How long a job has run and, from its progress so far, about how long it has left (training runs take minutes to
// hours: the page says so instead of showing a bar alone).

import { useEffect, useState } from "react";

/** `1:05`, `12:40`, `2:03:09`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}:${pad(m)}:${pad(rest)}` : `${m}:${pad(rest)}`;
}

interface Timed { status: string; started_at?: string | null; finished_at?: string | null }

/** "elapsed 1:05 · about 3:15 left" while running (the estimate once a share of the work is done), "took 4:20" once
 * finished; null before it starts. The estimate assumes the rest goes at the pace so far. */
export function jobTiming(job: Timed, share: number | null, now: number): string | null {
  if (!job.started_at) return null;
  const started = Date.parse(job.started_at);
  if (job.finished_at) return `took ${duration((Date.parse(job.finished_at) - started) / 1000)}`;
  if (job.status !== "running") return null;
  const elapsed = (now - started) / 1000;
  const left = share !== null && share > 0.01 && share < 1 ? (elapsed * (1 - share)) / share : null;
  return `elapsed ${duration(elapsed)}${left !== null ? ` · about ${duration(left)} left` : ""}`;
}

/** The time now, renewed every `ms` while `ticking`. */
export function useNow(ticking: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ticking, ms]);
  return now;
}
