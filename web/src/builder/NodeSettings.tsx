import { useEffect, useState } from "react";
import type { BlockProblem, TrainedModel } from "../api";
import { Catalogue } from "./catalogue";
import { Definition, OUTPUT_FIELD, findEntry, renameNode, setField, splitId } from "./graph";
import { Predictions, classCounts, isImage, isPredictions, keptAndDropped, summary } from "./inspect";
import { PredictionsPicture } from "./PredictionsPicture";
import { FormField, formFields, parseValue, valueText } from "./schemaFields";

interface Props {
  definition: Definition;
  id: string;
  catalogue: Catalogue;
  models: TrainedModel[];
  problems: BlockProblem[];
  /** The last run's outputs of every step, by step name. */
  stepOutputs: Record<string, Record<string, unknown>> | null;
  /** The image the last run was on. */
  image: File | null;
  readOnly: boolean;
  onChange: (next: Definition, selected?: string) => void;
}

/** The top-level field a compiler error points at (`operations[0].x` → `operations`). */
export function problemField(problem: BlockProblem): string {
  return (problem.property_name ?? "").split(/[.[]/)[0];
}

/** A text box that commits when it loses focus or on Enter (a change per keystroke would rename on every letter). */
function CommitInput({ label, value, onCommit, ...rest }: { label: string; value: string; onCommit: (text: string) => void } & Record<string, unknown>) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  return (
    <input aria-label={label} value={text} onChange={(e) => setText(e.target.value)} onBlur={() => text !== value && onCommit(text)}
      onKeyDown={(e) => { if (e.key === "Enter") (e.target as HTMLInputElement).blur(); }} {...rest} />
  );
}

