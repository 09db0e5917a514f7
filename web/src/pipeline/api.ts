// The app API calls of the versions, training and deployment pages, and the Roboflow-compatible inference route.

import { ApiError, call, EpochRow, Geometry, Schemas, TrainedModel } from "../api";
import { signInAgain } from "../auth/signInAgain";
import type { FullRecipe, Recipe } from "./recipe";

export type JobStatus = Schemas["JobStatus"];
export const FINISHED: JobStatus[] = ["succeeded", "failed", "cancelled", "interrupted"];

/** What a job's `progress` JSON holds; a training job also adds one metric row per finished epoch (`epochs`). */
export interface JobProgress { done?: number; total?: number; stage?: string; epochs?: EpochRow[] }
export type Job = Omit<Schemas["Job"], "progress"> & { progress: JobProgress };

/** A version's `statistics` JSON, as the version build writes it. */
export interface VersionStatistics {
  source_images: number; images: number; annotations: number; null_images: number;
  images_per_split: Record<string, number>; annotations_per_class: Record<string, Record<string, number>>;
}
/** A stored version; its `recipe` JSON is the recipe it was built with, every option filled in. */
export type Version = Omit<Schemas["Version"], "recipe" | "statistics"> & { recipe: FullRecipe; statistics: VersionStatistics };

/** A preview sample's instances JSON: class and geometry (always polygons, so the page can draw them). */
export type PreviewSample = Omit<Schemas["seglab__services__versions__PreviewImage"], "instances"> & {
  instances: { category_id: number; geometry: Geometry }[];
};
export type VersionPreview = Omit<Schemas["VersionPreview"], "samples"> & { samples: PreviewSample[] };

export type TrainRequest = Schemas["TrainRequest"];

export interface CocoMetrics {
  map50_95: number; map50: number; map75: number; map_small: number; map_medium: number; map_large: number;
}
/** The newest evaluation; its `report` JSON is the evaluation report without the per-point curves. */
export type Evaluation = Omit<Schemas["EvaluationSummary"], "report"> & {
  report: {
    images: number; instances: number; predictions: number; box: CocoMetrics; mask: CocoMetrics;
    best_confidence: number; precision: number; recall: number; f1: number;
    classes: { id: number; name: string; instances: number; box_map50_95: number; mask_map50_95: number; mask_map50: number }[];
    errors: { image_id: number; file_name: string; false_positives: number; misses: number; low_iou: number; wrong_class: number }[];
  };
};

export type InferenceAnswer = Schemas["InferenceAnswer"];
export type ModelChoice = Schemas["ModelChoice"];
export type LeaderboardEntry = Schemas["LeaderboardEntry"];
export type Leaderboard = Schemas["Leaderboard"];

const project = (name: string) => `/projects/${encodeURIComponent(name)}`;

export const pipelineApi = {
  job: (id: number) => call<Job>("GET", `/jobs/${id}`),
  cancelJob: (id: number) => call<Job>("POST", `/jobs/${id}/cancel`),
  versions: (name: string) => call<Version[]>("GET", `${project(name)}/versions`),
  createVersion: (name: string, recipe: Recipe) => call<Job>("POST", `${project(name)}/versions`, { recipe }),
  preview: (name: string, recipe: Recipe, samples: number) =>
    call<VersionPreview>("POST", `${project(name)}/versions/preview`, { recipe, samples }),
  architectures: () => call<string[]>("GET", "/architectures"),
  modelChoices: () => call<ModelChoice[]>("GET", "/architectures/choices"),
  leaderboard: (versionId: number) => call<Leaderboard>("GET", `/versions/${versionId}/leaderboard`),
  deploy: (modelId: number) => call<TrainedModel>("POST", `/models/${modelId}/deploy`),
  train: (versionId: number, request: TrainRequest) => call<Job>("POST", `/versions/${versionId}/train`, request),
  trainingJobs: () => call<Job[]>("GET", "/jobs?kind=model.train"),
  models: (name: string) => call<TrainedModel[]>("GET", `${project(name)}/models`),
  evaluate: (modelId: number, split: string) => call<Job>("POST", `/models/${modelId}/evaluate`, { split }),
  evaluation: (modelId: number) => call<Evaluation>("GET", `/models/${modelId}/evaluation`),
};

/** `POST /infer/instance_segmentation`, as Roboflow's client sends it (outside `/api/v1`). */
export async function infer(modelId: string, imageBase64: string, confidence: number): Promise<InferenceAnswer> {
  const response = await fetch("/infer/instance_segmentation", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      model_id: modelId, image: { type: "base64", value: imageBase64 }, confidence, visualize_predictions: true,
    }),
  });
  if (response.status === 401) signInAgain();
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message ?? response.statusText);
  return data as InferenceAnswer;
}
