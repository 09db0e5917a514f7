// The app API under /api/v1: typed calls, one error type carrying the server's message.

export interface Category { id: number; name: string; color: string | null }
export interface Project { id: number; name: string; categories: Category[] }
export interface ProjectSummary { id: number; name: string; images: number; annotations: number; categories: number }
export interface ImageRecord {
  id: number; file_name: string; width: number; height: number; status: string; url: string; project?: string;
}
export interface Part { exterior: number[]; holes: number[][] }
export type Geometry = { type: "polygon"; parts: Part[] } | { type: "rle"; size: [number, number]; counts: string };
export interface Annotation {
  id: number; category_id: number; geometry: Geometry; revision: number; source: string;
  confidence: number | null; attributes: Record<string, unknown>;
  /** An RLE mask's pixel outline as polygons (asked for with `outlines=true`): what the editor draws and edits. */
  outline?: Geometry | null;
}
export interface TrainedModel { id: number; project: string; version: string; architecture: string }
export interface SegmentAnswer {
  model: string; segmentation: Geometry | null; score: number; mask_id: string; points: number;
  timing_ms: Record<string, number>;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message ?? response.statusText);
  return data as T;
}

export const api = {
  projects: () => call<ProjectSummary[]>("GET", "/projects"),
  project: (name: string) => call<Project>("GET", `/projects/${encodeURIComponent(name)}`),
  createProject: (name: string, categories: string[]) => call<Project>("POST", "/projects", { name, categories }),
  images: (project: string, offset = 0, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams({ offset: String(offset), limit: "100" });
    Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
    return call<{ items: ImageRecord[]; total: number }>("GET", `/projects/${encodeURIComponent(project)}/images?${query}`);
  },
  /** The ids of every image matching the filters: "select all", however many pages the grid has. */
  imageIds: (project: string, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams();
    Object.entries(filters).forEach(([key, value]) => value && query.set(key, value));
    return call<{ ids: number[] }>("GET", `/projects/${encodeURIComponent(project)}/image-ids?${query}`);
  },
  addCategory: (project: string, name: string) =>
    call<Category>("POST", `/projects/${encodeURIComponent(project)}/categories`, { name }),
  updateCategory: (id: number, change: { name?: string; color?: string }) => call<Category>("PATCH", `/categories/${id}`, change),
  mergeCategory: (id: number, into: number) => call<Category>("POST", `/categories/${id}/merge`, { into }),
  deleteCategory: (id: number) => call<{ deleted: number }>("DELETE", `/categories/${id}`),
  image: (id: number) => call<ImageRecord>("GET", `/images/${id}`),
  neighbours: (id: number) => call<{ previous: number | null; next: number | null }>("GET", `/images/${id}/neighbours`),
  setStatus: (id: number, status: string) => call<ImageRecord>("PATCH", `/images/${id}`, { status }),
  /** Many images at once, all or none: a split, tags added and removed. */
  updateImages: (project: string, change: { image_ids: number[]; split?: string; add_tags?: string[]; remove_tags?: string[] }) =>
    call<ImageRecord[]>("PATCH", `/projects/${encodeURIComponent(project)}/images`, change),
  deleteImages: (project: string, imageIds: number[]) =>
    call<{ deleted: number }>("POST", `/projects/${encodeURIComponent(project)}/images/delete`, { image_ids: imageIds }),
  annotations: (imageId: number) => call<Annotation[]>("GET", `/images/${imageId}/annotations?outlines=true`),
  createAnnotation: (imageId: number, categoryId: number, geometry: Geometry) =>
    call<Annotation>("POST", `/images/${imageId}/annotations`, { category_id: categoryId, geometry }),
  updateAnnotation: (id: number, revision: number, change: { geometry?: Geometry; category_id?: number }) =>
    call<Annotation>("PATCH", `/annotations/${id}`, { revision, ...change }),
  deleteAnnotation: (id: number, revision: number) => call<Annotation>("DELETE", `/annotations/${id}?revision=${revision}`),
  models: () => call<TrainedModel[]>("GET", "/models"),
  labelAssist: (project: string, model: string, imageIds: number[], confidence: number) =>
    call<{ annotations: number }>("POST", `/projects/${encodeURIComponent(project)}/label-assist`, {
      model, image_ids: imageIds, confidence,
    }),
  /** Label assist as a background job; `imageIds` null means the project's unannotated images. */
  labelAssistJob: (project: string, model: string, imageIds: number[] | null, confidence: number) =>
    call<{ id: number }>("POST", `/projects/${encodeURIComponent(project)}/label-assist/jobs`, {
      model, image_ids: imageIds, confidence,
    }),
  accept: (id: number, revision: number, attributes: Record<string, unknown>) =>
    call<Annotation>("PATCH", `/annotations/${id}`, { revision, attributes: { ...attributes, accepted: true } }),
  undoImage: (imageId: number) => call<Annotation>("POST", `/images/${imageId}/undo`),
  embed: (imageId: number) => call<{ status: string; model: string }>("POST", "/assist/embed", { image_id: imageId }),
  segment: (
    imageId: number,
    points: { x: number; y: number; label: number }[],
    box: number[] | null,
    maskId: string | null,
    detail: number,
  ) => call<SegmentAnswer>("POST", "/assist/segment", { image_id: imageId, points, box, mask_id: maskId, detail }),
};

