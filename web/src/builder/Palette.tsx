import { DragEvent, useState } from "react";
import { Catalogue } from "./catalogue";
import { DRAG_TYPE, Dropped } from "./Canvas";

/** Inputs and outputs first, then the server's blocks by category: each is dragged onto the canvas. */
const BASICS: { label: string; description: string; dropped: Dropped }[] = [
  { label: "Image", description: "An image input", dropped: { kind: "input", type: "WorkflowImage" } },
  { label: "Parameter", description: "A value given at run time", dropped: { kind: "input", type: "WorkflowParameter" } },
  { label: "Output", description: "A value the workflow answers with", dropped: { kind: "output", type: "JsonField" } },
];

function start(event: DragEvent, dropped: Dropped) {
  event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dropped));
  event.dataTransfer.effectAllowed = "move";
}

export function Palette({ catalogue, onAdd }: { catalogue: Catalogue; onAdd: (dropped: Dropped) => void }) {
  const [search, setSearch] = useState("");
  const groups = catalogue.categories(search);
  const item = (key: string, label: string, description: string, dropped: Dropped) => (
    <li key={key} draggable onDragStart={(e) => start(e, dropped)} title={`${description} (drag onto the canvas, or double-click)`}
      onDoubleClick={() => onAdd(dropped)} data-testid={`palette-${key}`}>
      <strong>{label}</strong>
      <span className="muted">{description}</span>
    </li>
  );
  return (
    <section className="builder-palette" aria-label="blocks">
      <h2>Blocks</h2>
      <input aria-label="search blocks" placeholder="search blocks" value={search} onChange={(e) => setSearch(e.target.value)} />
      <h3>inputs and outputs</h3>
      <ul>{BASICS.map((basic) => item(basic.dropped.type, basic.label, basic.description, basic.dropped))}</ul>
      {groups.map(([category, blocks]) => (
        <div key={category}>
          <h3>{category}</h3>
          <ul>{blocks.map((block) => item(block.type, block.type.replace(/^.*\//, ""), block.description, { kind: "step", type: block.type }))}</ul>
        </div>
      ))}
      {!groups.length && <p className="muted">no block matches</p>}
    </section>
  );
}
