// A version's recipe: the form the Versions page edits, the JSON the server takes (seglab.versions.Recipe, its type
// generated from the server's schema), and the one-line summary the version list shows. The option lists are keyed
// by the recipe model's enums, so the compiler refuses a page that misses (or invents) a resize mode, contrast method
// or augmentation.

import type { Schemas } from "../api";

export type Recipe = Schemas["Recipe"];
/** A recipe with every option filled in: what the form sends and what a stored version holds. */
export type FullRecipe = Required<Recipe> & {
  split: Required<Omit<Schemas["SplitRecipe"], "evaluation_only">> & Pick<Schemas["SplitRecipe"], "evaluation_only">;
};
export type ResizeMode = Schemas["ResizeMode"];
export type Contrast = Schemas["Contrast"];
export type Augmentation = Schemas["Augmentation"];

const RESIZE_LABELS: Record<ResizeMode, string> = {
  stretch: "Stretch to",
  fit: "Fit within (black edges)",
  "fit-white": "Fit within (white edges)",
  "fit-reflect": "Fit within (reflect edges)",
  fill: "Fill (center crop)",
};

const CONTRAST_LABELS: Record<Contrast, string> = {
  stretch: "Contrast stretching",
  equalize: "Histogram equalization",
  clahe: "Adaptive equalization (CLAHE)",
};

/** Each of an enum's values with its label, in the order the labels are written. */
const options = <T extends string>(labels: Record<T, string>) =>
  (Object.entries(labels) as [T, string][]).map(([value, label]) => ({ value, label }));

export const RESIZE_MODES = options(RESIZE_LABELS);
export const CONTRASTS = options(CONTRAST_LABELS);

export interface AugmentationOption {
  name: Augmentation; label: string; help: string;
  /** The server's default for the step's number (seglab.versions.augment), or null for a step without one. */
  value: number | null; unit: string; min: number; max: number; step: number;
}

const AUGMENTATION_OPTIONS: Record<Augmentation, Omit<AugmentationOption, "name">> = {
  flip: { label: "Flip", help: "Horizontal flip, half the time", value: null, unit: "", min: 0, max: 0, step: 0 },
  rot90: { label: "90° rotate", help: "0, 90, 180 or 270 degrees", value: null, unit: "", min: 0, max: 0, step: 0 },
  crop: { label: "Crop", help: "Zoom in, keeping at least 100 − value % of each side", value: 20, unit: "%", min: 1, max: 95, step: 1 },
  rotate: { label: "Rotation", help: "Between −value and +value degrees", value: 15, unit: "°", min: 1, max: 180, step: 1 },
  shear: { label: "Shear", help: "Up to ±value degrees on both axes", value: 10, unit: "°", min: 1, max: 45, step: 1 },
  grayscale: { label: "Grayscale", help: "This share of the outputs in gray", value: 15, unit: "%", min: 1, max: 100, step: 1 },
  hue: { label: "Hue", help: "Shift by up to ±value degrees", value: 25, unit: "°", min: 1, max: 180, step: 1 },
  saturation: { label: "Saturation", help: "Change by up to ±value %", value: 25, unit: "%", min: 1, max: 99, step: 1 },
  brightness: { label: "Brightness", help: "Change by up to ±value %", value: 25, unit: "%", min: 1, max: 99, step: 1 },
  exposure: { label: "Exposure", help: "Gamma by up to ±value %", value: 15, unit: "%", min: 1, max: 99, step: 1 },
  blur: { label: "Blur", help: "Gaussian blur up to value pixels", value: 2.5, unit: "px", min: 0.5, max: 25, step: 0.5 },
  noise: { label: "Noise", help: "Gaussian noise up to value % of the range", value: 5, unit: "%", min: 1, max: 25, step: 1 },
  cutout: { label: "Cutout", help: "Up to value boxes of 5–10 % size blacked out", value: 3, unit: "boxes", min: 1, max: 20, step: 1 },
  mosaic: { label: "Mosaic", help: "2×2 mosaic with three other training images, value % of the time", value: 50, unit: "%", min: 1, max: 100, step: 1 },
};

/** Every augmentation of seglab.versions.Augmentation, in the order the page lists them. */
export const AUGMENTATIONS: AugmentationOption[] = (Object.entries(AUGMENTATION_OPTIONS) as [Augmentation, Omit<AugmentationOption, "name">][])
  .map(([name, option]) => ({ name, ...option }));

export const FLIPS = [
  { value: "h", label: "Horizontal" },
  { value: "v", label: "Vertical" },
  { value: "hv", label: "Both" },
];

/** What a class becomes in the version: kept, renamed (`to`), or omitted with its annotations. */
export interface ClassChoice { action: "keep" | "rename" | "omit"; to: string }

