// Every editor action in one table: what it does, its shortcuts, its button or menu text and its line of help.
// The keyboard, the panel's buttons and the help overlay (?) all read this table, so they never drift apart.

import type { EditorController } from "./controller";
import { isReady, toggled } from "./state";

export interface Shortcut {
  /** `KeyboardEvent.key`, lower case (`" "` for Space). */
  key: string;
  /** Ctrl (or ⌘) held. */
  mod?: boolean;
  /** Shift held (true) or not (false); either when left out. */
  shift?: boolean;
}

/** What an action reads from the key that triggered it (nothing when it came from a button). */
export interface KeyLike { key: string; shiftKey: boolean; preventDefault(): void }

export interface Action {
  id: string;
  /** The button's or menu entry's text. */
  label: string;
  section: "Tools" | "Annotations" | "Navigation" | "Review";
  /** The help overlay's line, after the keys. */
  help: string;
  keys: Shortcut[];
  /** How the help shows the keys, when the list would be long (1–9). */
  keysText?: string;
  /** Allowed while the next image loads (moving on, help); everything else waits for it to be ready. */
  whileLoading?: boolean;
  /** The browser's own use of the key is prevented (page scroll, paste into the page). */
  preventDefault?: boolean;
  perform(editor: EditorController, key: KeyLike | null): unknown;
}

const tool = (id: "select" | "polygon" | "smart" | "brush" | "eraser", key: string, help: string): Action => ({
  id: `tool-${id}`, label: id, section: "Tools", help, keys: [{ key }], perform: (editor) => editor.chooseTool(id),
});

