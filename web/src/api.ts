// The app API under /api/v1: typed calls, one error type carrying the server's message. Every type is the server's
// own, generated from its OpenAPI schema at build time (`npm run types` → src/generated/api.d.ts).

import { signInAgain } from "./auth/signInAgain";
import type { DroppedFile } from "./datasets/droppedFiles";
import type { components, paths } from "./generated/api";

export type Schemas = components["schemas"];

/** The JSON a route answers with when it succeeds, for the few answers the schema has no named model for. */
type Answer<P extends keyof paths, M extends "get" | "post" | "delete"> =
  paths[P][M] extends { responses: { 200: { content: { "application/json": infer T } } } } ? T : never;

export type Category = Schemas["CategoryOut"];
export type Project = Schemas["ProjectOut"];
export type ProjectSummary = Schemas["ProjectListed"];
export type Member = Schemas["MemberOut"];
export type ImageRecord = Schemas["ImageOut"];
export type Annotation = Schemas["AnnotationOut"];
export type Geometry = Annotation["geometry"];
export type SegmentAnswer = Schemas["SegmentResponse"];
export type UploadReport = Schemas["UploadOut"];

/** One row of a model's metrics per epoch (`epoch`, `train/loss`, `val/segm_mAP_50_95`, ...). */
export type EpochRow = Record<string, number>;
/** A trained model; its `metrics` JSON holds a row per epoch and the final one. The pages list a project's models,
 * always trained ones: only a pretrained model (never listed there) has no `project` and `version`. */
export type TrainedModel = Omit<Schemas["TrainedModel"], "metrics" | "project" | "version"> & {
  project: string;
  version: string;
  metrics: { epochs?: EpochRow[]; final?: EpochRow };
};

export class ApiError extends Error {
  /** `details`: what the server's error body adds (a conflict's counts, the offending ids). */
  constructor(readonly status: number, message: string, readonly details: Record<string, unknown> = {}) { super(message); }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) signInAgain();
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message ?? response.statusText, data.error?.details ?? {});
  return data as T;
}

