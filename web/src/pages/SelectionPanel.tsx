import { useState } from "react";
import { api, Schemas } from "../api";

interface Props {
  project: string;
  /** Images ticked in the grid. */
  selection: number[];
  /** After a change, with what was done: the grid reloads; after a deletion the selection is emptied too. */
  onChanged(summary: string, deleted: boolean): void;
  /** The caller's role allows deleting images (`image.delete`). */
  canDelete: boolean;
}

const SPLITS: Schemas["Split"][] = ["train", "valid", "test", "unassigned"];

const tagList = (text: string) => text.split(",").map((t) => t.trim()).filter(Boolean);

/** What can be done to the ticked images at once: a split, tags, deletion — each all or nothing on the server. */
export function SelectionPanel({ project, selection, onChanged, canDelete }: Props) {
  const [split, setSplit] = useState<Schemas["Split"] | "">("");
  const [addTags, setAddTags] = useState("");
  const [removeTags, setRemoveTags] = useState("");
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState("");
  if (!selection.length) return null;
  const count = `${selection.length} image${selection.length === 1 ? "" : "s"}`;

  async function apply() {
    try {
      const change = { image_ids: selection, split: split || undefined, add_tags: tagList(addTags), remove_tags: tagList(removeTags) };
      const updated = await api.updateImages(project, change);
      setMessage("");
      setAddTags("");
      setRemoveTags("");
      onChanged(`updated ${updated.length} image${updated.length === 1 ? "" : "s"}`, false);
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  async function remove() {
    try {
      const { deleted } = await api.deleteImages(project, selection);
      setMessage("");
      setConfirming(false);
      onChanged(`deleted ${deleted} image${deleted === 1 ? "" : "s"} and their annotations`, true);
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  const nothingToApply = !split && !tagList(addTags).length && !tagList(removeTags).length;
  return (
    <fieldset data-testid="selection-panel">
      <legend>{count} selected</legend>
      <div className="row">
        <select aria-label="move to split" value={split} onChange={(e) => setSplit(e.target.value as Schemas["Split"] | "")}>
          <option value="">keep their split</option>
          {SPLITS.map((s) => <option key={s} value={s}>move to {s}</option>)}
        </select>
        <input aria-label="add tags" placeholder="add tags (a, b)" value={addTags} onChange={(e) => setAddTags(e.target.value)} />
        <input aria-label="remove tags" placeholder="remove tags" value={removeTags} onChange={(e) => setRemoveTags(e.target.value)} />
        <button onClick={apply} disabled={nothingToApply}>Apply to {count}</button>
        {canDelete && !confirming && <button onClick={() => setConfirming(true)}>Delete…</button>}
        {confirming && (
          <>
            <button className="danger" onClick={remove}>Delete {count} and their annotations</button>
            <button onClick={() => setConfirming(false)}>Keep them</button>
          </>
        )}
      </div>
      {message && <p className="error" role="alert">{message}</p>}
    </fieldset>
  );
}
