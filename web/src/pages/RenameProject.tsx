import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { api } from "../api";
import { keys } from "../queries";

/** Rename the project: the new name is typed, then confirmed (links and bookmarks to the old name stop working). */
export function RenameProject({ name }: { name: string }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(name);
  const [error, setError] = useState("");

  async function save() {
    const next = draft.trim();
    if (!next || next === name) return setEditing(false);
    if (!window.confirm(`Rename the project "${name}" to "${next}"? Links to the old name will stop working.`)) return;
    try {
      const renamed = await api.renameProject(name, next);
      client.invalidateQueries({ queryKey: keys.projects });
      navigate(`/projects/${encodeURIComponent(renamed.name)}`, { replace: true });
    } catch (e) {
      setError((e as Error).message);
    }
  }

  if (!editing) return <button className="link" onClick={() => { setDraft(name); setEditing(true); }}>Rename</button>;
  return (
    <form className="row rename" onSubmit={(e) => { e.preventDefault(); save(); }}>
      <input aria-label="new name" value={draft} autoFocus onChange={(e) => setDraft(e.target.value)} />
      <button type="submit">Save name</button>
      <button type="button" onClick={() => setEditing(false)}>Cancel</button>
      {error && <span className="error" role="alert">{error}</span>}
    </form>
  );
}