export const api = {
  projects: () => call<ProjectSummary[]>("GET", "/projects"),
  project: (name: string) => call<Project>("GET", `/projects/${encodeURIComponent(name)}`),
  createProject: (name: string, categories: string[]) => call<Project>("POST", "/projects", { name, categories }),
  deleteProject: (name: string) => call<Project>("DELETE", `/projects/${encodeURIComponent(name)}`),
  renameProject: (name: string, newName: string) =>
    call<Project>("PATCH", `/projects/${encodeURIComponent(name)}`, { name: newName }),
  stats: (name: string) => call<Schemas["ProjectStats"]>("GET", `/projects/${encodeURIComponent(name)}/stats`),
  members: (project: string) => call<Member[]>("GET", `/projects/${encodeURIComponent(project)}/members`),
  setMember: (project: string, user: string, role: string) =>
    call<Member>("PUT", `/projects/${encodeURIComponent(project)}/members/${encodeURIComponent(user)}`, { role }),
  removeMember: (project: string, user: string) =>
    call<Member>("DELETE", `/projects/${encodeURIComponent(project)}/members/${encodeURIComponent(user)}`),
  images: (project: string, offset = 0, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams({ offset: String(offset), limit: "100" });
    Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
    return call<Schemas["ImagePage"]>("GET", `/projects/${encodeURIComponent(project)}/images?${query}`);
  },
  /** The ids of every image matching the filters: "select all", however many pages the grid has. */
  imageIds: (project: string, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams();
    Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
    return call<Answer<"/api/v1/projects/{project}/image-ids", "get">>(
      "GET", `/projects/${encodeURIComponent(project)}/image-ids?${query}`,
    );
  },
  addCategory: (project: string, name: string) =>
    call<Category>("POST", `/projects/${encodeURIComponent(project)}/categories`, { name }),
  updateCategory: (id: number, change: { name?: string; color?: string }) => call<Category>("PATCH", `/categories/${id}`, change),
  mergeCategory: (id: number, into: number) => call<Category>("POST", `/categories/${id}/merge`, { into }),
  /** A class still in use is deleted only with what to do with its annotations: move them, or delete them too. */
  deleteCategory: (id: number, annotations?: { moveTo: number } | "delete") =>
    call<Answer<"/api/v1/categories/{category_id}", "delete">>("DELETE", `/categories/${id}${
      annotations === "delete" ? "?delete_annotations=true" : annotations ? `?reassign_to=${annotations.moveTo}` : ""}`),
  /** Where runs of a video's frames lie among the images matching the filters (the grid's header per video). */
  videoRuns: (project: string, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams();
    Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
    return call<Answer<"/api/v1/projects/{project}/images/video-runs", "get">>(
      "GET", `/projects/${encodeURIComponent(project)}/images/video-runs?${query}`,
    );
  },
  /** The project's videos (each owns its frame images). */
  videos: (project: string) => call<Schemas["VideoOut"][]>("GET", `/projects/${encodeURIComponent(project)}/videos`),
  image: (id: number) => call<ImageRecord>("GET", `/images/${id}`),
  neighbours: (id: number) => call<Answer<"/api/v1/images/{image_id}/neighbours", "get">>("GET", `/images/${id}/neighbours`),
  /** `clearAnnotations`: marking an image null deletes its annotations (refused with 409 without it). */
  setStatus: (id: number, status: string, clearAnnotations = false) =>
    call<ImageRecord>("PATCH", `/images/${id}`, clearAnnotations ? { status, clear_annotations: true } : { status }),
  /** Many images at once, all or none: a split, tags added and removed. */
  updateImages: (project: string, change: Schemas["ImagesPatch"]) =>
    call<ImageRecord[]>("PATCH", `/projects/${encodeURIComponent(project)}/images`, change),
  deleteImages: (project: string, imageIds: number[]) =>
    call<Answer<"/api/v1/projects/{project}/images/delete", "post">>(
      "POST", `/projects/${encodeURIComponent(project)}/images/delete`, { image_ids: imageIds },
    ),
  annotations: (imageId: number) => call<Annotation[]>("GET", `/images/${imageId}/annotations?outlines=true`),
  createAnnotation: (imageId: number, categoryId: number, geometry: Geometry) =>
    call<Annotation>("POST", `/images/${imageId}/annotations`, { category_id: categoryId, geometry }),
  updateAnnotation: (id: number, revision: number, change: Omit<Schemas["AnnotationPatch"], "revision">) =>
    call<Annotation>("PATCH", `/annotations/${id}`, { revision, ...change }),
  deleteAnnotation: (id: number, revision: number) => call<Annotation>("DELETE", `/annotations/${id}?revision=${revision}`),
  models: () => call<TrainedModel[]>("GET", "/models"),
  labelAssist: (project: string, model: string, imageIds: number[], confidence: number) =>
    call<Schemas["LabelAssistReport"]>("POST", `/projects/${encodeURIComponent(project)}/label-assist`, {
      model, image_ids: imageIds, confidence,
    }),
  /** Label assist as a background job; `imageIds` null means the project's unannotated images. */
  labelAssistJob: (project: string, model: string, imageIds: number[] | null, confidence: number) =>
    call<Schemas["Job"]>("POST", `/projects/${encodeURIComponent(project)}/label-assist/jobs`, {
      model, image_ids: imageIds, confidence,
    }),
  accept: (id: number, revision: number, attributes: Record<string, unknown>) =>
    call<Annotation>("PATCH", `/annotations/${id}`, { revision, attributes: { ...attributes, accepted: true } }),
  undoImage: (imageId: number) => call<Annotation>("POST", `/images/${imageId}/undo`),
  embed: (imageId: number) => call<Schemas["EmbedResponse"]>("POST", "/assist/embed", { image_id: imageId }),
  segment: (
    imageId: number,
    points: { x: number; y: number; label: number }[],
    box: number[] | null,
    maskId: string | null,
    detail: number,
  ) => call<SegmentAnswer>("POST", "/assist/segment", { image_id: imageId, points, box, mask_id: maskId, detail }),
};

