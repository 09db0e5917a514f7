// The review stage's calls to the app API: annotation jobs, the caller's queue, an image's review state and moves.

import { call, Schemas } from "../api";

export type AnnotationJob = Schemas["AnnotationJobOut"];
export type Queue = Schemas["QueueOut"];
export type QueueEntry = Schemas["QueueEntryOut"];
export type ImageReview = Schemas["ImageReviewOut"];
export type ReviewProgress = Schemas["ProgressOut"];
export type QueueName = "annotate" | "review";

const project = (name: string) => `/projects/${encodeURIComponent(name)}`;

export const reviewApi = {
  people: (name: string) => call<{ name: string; role: string }[]>("GET", `${project(name)}/review-people`),
  createJob: (name: string, body: Schemas["AnnotationJobIn"]) =>
    call<Schemas["CreatedJobOut"]>("POST", `${project(name)}/annotation-jobs`, body),
  progress: (name: string) => call<ReviewProgress>("GET", `${project(name)}/review-progress`),
  deleteJob: (id: number) => call<AnnotationJob>("DELETE", `/annotation-jobs/${id}`),
  reassign: (id: number, people: { annotator?: string | null; reviewer?: string | null }) =>
    call<AnnotationJob>("PATCH", `/annotation-jobs/${id}`, people),
  submitDone: (id: number) => call<{ submitted: number[] }>("POST", `/annotation-jobs/${id}/submit`),
  myJobs: () => call<AnnotationJob[]>("GET", "/review/jobs"),
  queue: () => call<Queue>("GET", "/review/queue"),
  image: (imageId: number) => call<ImageReview>("GET", `/images/${imageId}/review`),
  act: (imageId: number, action: "submit" | "approve" | "reject", comment = "") =>
    call<ImageReview>("POST", `/images/${imageId}/review/${action}`, action === "reject" ? { comment } : undefined),
};

/** The image ids of one of the caller's queues, in order. */
export function queueIds(queue: Queue, name: QueueName): number[] {
  return (name === "annotate" ? queue.to_annotate : queue.to_review).map((entry) => entry.image_id);
}

/**
 * Where to go from `current` in a queue: the next (or previous) image after it in `order` (the queue as it was
 * when the editor opened it, so an image that just left it keeps its place) that is still in `fresh`; past the
 * end, around from the start (a rejected image comes back at its place). `null` when the queue holds nothing else.
 */
export function queueStep(order: number[], fresh: number[], current: number, which: "next" | "previous"): number | null {
  const all = [...order, ...fresh.filter((id) => !order.includes(id))];
  const waiting = new Set(fresh);
  const at = Math.max(0, all.indexOf(current));
  const step = which === "next" ? 1 : -1;
  for (let i = 1; i <= all.length; i++) {
    const id = all[(at + step * i + all.length * 2) % all.length];
    if (id !== current && waiting.has(id)) return id;
  }
  return null;
}

export const STATE_NAMES: Record<string, string> = { annotate: "to annotate", in_review: "in review", approved: "approved" };
