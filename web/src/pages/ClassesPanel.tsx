import { useEffect, useRef, useState } from "react";
import { allows } from "../access";
import { api, ApiError, Category, Project } from "../api";
import { colorOf } from "../colors";

/** The project's classes: add, rename, recolour, merge one into another, delete (refused while in use). */
export function ClassesPanel({ project, onChanged }: { project: Project; onChanged(): void }) {
  const [name, setName] = useState("");
  const [error, setError] = useState("");
  const [inUse, setInUse] = useState<InUse | null>(null);

  /** Delete a class; one still in use asks what becomes of its annotations (the server refuses to guess). */
  async function remove(category: Category) {
    setError("");
    try {
      await api.deleteCategory(category.id);
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && typeof e.details.annotations === "number") {
        setInUse({ category, annotations: e.details.annotations });
      } else {
        setError((e as Error).message);
      }
    }
  }

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
              onChange={(e) => {
                const into = categories.find((o) => o.id === Number(e.target.value));
                if (into && window.confirm(`Merge “${c.name}” into “${into.name}”? Every “${c.name}” annotation becomes “${into.name}”, and the class “${c.name}” is removed.`)) {
                  attempt(() => api.mergeCategory(c.id, into.id));
                }
              }}>
              <option value="">merge into…</option>
              {categories.filter((o) => o.id !== c.id).map((o) => <option key={o.id} value={o.id}>{o.name}</option>)}
            </select>
            <button aria-label={`delete ${c.name}`} onClick={() => remove(c)}>delete</button>
          </li>
        ))}
      </ul>
      {inUse && <InUseDialog inUse={inUse} categories={categories} cancel={() => setInUse(null)}
        decide={(annotations) => { setInUse(null); attempt(() => api.deleteCategory(inUse.category.id, annotations)); }} />}
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

interface InUse {
  category: Category;
  annotations: number;
}

/** What to do with the annotations of a class being deleted: move them to another class, or delete them too. */
function InUseDialog({ inUse, categories, cancel, decide }: {
  inUse: InUse; categories: Category[]; cancel(): void; decide(annotations: { moveTo: number } | "delete"): void;
}) {
  const others = categories.filter((c) => c.id !== inUse.category.id);
  const [moveTo, setMoveTo] = useState(others[0]?.id ?? 0);
  const { category, annotations } = inUse;
  return (
    <div className="card in-use" role="dialog" aria-label={`delete ${category.name}`}>
      <p>“{category.name}” is used by {annotations} annotation{annotations === 1 ? "" : "s"}. What becomes of {annotations === 1 ? "it" : "them"}?</p>
      {others.length > 0 && (
        <div className="row">
          <label>Move to{" "}
            <select aria-label="move annotations to" value={moveTo} onChange={(e) => setMoveTo(Number(e.target.value))}>
              {others.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>
          </label>
          <button onClick={() => decide({ moveTo })}>Move and delete the class</button>
        </div>
      )}
      <div className="row">
        <button className="danger" onClick={() => decide("delete")}>Delete the class and its {annotations} annotation{annotations === 1 ? "" : "s"}</button>
        <button onClick={cancel}>Cancel</button>
      </div>
    </div>
  );
}