export interface RecipeForm {
  split: [number, number, number];
  reassignAll: boolean;
  /** A version only to evaluate models on: it may have no training image. */
  evaluationOnly: boolean;
  crop: { on: boolean; box: [number, number, number, number] };
  resize: { on: boolean; width: number; height: number; mode: ResizeMode };
  tile: { on: boolean; rows: number; cols: number };
  grayscale: boolean;
  contrast: Contrast | "";
  classes: Record<string, ClassChoice>;
  nullCap: { on: boolean; percent: number };
  includeTags: string;
  excludeTags: string;
  /** Only images approved in review (annotation jobs). */
  onlyApproved: boolean;
  augmentations: Record<string, { on: boolean; value: number | string | null }>;
  multiplier: number;
  seed: number;
}

export function defaultForm(): RecipeForm {
  return {
    split: [70, 20, 10],
    reassignAll: false,
    evaluationOnly: false,
    crop: { on: false, box: [0, 0, 100, 100] },
    resize: { on: false, width: 640, height: 640, mode: "stretch" },
    tile: { on: false, rows: 2, cols: 2 },
    grayscale: false,
    contrast: "",
    classes: {},
    nullCap: { on: false, percent: 10 },
    includeTags: "",
    excludeTags: "",
    onlyApproved: false,
    augmentations: Object.fromEntries(
      AUGMENTATIONS.map((a) => [a.name, { on: false, value: a.name === "flip" ? "h" : a.value }]),
    ),
    multiplier: 3,
    seed: 0,
  };
}

const tags = (text: string) => text.split(",").map((t) => t.trim()).filter(Boolean);

/** The form as the server's recipe JSON; options left off take the server's defaults. */
export function toRecipe(form: RecipeForm): FullRecipe {
  const classRemap: Record<string, string | null> = {};
  for (const [name, choice] of Object.entries(form.classes)) {
    if (choice.action === "omit") classRemap[name] = null;
    else if (choice.action === "rename" && choice.to.trim() && choice.to.trim() !== name) classRemap[name] = choice.to.trim();
  }
  const augmentations = AUGMENTATIONS.filter((a) => form.augmentations[a.name]?.on).map((a) => {
    const value = form.augmentations[a.name].value;
    // flip's value says which flips ("h" is the server's default, sent as none); rot90 takes none
    return { name: a.name, value: a.name === "flip" ? (value === "h" ? null : value) : a.value === null ? null : value };
  });
  const total = form.split.reduce((sum, part) => sum + part, 0) || 1;
  return {
    split: {
      ratios: form.split.map((part) => part / total) as [number, number, number],
      reassign_all: form.reassignAll,
      ...(form.evaluationOnly ? { evaluation_only: true } : {}),
    },
    preprocessing: {
      static_crop: form.crop.on ? form.crop.box : null,
      resize: form.resize.on ? { width: form.resize.width, height: form.resize.height, mode: form.resize.mode } : null,
      tile: form.tile.on ? [form.tile.rows, form.tile.cols] : null,
      grayscale: form.grayscale,
      contrast: form.contrast || null,
      class_remap: classRemap,
      max_null_fraction: form.nullCap.on ? form.nullCap.percent / 100 : null,
      include_tags: tags(form.includeTags),
      exclude_tags: tags(form.excludeTags),
      // sent only when on: a recipe without it is the one older versions were made from
      ...(form.onlyApproved ? { only_approved: true } : {}),
    },
    augmentations,
    multiplier: augmentations.length ? form.multiplier : 1,
    seed: form.seed,
  };
}

const percent = (fraction: number) => `${Math.round(fraction * 100)}`;

/** Short phrases for a stored recipe, for the version list ("resize 640×640 fit", "rotate ±15°", "3× outputs"). */
export function recipeSummary(recipe: FullRecipe): string[] {
  const parts = [`split ${recipe.split.ratios.map(percent).join("/")}`];
  if (recipe.split.evaluation_only) parts.push("evaluation only");
  const pre = recipe.preprocessing;
  if (pre.static_crop) parts.push(`crop ${pre.static_crop.join(",")}%`);
  if (pre.resize) parts.push(`resize ${pre.resize.width}×${pre.resize.height} ${pre.resize.mode}`);
  if (pre.tile) parts.push(`tile ${pre.tile[0]}×${pre.tile[1]}`);
  if (pre.grayscale) parts.push("grayscale");
  if (pre.contrast) parts.push(`contrast ${pre.contrast}`);
  const remapped = Object.entries(pre.class_remap ?? {});
  if (remapped.length) parts.push(remapped.map(([from, to]) => (to === null ? `omit ${from}` : `${from}→${to}`)).join(", "));
  if (pre.max_null_fraction !== null && pre.max_null_fraction !== undefined) parts.push(`≤${percent(pre.max_null_fraction)}% null`);
  if (pre.include_tags?.length) parts.push(`tags ${pre.include_tags.join(",")}`);
  if (pre.exclude_tags?.length) parts.push(`not ${pre.exclude_tags.join(",")}`);
  if (pre.only_approved) parts.push("approved only");
  for (const step of recipe.augmentations) {
    const option = AUGMENTATIONS.find((a) => a.name === step.name);
    const value = step.value ?? option?.value;
    parts.push(value === null || value === undefined ? step.name : `${step.name} ${value}${option?.unit ?? ""}`);
  }
  if (recipe.multiplier > 1) parts.push(`${recipe.multiplier}× outputs`);
  return parts;
}
