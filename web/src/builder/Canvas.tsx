import {
  Background, Connection, Controls, Edge, EdgeChange, Handle, Node, NodeChange, NodeProps, Position, ReactFlow, useReactFlow,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { DragEvent, memo, useEffect, useMemo, useState } from "react";
import { Catalogue } from "./catalogue";
import { Definition, Graph, GraphEdge, NodeKind, STEP_HANDLE, findEntry } from "./graph";
import { NODE_WIDTH, Positions } from "./layout";

/** What the palette hands the canvas through drag and drop. */
export const DRAG_TYPE = "application/seglab-node";
export type Dropped = { kind: NodeKind; type: string };

export type Change = "added" | "changed" | "removed";

export type NodeView = {
  kind: NodeKind;
  name: string;
  title: string;
  sources: string[];
  targets: string[];
  /** Fields the compiler finds wrong, and the node's own problems. */
  fieldErrors: Record<string, string>;
  errors: string[];
  change?: Change;
  /** What the last run gave: thumbnails and one line per output. */
  images: { key: string; src: string }[];
  lines: string[];
};
type BlockNode = Node<NodeView, "block">;

const KIND_TITLES: Record<NodeKind, string> = { input: "input", step: "step", output: "output" };

function BlockNodeView({ data, selected }: NodeProps<BlockNode>) {
  const classes = ["builder-node", data.kind, data.change ?? "", data.errors.length || Object.keys(data.fieldErrors).length ? "invalid" : "", selected ? "selected" : ""];
  return (
    <div className={classes.join(" ")} style={{ width: NODE_WIDTH }} data-testid={`node-${data.kind}-${data.name}`}>
      <div className="builder-node-title"><strong>{data.name}</strong><span className="muted">{data.title}</span></div>
      {data.targets.map((field) => (
        <div key={`in-${field}`} className={`builder-port in ${data.fieldErrors[field] ? "invalid" : ""}`} title={data.fieldErrors[field] ?? field}>
          <Handle type="target" position={Position.Left} id={field} />
          {field}
        </div>
      ))}
      {data.sources.map((output) => (
        <div key={`out-${output}`} className="builder-port out">
          {output}
          <Handle type="source" position={Position.Right} id={output} />
        </div>
      ))}
      {data.errors.map((error, index) => <div key={index} className="builder-node-error">{error}</div>)}
      {(data.images.length > 0 || data.lines.length > 0) && (
        <div className="builder-node-output" data-testid={`node-output-${data.name}`}>
          {data.images.map((image) => <img key={image.key} src={image.src} alt={`${data.name} ${image.key}`} />)}
          {data.lines.map((line, index) => <div key={index}>{line}</div>)}
        </div>
      )}
    </div>
  );
}

const NODE_TYPES = { block: memo(BlockNodeView) };

interface Props {
  definition: Definition;
  graph: Graph;
  catalogue: Catalogue;
  positions: Positions;
  views: Record<string, Omit<NodeView, "kind" | "name" | "sources" | "targets" | "title">>;
  selected: string | null;
  /** Changes when a new layout is made: the view then fits it. */
  layoutVersion: number;
  readOnly: boolean;
  onSelect: (id: string | null) => void;
  onMove: (id: string, position: { x: number; y: number }) => void;
  onConnect: (source: string, handle: string, target: string, field: string) => void;
  onDelete: (nodes: string[], edges: GraphEdge[]) => void;
  onDrop: (dropped: Dropped, position: { x: number; y: number }) => void;
}

/** The graph on a React Flow canvas: one node per input, step and output, a handle per field and per output. */
export function Canvas(props: Props) {
  const { definition, graph, catalogue, positions, views, selected, layoutVersion, readOnly } = props;
  const flow = useReactFlow();
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());

  const nodes = useMemo<BlockNode[]>(() => graph.nodes.map((node) => {
    const into = graph.edges.filter((e) => e.target === node.id).map((e) => e.targetHandle);
    const outOf = graph.edges.filter((e) => e.source === node.id && e.sourceHandle !== STEP_HANDLE).map((e) => e.sourceHandle);
    const type = findEntry(definition, node.id)?.type;
    const view = views[node.id] ?? { fieldErrors: {}, errors: [], images: [], lines: [] };
    return {
      id: node.id,
      type: "block",
      position: positions[node.id] ?? { x: 0, y: 0 },
      selected: node.id === selected,
      measured: sizes[node.id],
      data: {
        kind: node.kind,
        name: node.name,
        title: node.kind === "step" ? String(type ?? "") : `${KIND_TITLES[node.kind]}${type ? ` · ${type}` : ""}`,
        sources: catalogue.sourceHandles(definition, node.id, outOf),
        targets: catalogue.targetHandles(definition, node.id, into),
        ...view,
      },
    };
  }), [graph, definition, catalogue, positions, views, selected, sizes]);

  const ids = useMemo(() => new Set(graph.nodes.map((n) => n.id)), [graph]);
  const edges = useMemo<Edge[]>(() => graph.edges
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => ({
      id: e.id, source: e.source, sourceHandle: e.sourceHandle === STEP_HANDLE ? null : e.sourceHandle, target: e.target,
      targetHandle: e.targetHandle, selected: selectedEdges.has(e.id),
    })),
  [graph, ids, selectedEdges]);

  useEffect(() => {
    if (layoutVersion) requestAnimationFrame(() => flow.fitView({ padding: 0.1 }));
  }, [layoutVersion, flow]);

  function nodesChanged(changes: NodeChange<BlockNode>[]) {
    const measured: Record<string, { width: number; height: number }> = {};
    for (const change of changes) {
      if (change.type === "dimensions" && change.dimensions) measured[change.id] = change.dimensions;
      if (change.type === "position" && change.position && !readOnly) props.onMove(change.id, change.position);
      // one node selected at a time; a click on the pane selects none (React Flow's deselections come in any order)
      if (change.type === "select" && change.selected) props.onSelect(change.id);
    }
    if (Object.keys(measured).length) setSizes((before) => ({ ...before, ...measured }));
  }

  function edgesChanged(changes: EdgeChange[]) {
    // removals come through onDelete (with the nodes removed at the same time)
    const selecting = changes.filter((c) => c.type === "select");
    if (!selecting.length) return;
    setSelectedEdges((before) => {
      const next = new Set(before);
      for (const c of selecting) if (c.type === "select") (c.selected ? next.add(c.id) : next.delete(c.id));
      return next;
    });
  }

  function valid(connection: Connection | Edge): boolean {
    const { source, target, sourceHandle, targetHandle } = connection;
    return !readOnly && !!targetHandle && catalogue.canConnect(definition, source, sourceHandle ?? STEP_HANDLE, target, targetHandle);
  }

  function drop(event: DragEvent) {
    event.preventDefault();
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    if (!raw || readOnly) return;
    props.onDrop(JSON.parse(raw) as Dropped, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
  }

  return (
    <div className="builder-canvas" data-testid="builder-canvas" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; }} onDrop={drop}>
      <ReactFlow<BlockNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        onNodesChange={nodesChanged}
        onEdgesChange={edgesChanged}
        onConnect={(c) => c.targetHandle && props.onConnect(c.source, c.sourceHandle ?? STEP_HANDLE, c.target, c.targetHandle)}
        isValidConnection={valid}
        onDelete={({ nodes: gone, edges: cut }) => props.onDelete(
          gone.map((n) => n.id),
          graph.edges.filter((e) => cut.some((c) => c.id === e.id) && !gone.some((n) => n.id === e.target || n.id === e.source)),
        )}
        onPaneClick={() => props.onSelect(null)}
        deleteKeyCode={readOnly ? null : ["Backspace", "Delete"]}
        nodesConnectable={!readOnly}
        minZoom={0.1}
        fitView
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