function Literal({ field, value, onValue, models, classes }: {
  field: FormField; value: unknown; onValue: (value: unknown) => void; models: TrainedModel[]; classes: string[];
}) {
  if (field.name === "model_id") {
    const listed = models.some((m) => m.version === value);
    return (
      <select aria-label={field.name} value={listed ? String(value) : ""} onChange={(e) => onValue(e.target.value || undefined)}>
        <option value="">{value && !listed ? `${String(value)} (not a trained model here)` : "choose a trained model"}</option>
        {models.map((m) => <option key={m.id} value={m.version}>{m.version} · {m.architecture} #{m.id}</option>)}
      </select>
    );
  }
  if (field.control === "strings" && /class/.test(field.name) && classes.length) {
    const chosen = Array.isArray(value) ? value.map(String) : [];
    return (
      <div className="builder-classes" role="group" aria-label={field.name}>
        {classes.map((name) => (
          <label key={name}>
            <input type="checkbox" checked={chosen.includes(name)}
              onChange={(e) => {
                const next = e.target.checked ? [...chosen, name] : chosen.filter((c) => c !== name);
                onValue(next.length ? next : undefined);
              }} />
            {name}
          </label>
        ))}
      </div>
    );
  }
  if (field.control === "boolean") {
    const checked = value === undefined ? Boolean(field.default) : Boolean(value);
    return <input type="checkbox" aria-label={field.name} checked={checked} onChange={(e) => onValue(e.target.checked)} />;
  }
  if (field.control === "enum") {
    return (
      <select aria-label={field.name} value={value === undefined ? "" : String(value)} onChange={(e) => onValue(e.target.value || undefined)}>
        <option value="">{field.default !== undefined ? `default (${String(field.default)})` : "unset"}</option>
        {field.options.map((option) => <option key={option} value={option}>{option}</option>)}
      </select>
    );
  }
  const numeric = field.control === "number" || field.control === "integer";
  return (
    <CommitInput label={field.name} value={valueText(field, value)} type={numeric ? "number" : "text"} step={numeric ? "any" : undefined}
      placeholder={field.default !== undefined && field.default !== null ? valueText(field, field.default) : field.required ? "required" : ""}
      onCommit={(text: string) => { try { onValue(parseValue(field, text)); } catch { /* not JSON yet: keep the old value */ } }} />
  );
}

/** What a step gave in the last run, and what it kept and dropped of the predictions it was given. */
function StepRun({ definition, name, stepOutputs, image }: {
  definition: Definition; name: string; stepOutputs: Record<string, Record<string, unknown>>; image: File | null;
}) {
  const outputs = stepOutputs[name];
  if (!outputs) return null;
  const entry = definition.steps.find((s) => s.name === name);
  const given = Object.values(entry ?? {}).flatMap((value) => {
    const match = typeof value === "string" ? /^\$steps\.([^.]+)\.(.+)$/.exec(value) : null;
    const found = match ? stepOutputs[match[1]]?.[match[2]] : undefined;
    return isPredictions(found) ? [found] : [];
  });
  return (
    <div className="builder-run" data-testid="node-run">
      <h3>last run</h3>
      {Object.entries(outputs).map(([key, value]) => (
        <div key={key}>
          <code>{key}</code>: {summary(value)}
          {isImage(value) && <img src={`data:image/jpeg;base64,${value.value}`} alt={`${name} ${key} output`} />}
          {isPredictions(value) && (
            <PredictionsPicture image={image} predictions={value} dropped={given.length === 1 ? keptAndDropped(given[0], value).dropped : []} />
          )}
          {isPredictions(value) && (
            <ul>
              {classCounts(value).map(([cls, count]) => <li key={cls}>{cls}: {count}</li>)}
              {given.length === 1 && <FilterEffect given={given[0]} kept={value} />}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}

function FilterEffect({ given, kept }: { given: Predictions; kept: Predictions }) {
  const effect = keptAndDropped(given, kept);
  if (!effect.dropped.length) return <li>kept all {effect.kept} it was given</li>;
  const dropped = effect.dropped.map((p) => `${String(p.class)} ${Number(p.confidence ?? 0).toFixed(2)}`).join(", ");
  return <li>kept {effect.kept} of {given.predictions.length}; dropped {dropped}</li>;
}

/** The selected node's settings: a form drawn from its block's JSON schema, selector fields offering the upstream
 * outputs they accept, `model_id` the trained models, class fields the model's classes; the compiler's errors on the
 * fields they concern. */
export function NodeSettings({ definition, id, catalogue, models, problems, stepOutputs, image, readOnly, onChange }: Props) {
  const entry = findEntry(definition, id);
  const [kind, name] = splitId(id);
  if (!entry) return null;
  const block = kind === "step" ? catalogue.block(entry.type) : undefined;
  const set = (field: string, value: unknown) => onChange(setField(definition, id, field, value));
  const fieldProblems = (field: string) => problems.filter((p) => problemField(p) === field);
  const model = models.find((m) => m.version === entry.model_id);

  const fields: FormField[] = kind === "step"
    ? block ? formFields(block.manifest_schema) : []
    : kind === "output"
      ? [{ name: OUTPUT_FIELD, control: "none", options: [], selector: true, required: true },
         { name: "coordinates_system", control: "enum", options: ["parent", "own"], selector: false, required: false, default: "parent" }]
      : entry.type === "WorkflowParameter"
        ? [{ name: "default_value", control: "json", options: [], selector: false, required: false }]
        : [];

  return (
    <section className="builder-settings" aria-label="block settings" data-testid="block-settings">
      <h2>{kind} <code>{name}</code></h2>
      <p className="muted">{block?.description ?? (kind === "step" ? `unknown block ${String(entry.type)}` : entry.type)}</p>
      <label>name <CommitInput label="node name" value={name} disabled={readOnly}
        onCommit={(text: string) => text && onChange(renameNode(definition, id, text), `${kind}:${text}`)} /></label>
      {problems.filter((p) => !problemField(p) || problemField(p) === "type").map((p, index) => (
        <p key={index} className="error">{p.block_details ?? p.property_details}</p>
      ))}
      <fieldset disabled={readOnly}>
        {fields.map((field) => {
          const value = entry[field.name];
          const accepts = kind === "output" && field.name === OUTPUT_FIELD ? { kinds: ["*"], steps: false } : catalogue.targetKinds(definition, id, field.name);
          const sources = accepts ? (kind === "output" ? outputSources(catalogue, definition) : catalogue.compatibleSources(definition, id, field.name)) : [];
          const isSelector = typeof value === "string" && value.startsWith("$");
          const errors = fieldProblems(field.name);
          const literal = field.control !== "none" && !(accepts?.steps);
          return (
            <div key={field.name} className={`builder-field ${errors.length ? "invalid" : ""}`} data-testid={`field-${field.name}`}>
              <span title={field.description}>{field.name}{field.required ? " *" : ""}</span>
              {accepts && (sources.length > 0 || isSelector || !literal) && (
                <select aria-label={`${field.name} source`} value={isSelector ? String(value) : ""}
                  onChange={(e) => set(field.name, e.target.value || undefined)}>
                  <option value="">{literal ? "a value" : "not connected"}</option>
                  {[...new Set([...(isSelector ? [String(value)] : []), ...sources])].map((s) => <option key={s} value={s}>{s}</option>)}
                </select>
              )}
              {accepts?.steps && Array.isArray(value) && <code>{value.join(", ")}</code>}
              {literal && !isSelector && (
                <Literal field={field} value={value} onValue={(v) => set(field.name, v)} models={models} classes={model?.class_names ?? []} />
              )}
              {errors.map((p, index) => <div key={index} className="error" data-testid="field-error">{p.property_details}</div>)}
            </div>
          );
        })}
      </fieldset>
      {kind === "step" && stepOutputs && <StepRun definition={definition} name={name} stepOutputs={stepOutputs} image={image} />}
    </section>
  );
}

/** Anything an output may show: every input and every step output. */
function outputSources(catalogue: Catalogue, definition: Definition): string[] {
  return [
    ...definition.inputs.map((i) => `$inputs.${i.name}`),
    ...definition.steps.flatMap((s) => catalogue.sourceHandles(definition, `step:${s.name}`).map((h) => `$steps.${s.name}.${h}`)),
  ];
}
