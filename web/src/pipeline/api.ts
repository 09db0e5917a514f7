// The app API calls of the versions, training and deployment pages, and the Roboflow-compatible inference route.

import { ApiError, call, Category, Geometry, TrainedModel } from "../api";
import type { Recipe } from "./recipe";

export type JobStatus = "queued" | "running" | "cancelling" | "succeeded" | "failed" | "cancelled" | "interrupted";
export const FINISHED: JobStatus[] = ["succeeded", "failed", "cancelled", "interrupted"];

/** A training job's progress also carries one metric row per finished epoch (`epochs`). */
export interface JobProgress { done?: number; total?: number; stage?: string; epochs?: EpochRow[] }
export interface Job {
  id: number; kind: string; params: Record<string, unknown>; status: JobStatus; progress: JobProgress; log: string;
  result: Record<string, unknown> | null; error: string | null; created_at: string;
}
export type EpochRow = Record<string, number>;

export interface Version {
  id: number; project: string; number: number; recipe: Recipe; categories: Category[]; content_hash: string;
  created_at: string;
  statistics: {
    source_images: number; images: number; annotations: number; null_images: number;
    images_per_split: Record<string, number>; annotations_per_class: Record<string, Record<string, number>>;
  };
}

export interface PreviewSample {
  source_image_id: number; file_name: string; width: number; height: number; image: string;
  instances: { category_id: number; geometry: Geometry }[];
}
export interface VersionPreview { categories: Category[]; samples: PreviewSample[] }

export interface ModelDetails extends TrainedModel {
  class_names: string[]; created_at: string; config: Record<string, unknown>;
  metrics: { epochs?: EpochRow[]; final?: EpochRow };
}

export interface TrainRequest {
  model: string; epochs: number; batch_size: number; lr: number; resolution: number | null; device: string;
  from_scratch: boolean;
}

export interface CocoMetrics {
  map50_95: number; map50: number; map75: number; map_small: number; map_medium: number; map_large: number;
}
export interface Evaluation {
  model_id: number; version: string; split: string; evaluated_at: string; plots: string[];
  report: {
    images: number; instances: number; predictions: number; box: CocoMetrics; mask: CocoMetrics;
    best_confidence: number; precision: number; recall: number; f1: number;
    classes: { id: number; name: string; instances: number; box_map50_95: number; mask_map50_95: number; mask_map50: number }[];
    errors: { image_id: number; file_name: string; false_positives: number; misses: number; low_iou: number; wrong_class: number }[];
  };
}

export interface InferencePrediction {
  x: number; y: number; width: number; height: number; confidence: number; class: string; class_id: number;
  detection_id: string; points: { x: number; y: number }[];
}
export interface InferenceAnswer {
  inference_id: string; time: number; image: { width: number; height: number };
  predictions: InferencePrediction[]; visualization?: string;
}

const project = (name: string) => `/projects/${encodeURIComponent(name)}`;

export const pipelineApi = {
  job: (id: number) => call<Job>("GET", `/jobs/${id}`),
  cancelJob: (id: number) => call<Job>("POST", `/jobs/${id}/cancel`),
  versions: (name: string) => call<Version[]>("GET", `${project(name)}/versions`),
  createVersion: (name: string, recipe: Recipe) => call<Job>("POST", `${project(name)}/versions`, { recipe }),
  preview: (name: string, recipe: Recipe, samples: number) =>
    call<VersionPreview>("POST", `${project(name)}/versions/preview`, { recipe, samples }),
  architectures: () => call<string[]>("GET", "/architectures"),
  train: (versionId: number, request: TrainRequest) => call<Job>("POST", `/versions/${versionId}/train`, request),
  trainingJobs: () => call<Job[]>("GET", "/jobs?kind=model.train"),
  models: (name: string) => call<ModelDetails[]>("GET", `${project(name)}/models`),
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
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message ?? response.statusText);
  return data as InferenceAnswer;
}