/** POST a form with upload progress, which `fetch` cannot report. */
function sendForm<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/v1${path}`);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      if (request.status === 401) signInAgain();
      let data: { message?: string } = {};
      try { data = JSON.parse(request.responseText || "{}"); } catch { /* not JSON: the status says enough */ }
      if (request.status >= 400) reject(new ApiError(request.status, data.message ?? "upload failed"));
      else resolve(data as T);
    };
    request.onerror = () => reject(new ApiError(0, "network error"));
    request.send(form);
  });
}

/** Where uploaded images go: a split (default unassigned) and tags (comma-separated). */
export interface UploadPlacement { split?: string; tags?: string }

/** Upload files (images, zip archives, videos sampled at `fps`) with upload progress. */
export function upload(
  project: string, files: File[], onProgress: (fraction: number) => void, fps = 1, placement: UploadPlacement = {},
): Promise<UploadReport> {
  const form = new FormData();
  files.forEach((file) => form.append("files", file, file.name));
  form.append("fps", String(fps));
  if (placement.split) form.append("split", placement.split);
  if (placement.tags) form.append("tags", placement.tags);
  return sendForm(`/projects/${encodeURIComponent(project)}/images`, form, onProgress);
}

/** A dataset dropped as an archive, a folder or its files (each with its path in the folder), imported by a
 * background job: the answer is the queued job, whose result is the import's report. */
export function importJob(
  project: string, files: DroppedFile[], onProgress: (fraction: number) => void, split = "", format = "auto",
): Promise<Schemas["Job"]> {
  const form = new FormData();
  files.forEach(({ file, path }) => {
    form.append("files", file, file.name);
    form.append("paths", path);
  });
  if (split) form.append("split", split);
  form.append("format", format);
  return sendForm(`/projects/${encodeURIComponent(project)}/import/jobs`, form, onProgress);
}

export type ImportReport = Schemas["ImportReport"];

export type AuditEvent = Schemas["AuditEventOut"];

/** The audit log (admins), newest first; empty filters are left out. */
export function auditLog(filters: { since?: string; actor?: string; action?: string }): Promise<AuditEvent[]> {
  const query = new URLSearchParams();
  Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
  return call<AuditEvent[]>("GET", `/audit?${query}`);
}

// Workflows (Roboflow-style definitions): saved ones, validation with errors per step, runs.
export type BlockProblem = Schemas["BlockProblem"];
export type WorkflowCheck = Schemas["WorkflowCheck"];
export type SavedWorkflow = Schemas["Workflow"];

export const workflowsApi = {
  list: () => call<SavedWorkflow[]>("GET", "/workflows"),
  get: (name: string) => call<SavedWorkflow>("GET", `/workflows/${encodeURIComponent(name)}`),
  save: (name: string, specification: unknown) =>
    call<SavedWorkflow>("PUT", `/workflows/${encodeURIComponent(name)}`, { specification }),
  remove: (name: string) => call<SavedWorkflow>("DELETE", `/workflows/${encodeURIComponent(name)}`),
  validate: (specification: unknown) => call<WorkflowCheck>("POST", "/workflows/validate", { specification }),
  run: (specification: unknown, inputs: Record<string, unknown>) =>
    call<Schemas["WorkflowOutputs"]>("POST", "/workflows/run", { specification, inputs }),
  blocks: () => call<Schemas["BlockInfo"][]>("GET", "/workflows/blocks"),
  kinds: () => call<Schemas["KindInfo"][]>("GET", "/workflows/kinds"),
};

// The workflow agent: plain-language requests planned into definitions, one conversation per workflow name.
export type AgentPlan = Schemas["PlanAnswer"];
/** A stored turn of the conversation: the request, or the answer with its plan's fields. */
export type AgentMessage = { role: "user" | "assistant"; text: string } &
  Partial<Pick<AgentPlan, "engine" | "notes" | "steps" | "removed" | "before" | "definition" | "question">>;
export type AgentConversation = Omit<Schemas["ConversationAnswer"], "messages"> & { messages: AgentMessage[] };

export const agentApi = {
  /** `definition`: the one on screen, when it was edited there (else the conversation's own goes on). */
  plan: (request: string, workflow: string, definition?: unknown, last_run?: Record<string, unknown>) =>
    call<AgentPlan>("POST", "/agent", { request, workflow, definition, last_run }),
  conversation: (workflow: string) =>
    call<AgentConversation>("GET", `/agent/conversations/${encodeURIComponent(workflow)}`),
  reset: (workflow: string) =>
    call<Answer<"/api/v1/agent/conversations/{workflow}", "delete">>(
      "DELETE", `/agent/conversations/${encodeURIComponent(workflow)}`,
    ),
};