export const ACTIONS: Action[] = [
  tool("polygon", "p", "polygon: click to add points, click the first point or Enter to close, Esc to cancel"),
  tool("smart", "s", "Smart Polygon: hover to preview, click inside (Shift+click outside) or drag a box; Enter accepts"),
  tool("brush", "b", "brush: paint a new annotation (in “add a part” mode: onto the selected one)"),
  tool("eraser", "e", "eraser: erase from the selected annotation (a hole inside, a split across, all of it deletes it)"),
  tool("select", "v", "select: click an annotation; drag it to move it; drag a vertex; double-click an edge to add a vertex, double-click a vertex to remove it"),
  {
    id: "brush-smaller", label: "smaller brush", section: "Tools", help: "a smaller brush / eraser", keys: [{ key: "[" }],
    perform: (editor) => editor.store.set((s) => ({ brushRadius: Math.max(1, Math.round(s.brushRadius / 1.25)) })),
  },
  {
    id: "brush-larger", label: "larger brush", section: "Tools", help: "a larger brush / eraser", keys: [{ key: "]" }],
    perform: (editor) => editor.store.set((s) => ({ brushRadius: Math.min(500, Math.round(s.brushRadius * 1.25) + 1) })),
  },
  {
    id: "draw-mode", label: "draw mode", section: "Tools", keys: [{ key: "m" }],
    help: "what a drawing (polygon, brush, Smart Polygon) makes: a new annotation → a part added to the selected one → a hole cut in it",
    perform: (editor) => editor.cycleDrawMode(),
  },
  {
    id: "complete", label: "finish", section: "Tools", help: "close the polygon / accept the Smart Polygon",
    keys: [{ key: "enter", shift: false }], perform: (editor) => editor.complete(),
  },
  {
    id: "cancel", label: "cancel", section: "Tools", help: "drop the drawing or the prompt, close this help",
    keys: [{ key: "escape" }], whileLoading: true, perform: (editor) => editor.cancel(),
  },
  {
    id: "class", label: "class", section: "Annotations", keysText: "1–9",
    help: "with an annotation selected: give it that class; with none: the class of new shapes (selecting never changes it)",
    keys: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ key: String(n) })),
    perform: (editor, key) => editor.edits.chooseClassAt(Number(key?.key) - 1),
  },
  {
    id: "delete", label: "delete", section: "Annotations", help: "remove the selected vertex, or else the selected annotation",
    keys: [{ key: "delete" }, { key: "backspace" }], perform: (editor) => editor.edits.deleteSelection(),
  },
  {
    id: "select-next", label: "next annotation", section: "Annotations", help: "select the next annotation",
    keys: [{ key: "tab", shift: false }], perform: (editor) => editor.cycleSelection(1),
  },
  {
    id: "select-previous", label: "previous annotation", section: "Annotations", help: "select the previous annotation",
    keys: [{ key: "tab", shift: true }], perform: (editor) => editor.cycleSelection(-1),
  },
  {
    id: "lock", label: "lock", section: "Annotations", help: "lock or unlock the selected annotation (it cannot be picked or changed)",
    keys: [{ key: "l" }],
    perform: (editor) => editor.store.set((s) => (s.selected === null ? {} : { locked: toggled(s.locked, s.selected) })),
  },
  {
    id: "hide-all", label: "hide all", section: "Annotations", help: "hide or show all annotations", keys: [{ key: "h" }],
    perform: (editor) => editor.store.set((s) => ({ allHidden: !s.allHidden })),
  },
  {
    id: "copy", label: "copy", section: "Annotations", help: "copy the selected annotation (or all shown ones)",
    keys: [{ key: "c", mod: true }], perform: (editor) => editor.edits.copy(),
  },
  {
    id: "paste", label: "paste", section: "Annotations", help: "paste them, on this image or another (one undo step)",
    keys: [{ key: "v", mod: true }], preventDefault: true, perform: (editor) => editor.edits.paste(),
  },
  {
    id: "undo", label: "undo", section: "Annotations", help: "undo your last edit of this image (on the server, any number of steps)",
    keys: [{ key: "z", mod: true, shift: false }], preventDefault: true, perform: (editor) => editor.edits.history("undo"),
  },
  {
    id: "redo", label: "redo", section: "Annotations", help: "redo what you undid",
    keys: [{ key: "z", mod: true, shift: true }, { key: "y", mod: true }], preventDefault: true,
    perform: (editor) => editor.edits.history("redo"),
  },
  {
    id: "next", label: "next →", section: "Navigation", help: "next image (of a video: its next frame)", whileLoading: true,
    keys: [{ key: "n", shift: false }, { key: "arrowright" }], perform: (editor) => editor.go("next"),
  },
  {
    id: "previous", label: "← previous", section: "Navigation", help: "previous image (of a video: its previous frame)", whileLoading: true,
    keys: [{ key: "n", shift: true }, { key: "arrowleft" }], perform: (editor) => editor.go("previous"),
  },
  {
    id: "play", label: "play", section: "Navigation", help: "play or pause a video's frames (its sampled rate, at most 10 a second)",
    keys: [{ key: "k" }], whileLoading: true, perform: (editor) => editor.video.togglePlay(),
  },
  {
    id: "propagate", label: "propagate", section: "Annotations", keys: [{ key: "g" }],
    help: "video: carry the selected annotation (or all of the frame's) to the next frames as proposals to review",
    perform: (editor) => editor.video.propagate(),
  },
  {
    id: "interpolate", label: "interpolate", section: "Annotations", keys: [{ key: "i" }],
    help: "video: fill the frames between the selected annotation's frame and its track's next keyframe, as proposals to review",
    perform: (editor) => editor.video.interpolate(),
  },
  {
    id: "mark-null", label: "mark null", section: "Navigation", help: "reviewed: the image contains no objects", keys: [],
    perform: (editor) => editor.edits.markImage("null"),
  },
  {
    id: "mark-reviewed", label: "mark reviewed", section: "Navigation", help: "the image's annotations have been checked",
    keys: [], perform: (editor) => editor.edits.markImage("reviewed"),
  },
  {
    id: "fit", label: "fit", section: "Navigation", help: "fit the image (wheel: zoom about the cursor)", keys: [{ key: "f" }],
    perform: (editor) => editor.fit(true),
  },
  {
    id: "pan", label: "pan", section: "Navigation", help: "hold and drag to pan (or right-drag, or Alt+drag)",
    keys: [{ key: " " }], preventDefault: true, perform: (editor) => editor.holdSpace(true),
  },
  {
    id: "submit-review", label: "Submit for review", section: "Review", keys: [{ key: "enter", shift: true }],
    help: "annotator: hand the image to its reviewer (then the next image of your queue)",
    perform: (editor) => editor.review.submit(),
  },
  {
    id: "approve", label: "Approve", section: "Review", keys: [{ key: "a" }],
    help: "reviewer: approve the image (then the next one to review)", perform: (editor) => editor.review.approve(),
  },
  {
    id: "reject", label: "Reject…", section: "Review", keys: [{ key: "r" }],
    help: "reviewer: send it back to the annotator with a comment (Enter sends it)",
    perform: (editor) => editor.review.startReject(),
  },
  {
    id: "help", label: "shortcuts", section: "Navigation", help: "show or hide this help", keys: [{ key: "?" }],
    whileLoading: true, perform: (editor) => editor.store.set((s) => ({ help: !s.help })),
  },
];

