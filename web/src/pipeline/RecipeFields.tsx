import type { ReactNode } from "react";
import type { Category } from "../api";
import { AUGMENTATIONS, CONTRASTS, FLIPS, RecipeForm, RESIZE_MODES } from "./recipe";

type Change = (update: (form: RecipeForm) => RecipeForm) => void;

const number = (text: string) => (text === "" ? 0 : Number(text));

function Section({ title, hint, children }: { title: string; hint: string; children: ReactNode }) {
  return (
    <section className="card">
      <h3>{title}</h3>
      <p className="muted small">{hint}</p>
      {children}
    </section>
  );
}

/** One optional step: a switch, then its parameters when it is on. */
function Step({ label, on, toggle, children }: { label: string; on: boolean; toggle: (on: boolean) => void; children?: ReactNode }) {
  return (
    <div className={`step ${on ? "on" : ""}`}>
      <label className="switch">
        <input type="checkbox" aria-label={label} checked={on} onChange={(e) => toggle(e.target.checked)} />
        {label}
      </label>
      {on && children && <div className="step-body">{children}</div>}
    </div>
  );
}

function SplitFields({ form, change }: { form: RecipeForm; change: Change }) {
  const names = ["train", "valid", "test"];
  const total = form.split.reduce((a, b) => a + b, 0) || 1;
  return (
    <Section title="Train / Valid / Test split" hint="Images keep the split they have; unassigned ones are spread over these shares, stratified by class.">
      <div className="split-bar">
        {form.split.map((part, i) => (
          <span key={i} className={names[i]} style={{ flexGrow: part / total }}>{names[i]} {Math.round((part / total) * 100)}%</span>
        ))}
      </div>
      <div className="fields">
        {names.map((name, i) => (
          <label key={name}>
            {name} %
            <input type="number" min={0} max={100} aria-label={`${name} percent`} value={form.split[i]}
              onChange={(e) => change((f) => {
                const split = [...f.split] as RecipeForm["split"];
                split[i] = number(e.target.value);
                return { ...f, split };
              })} />
          </label>
        ))}
        <label className="switch">
          <input type="checkbox" checked={form.reassignAll} onChange={(e) => change((f) => ({ ...f, reassignAll: e.target.checked }))} />
          re-split images that already have a split
        </label>
        <label className="switch">
          <input type="checkbox" checked={form.evaluationOnly} onChange={(e) => change((f) => ({ ...f, evaluationOnly: e.target.checked }))} />
          only to evaluate models on (no training images needed)
        </label>
      </div>
    </Section>
  );
}

