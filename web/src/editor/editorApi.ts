// The editor's own calls to the app API beyond the shared ones in ../api: a drawing saved with its source, its place
// in the grid, a paste made as one request (one undo step), and undo/redo of this person's edits of an image on the
// server, over its stored revisions.

import { Annotation, call, Geometry, Schemas } from "../api";

/** What the server's undo or redo changed: one edit, taken back or made again. */
export type EditStep = Schemas["EditStepOut"];

/** An image's neighbours and place under the grid's filters (the server's keyset answer: cheap on any project). */
export type ImagePlace = Schemas["ImagePlaceOut"];

export const editorApi = {
  /** One new annotation, saying how it was made (`manual`, `assist:smart-polygon`): the list names its source. */
  createAnnotation: (imageId: number, categoryId: number, geometry: Geometry, source: string) =>
    call<Annotation>("POST", `/images/${imageId}/annotations`, { category_id: categoryId, geometry, source }),
  /** The previous / next image among those the grid's filters match (the server's query), and where this one is. */
  place: (imageId: number, query: Record<string, string>) => {
    const search = new URLSearchParams(query).toString();
    return call<ImagePlace>("GET", `/images/${imageId}/neighbours${search ? `?${search}` : ""}`);
  },
  /** Several annotations at once, all or none: the server records them as one edit, so one undo removes them. */
  createAnnotations: (imageId: number, items: { category_id: number; geometry: Geometry }[]) =>
    call<Annotation[]>("POST", `/images/${imageId}/annotations/batch`, { annotations: items }),
  undo: (imageId: number) => call<EditStep>("POST", `/images/${imageId}/undo`),
  redo: (imageId: number) => call<EditStep>("POST", `/images/${imageId}/redo`),
};