/** Upload files with progress (fetch cannot report upload progress; XMLHttpRequest can). */
/** What an upload did with each file: added images (video frames, zip members), duplicates skipped, failures. */
export interface UploadReport {
  added: ImageRecord[];
  duplicates: ImageRecord[];
  failed: { file: string; reason: string }[];
}

/** Upload files (images, zip archives, videos sampled at `fps`) with upload progress, which `fetch` cannot report. */
export function upload(
  project: string, files: File[], onProgress: (fraction: number) => void, fps = 1,
): Promise<UploadReport> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    files.forEach((file) => form.append("files", file, file.name));
    form.append("fps", String(fps));
    const request = new XMLHttpRequest();
    request.open("POST", `/api/v1/projects/${encodeURIComponent(project)}/images`);
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      const data = JSON.parse(request.responseText || "{}");
      if (request.status >= 400) reject(new ApiError(request.status, data.message ?? "upload failed"));
      else resolve(data as UploadReport);
    };
    request.onerror = () => reject(new ApiError(0, "network error"));
    request.send(form);
  });
}

// Workflows (Roboflow-style definitions): saved ones, validation with errors per step, runs.
export interface BlockProblem {
  block_id: string; block_type: string | null; block_details: string | null;
  property_name: string | null; property_details: string | null;
}
export interface WorkflowCheck {
  valid: boolean; message?: string; error_type?: string; blocks_errors?: BlockProblem[]; steps?: string[];
}
export interface SavedWorkflow { id: number; name: string; specification: Record<string, unknown>; updated_at: string }

export const workflowsApi = {
  list: () => call<SavedWorkflow[]>("GET", "/workflows"),
  get: (name: string) => call<SavedWorkflow>("GET", `/workflows/${encodeURIComponent(name)}`),
  save: (name: string, specification: unknown) =>
    call<SavedWorkflow>("PUT", `/workflows/${encodeURIComponent(name)}`, { specification }),
  remove: (name: string) => call<SavedWorkflow>("DELETE", `/workflows/${encodeURIComponent(name)}`),
  validate: (specification: unknown) => call<WorkflowCheck>("POST", "/workflows/validate", { specification }),
  run: (specification: unknown, inputs: Record<string, unknown>) =>
    call<{ outputs: Record<string, unknown>[] }>("POST", "/workflows/run", { specification, inputs }),
};

// The workflow agent: plain-language requests planned into definitions, one conversation per workflow name.
export interface AgentStep {
  name: string; type: string; description: string; wiring: string;
  change: "added" | "changed" | "unchanged"; reason: string | null;
}
export interface AgentMessage {
  role: "user" | "assistant"; text: string; engine?: string; notes?: string[]; steps?: AgentStep[];
  removed?: string[]; before?: Record<string, unknown> | null; definition?: Record<string, unknown>;
}
export interface AgentPlan {
  workflow: string; engine: string; summary: string; notes: string[]; steps: AgentStep[]; removed: string[];
  before: Record<string, unknown> | null; definition: Record<string, unknown>; messages: number;
}
export interface AgentConversation { workflow: string; definition: Record<string, unknown> | null; messages: AgentMessage[] }

export const agentApi = {
  plan: (request: string, workflow: string) => call<AgentPlan>("POST", "/agent", { request, workflow }),
  conversation: (workflow: string) =>
    call<AgentConversation>("GET", `/agent/conversations/${encodeURIComponent(workflow)}`),
  reset: (workflow: string) =>
    call<{ deleted: boolean }>("DELETE", `/agent/conversations/${encodeURIComponent(workflow)}`),
};