function PreprocessingFields({ form, change, categories }: { form: RecipeForm; change: Change; categories: Category[] }) {
  const set = <K extends keyof RecipeForm>(key: K, value: RecipeForm[K]) => change((f) => ({ ...f, [key]: value }));
  return (
    <Section title="Preprocessing" hint="Applied to every image of every split, in this order.">
      <Step label="Static crop" on={form.crop.on} toggle={(on) => set("crop", { ...form.crop, on })}>
        {["x min", "y min", "x max", "y max"].map((name, i) => (
          <label key={name}>{name} %
            <input type="number" min={0} max={100} aria-label={`crop ${name}`} value={form.crop.box[i]}
              onChange={(e) => {
                const box = [...form.crop.box] as RecipeForm["crop"]["box"];
                box[i] = number(e.target.value);
                set("crop", { ...form.crop, box });
              }} />
          </label>
        ))}
      </Step>
      <Step label="Resize" on={form.resize.on} toggle={(on) => set("resize", { ...form.resize, on })}>
        <select aria-label="resize mode" value={form.resize.mode}
          onChange={(e) => set("resize", { ...form.resize, mode: e.target.value as RecipeForm["resize"]["mode"] })}>
          {RESIZE_MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
        </select>
        <input type="number" min={1} aria-label="resize width" value={form.resize.width}
          onChange={(e) => set("resize", { ...form.resize, width: number(e.target.value) })} />
        ×
        <input type="number" min={1} aria-label="resize height" value={form.resize.height}
          onChange={(e) => set("resize", { ...form.resize, height: number(e.target.value) })} />
      </Step>
      <Step label="Tile" on={form.tile.on} toggle={(on) => set("tile", { ...form.tile, on })}>
        <input type="number" min={1} aria-label="tile rows" value={form.tile.rows}
          onChange={(e) => set("tile", { ...form.tile, rows: number(e.target.value) })} />
        rows ×
        <input type="number" min={1} aria-label="tile columns" value={form.tile.cols}
          onChange={(e) => set("tile", { ...form.tile, cols: number(e.target.value) })} />
        columns
      </Step>
      <Step label="Grayscale" on={form.grayscale} toggle={(on) => set("grayscale", on)} />
      <Step label="Contrast" on={form.contrast !== ""} toggle={(on) => set("contrast", on ? "stretch" : "")}>
        <select aria-label="contrast method" value={form.contrast}
          onChange={(e) => set("contrast", e.target.value as RecipeForm["contrast"])}>
          {CONTRASTS.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
        </select>
      </Step>
      <Step label="Limit null images" on={form.nullCap.on} toggle={(on) => set("nullCap", { ...form.nullCap, on })}>
        at most
        <input type="number" min={0} max={100} aria-label="null images percent" value={form.nullCap.percent}
          onChange={(e) => set("nullCap", { ...form.nullCap, percent: number(e.target.value) })} />
        % of images without objects
      </Step>
      <div className="step on">
        <strong className="step-title">Tags</strong>
        <div className="step-body tags">
          <input aria-label="include tags" placeholder="only images tagged" title="tags, comma-separated" value={form.includeTags}
            onChange={(e) => set("includeTags", e.target.value)} />
          <input aria-label="exclude tags" placeholder="leave out images tagged" title="tags, comma-separated" value={form.excludeTags}
            onChange={(e) => set("excludeTags", e.target.value)} />
          <label className="inline">
            <input type="checkbox" aria-label="only approved images" checked={form.onlyApproved}
              onChange={(e) => set("onlyApproved", e.target.checked)} /> only images approved in review
          </label>
        </div>
      </div>
      {categories.length > 0 && (
        <table className="classes">
          <thead><tr><th>Class</th><th>In the version</th></tr></thead>
          <tbody>
            {categories.map((c) => {
              const choice = form.classes[c.name] ?? { action: "keep", to: "" };
              const update = (next: Partial<typeof choice>) => set("classes", { ...form.classes, [c.name]: { ...choice, ...next } });
              return (
                <tr key={c.id}>
                  <td><i className="swatch" style={{ background: c.color ?? "#999" }} />{c.name}</td>
                  <td>
                    <select aria-label={`class ${c.name}`} value={choice.action}
                      onChange={(e) => update({ action: e.target.value as typeof choice.action })}>
                      <option value="keep">keep</option>
                      <option value="rename">rename to…</option>
                      <option value="omit">omit</option>
                    </select>
                    {choice.action === "rename" && (
                      <input aria-label={`rename ${c.name}`} value={choice.to} onChange={(e) => update({ to: e.target.value })} />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function AugmentationFields({ form, change }: { form: RecipeForm; change: Change }) {
  const update = (name: string, next: Partial<RecipeForm["augmentations"][string]>) =>
    change((f) => ({ ...f, augmentations: { ...f.augmentations, [name]: { ...f.augmentations[name], ...next } } }));
  const enabled = AUGMENTATIONS.some((a) => form.augmentations[a.name].on);
  return (
    <Section title="Augmentation" hint="Training images only: each gets the original plus augmented copies, seeded, so the same recipe gives the same version.">
      <div className="augmentations">
        {AUGMENTATIONS.map((a) => {
          const state = form.augmentations[a.name];
          return (
            <div key={a.name} className={`augmentation ${state.on ? "on" : ""}`}>
              <label className="switch" title={a.help}>
                <input type="checkbox" aria-label={`augmentation ${a.name}`} checked={state.on}
                  onChange={(e) => update(a.name, { on: e.target.checked })} />
                {a.label}
              </label>
              <span className="small muted">{a.help}</span>
              {state.on && a.name === "flip" && (
                <select aria-label="flip direction" value={String(state.value)} onChange={(e) => update(a.name, { value: e.target.value })}>
                  {FLIPS.map((f) => <option key={f.value} value={f.value}>{f.label}</option>)}
                </select>
              )}
              {state.on && a.value !== null && (
                <span className="range">
                  <input type="range" min={a.min} max={a.max} step={a.step} aria-label={`${a.name} value`} value={Number(state.value)}
                    onChange={(e) => update(a.name, { value: Number(e.target.value) })} />
                  <output>{String(state.value)}{a.unit === "boxes" ? " boxes" : a.unit}</output>
                </span>
              )}
            </div>
          );
        })}
      </div>
      <div className="fields">
        <label>
          outputs per training image
          <input type="number" min={1} max={50} aria-label="outputs per training image" value={form.multiplier} disabled={!enabled}
            onChange={(e) => change((f) => ({ ...f, multiplier: number(e.target.value) }))} />
        </label>
        <label>
          seed
          <input type="number" aria-label="seed" value={form.seed} onChange={(e) => change((f) => ({ ...f, seed: number(e.target.value) }))} />
        </label>
      </div>
    </Section>
  );
}

/** Every option of a version's recipe, grouped as the version is built: split, preprocessing, augmentation. */
export function RecipeFields({ form, change, categories }: { form: RecipeForm; change: Change; categories: Category[] }) {
  return (
    <>
      <SplitFields form={form} change={change} />
      <PreprocessingFields form={form} change={change} categories={categories} />
      <AugmentationFields form={form} change={change} />
    </>
  );
}