const ACTION_BY_ID: ReadonlyMap<string, Action> = new Map(ACTIONS.map((a) => [a.id, a]));

export function action(id: string): Action {
  const found = ACTION_BY_ID.get(id);
  if (!found) throw new Error(`no action ${id}`);
  return found;
}

/** The action a key press triggers, if any. */
export function actionFor(event: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean }): Action | undefined {
  const key = event.key.toLowerCase();
  const mod = event.ctrlKey || event.metaKey;
  return ACTIONS.find((a) => a.keys.some((k) => k.key === key && Boolean(k.mod) === mod && (k.shift === undefined || k.shift === event.shiftKey)));
}

const KEY_NAMES: Record<string, string> = {
  " ": "Space", enter: "Enter", escape: "Esc", delete: "Delete", backspace: "Backspace", tab: "Tab",
  arrowright: "→", arrowleft: "←",
};

/** How a shortcut is written for people: `Ctrl+Shift+Z`. */
export function shortcutText(shortcut: Shortcut): string {
  const name = KEY_NAMES[shortcut.key] ?? shortcut.key.toUpperCase();
  return `${shortcut.mod ? "Ctrl+" : ""}${shortcut.shift ? "Shift+" : ""}${name}`;
}

export function keysText(action: Action): string[] {
  return action.keysText ? [action.keysText] : action.keys.map(shortcutText);
}

/** What a role that may not edit (a viewer) may still do: look, select, move on. */
const READ_ONLY_ACTIONS = new Set([
  "tool-select", "cancel", "select-next", "select-previous", "lock", "hide-all", "copy", "next", "previous", "play", "fit", "pan",
  "help",
]);

/** Whether the editor may run the action: every one, unless it is read-only and the action would edit. */
function permitted(editor: EditorController, found: Action): boolean {
  if (!editor.readOnly || READ_ONLY_ACTIONS.has(found.id)) return true;
  editor.say("read-only: your role in this project does not allow editing");
  return false;
}

/** Run the action a key asks for; keys that wait for the next image to load, or belong to none, do nothing. */
export function runKey(editor: EditorController, event: KeyLike & { ctrlKey: boolean; metaKey: boolean }): unknown {
  const found = actionFor(event);
  if (!found || (!found.whileLoading && !isReady(editor.state)) || !permitted(editor, found)) return undefined;
  if (found.preventDefault) event.preventDefault();
  return found.perform(editor, event);
}

/** Run an action from its button (reported like a key's errors, by the caller). */
export function runButton(editor: EditorController, id: string): unknown {
  return permitted(editor, action(id)) ? action(id).perform(editor, null) : undefined;
}
