import { describe, expect, it } from "vitest";
import { defaultForm, recipeSummary, toRecipe } from "./recipe";

describe("recipe form → recipe JSON", () => {
  it("sends the server's defaults for an untouched form", () => {
    expect(toRecipe(defaultForm())).toEqual({
      split: { ratios: [0.7, 0.2, 0.1], reassign_all: false },
      preprocessing: {
        static_crop: null, resize: null, tile: null, grayscale: false, contrast: null, class_remap: {},
        max_null_fraction: null, include_tags: [], exclude_tags: [],
      },
      augmentations: [],
      multiplier: 1, // without augmentation there is nothing to multiply
      seed: 0,
    });
  });

  it("turns every option on", () => {
    const form = defaultForm();
    form.split = [60, 30, 30];
    form.crop = { on: true, box: [10, 0, 90, 100] };
    form.resize = { on: true, width: 320, height: 240, mode: "fit-white" };
    form.tile = { on: true, rows: 2, cols: 3 };
    form.grayscale = true;
    form.contrast = "clahe";
    form.classes = { cat: { action: "rename", to: " animal " }, dog: { action: "omit", to: "" }, bird: { action: "rename", to: "" } };
    form.nullCap = { on: true, percent: 25 };
    form.includeTags = "day, street,";
    form.excludeTags = "blurry";
    form.augmentations.flip = { on: true, value: "hv" };
    form.augmentations.rot90 = { on: true, value: null };
    form.augmentations.rotate = { on: true, value: 40 };
    form.multiplier = 5;
    form.seed = 9;
    const recipe = toRecipe(form);
    expect(recipe.split.ratios.reduce((a, b) => a + b)).toBeCloseTo(1);
    expect(recipe.split.ratios[0]).toBeCloseTo(0.5);
    expect(recipe.preprocessing).toEqual({
      static_crop: [10, 0, 90, 100],
      resize: { width: 320, height: 240, mode: "fit-white" },
      tile: [2, 3],
      grayscale: true,
      contrast: "clahe",
      class_remap: { cat: "animal", dog: null }, // an empty rename keeps the class
      max_null_fraction: 0.25,
      include_tags: ["day", "street"],
      exclude_tags: ["blurry"],
    });
    expect(recipe.augmentations).toEqual([
      { name: "flip", value: "hv" },
      { name: "rot90", value: null },
      { name: "rotate", value: 40 },
    ]);
    expect(recipe.multiplier).toBe(5);
    expect(recipe.seed).toBe(9);
  });

  it("sends a horizontal flip as the server's default", () => {
    const form = defaultForm();
    form.augmentations.flip = { on: true, value: "h" };
    expect(toRecipe(form).augmentations).toEqual([{ name: "flip", value: null }]);
  });
});

describe("recipe summary", () => {
  it("names what a stored recipe does", () => {
    const form = defaultForm();
    form.resize = { on: true, width: 640, height: 640, mode: "fit" };
    form.classes = { dog: { action: "omit", to: "" } };
    form.augmentations.brightness = { on: true, value: 25 };
    const recipe = toRecipe(form);
    recipe.augmentations.push({ name: "blur", value: null });
    expect(recipeSummary(recipe)).toEqual([
      "split 70/20/10", "resize 640×640 fit", "omit dog", "brightness 25%", "blur 2.5px", "3× outputs",
    ]);
  });
});
