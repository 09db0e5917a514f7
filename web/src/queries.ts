// Server state through TanStack Query: one cache for every page, its keys in one place so a change can invalidate
// exactly the lists it affects, and job polling that stops by itself once the job has finished.

import { QueryClient, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { FINISHED, Job, pipelineApi } from "./pipeline/api";

export const queryClient = new QueryClient({
  defaultOptions: {
    // a page shows the server's error itself; retrying a 404 or 409 would only delay it
    queries: { retry: false, refetchOnWindowFocus: false },
  },
});

/** Query keys: a key's leading parts are what an invalidation names (`["images", project]`: every page of it). */
export const keys = {
  projects: ["projects"] as const,
  project: (name: string) => ["project", name] as const,
  members: (name: string) => ["members", name] as const,
  image: (id: number) => ["image", id] as const,
  images: (name: string) => ["images", name] as const,
  videos: (name: string) => ["videos", name] as const,
  imagePage: (name: string, query: Record<string, string>, page: number) => ["images", name, query, page] as const,
  /** The project's counts (under its images: an upload or an edit invalidates them too). */
  projectStats: (name: string) => ["images", name, "stats"] as const,
  allModels: ["models"] as const,
  projectModels: (name: string) => ["models", name] as const,
  versions: (name: string) => ["versions", name] as const,
  architectures: ["architectures"] as const,
  modelChoices: ["architectures", "choices"] as const,
  leaderboard: (versionId: number) => ["leaderboard", versionId] as const,
  trainingJobs: ["jobs", "model.train"] as const,
  job: (id: number | null) => ["job", id] as const,
  evaluation: (modelId: number) => ["evaluation", modelId] as const,
  detectors: ["detectors"] as const,
  proposals: (name: string) => ["proposals", name] as const,
  workflows: ["workflows"] as const,
  workflowCheck: (definition: unknown) => ["workflow-check", definition] as const,
  workflowBlocks: ["workflow-blocks"] as const,
  workflowKinds: ["workflow-kinds"] as const,
  conversation: (workflow: string) => ["conversation", workflow] as const,
};

const POLL_MS = 700;

/** Follows a background job: polls `/jobs/{id}` until it finishes; `onFinished` runs once, with its last state. */
export function useJob(jobId: number | null, onFinished?: (job: Job) => void): Job | null {
  const { data } = useQuery({
    queryKey: keys.job(jobId),
    queryFn: () => pipelineApi.job(jobId!),
    enabled: jobId !== null,
    // a missed poll (the server restarting) is simply polled again
    refetchInterval: (query) => (query.state.data && FINISHED.includes(query.state.data.status) ? false : POLL_MS),
  });
  const job = jobId === null ? null : data ?? null;
  const finished = useRef(onFinished);
  finished.current = onFinished;
  const reported = useRef<number | null>(null);
  useEffect(() => {
    if (job && FINISHED.includes(job.status) && reported.current !== job.id) {
      reported.current = job.id;
      finished.current?.(job);
    }
  }, [job]);
  return job;
}

/** Whether a job is still queued or running (its buttons stay disabled meanwhile). */
export function isActive(job: Job | null): boolean {
  return job !== null && (job.status === "queued" || job.status === "running");
}

/** Cancels a job; its polling shows the new state at once. */
export function useCancelJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => pipelineApi.cancelJob(id),
    onSuccess: (job) => client.setQueryData(keys.job(job.id), job),
  });
}
