import { describe, expect, it } from "vitest";
import { DroppedFile, holdsDataset, nameFor, picked } from "./droppedFiles";

const dropped = (...paths: string[]): DroppedFile[] => paths.map((path) => ({ file: new File([""], path.split("/").pop()!), path }));

describe("a drop", () => {
  it.each([
    [["a.jpg", "b.png", "clip.mp4"], false],
    [["export.zip"], true],
    [["data.tar.gz"], true],
    [["loose.png", "photos.zip", "clip.avi"], false],
    [["_annotations.coco.json", "a.jpg"], true],
    [["data.yaml"], true],
    [["cotton/valid/images/a.jpg"], true],
  ])("%j is a dataset: %s", (paths, expected) => {
    expect(holdsDataset(dropped(...paths))).toBe(expected);
  });

  it.each([
    [["Brain Tumor.v1i.coco-segmentation.zip"], "Brain Tumor"],
    [["pets.zip"], "pets"],
    [["cotton/data.yaml", "cotton/valid/images/a.jpg"], "cotton"],
    [["a.jpg", "_annotations.coco.json"], ""],
    [["2024.zip"], "project-2024"],
  ])("%j names a new project %j", (paths, expected) => {
    expect(nameFor(dropped(...paths))).toBe(expected);
  });

  it("keeps a picked folder's paths", () => {
    const file = new File([""], "a.jpg");
    Object.defineProperty(file, "webkitRelativePath", { value: "cotton/valid/a.jpg" });
    expect(picked([file, new File([""], "b.jpg")]).map((f) => f.path)).toEqual(["cotton/valid/a.jpg", "b.jpg"]);
  });
});
