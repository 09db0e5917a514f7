// The editor's own calls to the app API beyond the shared ones in ../api: a paste made as one request (one undo
// step), and undo/redo of this person's edits of an image on the server, over its stored revisions.

import { Annotation, call, Geometry, Schemas } from "../api";

/** What the server's undo or redo changed: one edit, taken back or made again. */
export type EditStep = Schemas["EditStepOut"];

export const editorApi = {
  /** Several annotations at once, all or none: the server records them as one edit, so one undo removes them. */
  createAnnotations: (imageId: number, items: { category_id: number; geometry: Geometry }[]) =>
    call<Annotation[]>("POST", `/images/${imageId}/annotations/batch`, { annotations: items }),
  undo: (imageId: number) => call<EditStep>("POST", `/images/${imageId}/undo`),
  redo: (imageId: number) => call<EditStep>("POST", `/images/${imageId}/redo`),
};
