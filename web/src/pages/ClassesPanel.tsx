import { useEffect, useRef, useState } from "react";
import { allows } from "../access";
import { api, Project } from "../api";
import { colorOf } from "../colors";

/** The project's classes: add, rename, recolour, merge one into another, delete (refused while in use). */
export function ClassesPanel({ project, onChanged }: { project: Project; onChanged(): void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState("");

  async function attempt(action: () => Promise<unknown>) {
    setError("");
    try {
      await action();
      onChanged();
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const { categories } = project;
  if (!allows(project, "category.manage")) {
    return (
      <details className="classes">
        <summary>Classes ({categories.length})</summary>
        <ul>{categories.map((c) => <li key={c.id} style={{ color: colorOf(categories, c.id) }}>{c.name}</li>)}</ul>
      </details>
    );
  }
  return (
    <details className="classes" open={categories.length === 0}>
      <summary>Classes ({categories.length})</summary>
      <ul>
        {categories.map((c) => (
          <li key={c.id} className="row">
            <ColorSwatch label={`colour of ${c.name}`} color={colorOf(categories, c.id)}
              onPicked={(color) => attempt(() => api.updateCategory(c.id, { color }))} />
            <input aria-label={`name of ${c.name}`} defaultValue={c.name}
              onBlur={(e) => e.target.value.trim() && e.target.value.trim() !== c.name
                && attempt(() => api.updateCategory(c.id, { name: e.target.value.trim() }))} />
            <select aria-label={`merge ${c.name} into`} value=""
              onChange={(e) => attempt(() => api.mergeCategory(c.id, Number(e.target.value)))}>
              <option value="">merge into…</option>
              {categories.filter((o) => o.id !== c.id).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
            <button aria-label={`delete ${c.name}`} onClick={() => attempt(() => api.deleteCategory(c.id))}>delete</button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={(e) => { e.preventDefault(); if (name.trim()) attempt(() => api.addCategory(project.name, name.trim())).then(() => setName("")); }}>
        <input aria-label="new class" placeholder="new class" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Add class</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </details>
  );
}

/** A colour input that shows the pick at once and saves it once the picking pauses (a picker fires many changes). */
function ColorSwatch({ label, color, onPicked }: { label: string; color: string; onPicked(color: string): void }) {
  const [shown, setShown] = useState(color);
  const timer = useRef<number>();
  useEffect(() => setShown(color), [color]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return (
    <input type="color" aria-label={label} value={shown} onChange={(e) => {
      const picked = e.target.value;
      setShown(picked);
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => onPicked(picked), 250);
    }} />
  );
}
