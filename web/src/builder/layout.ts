// Automatic layout (dagre, left to right): where each node goes when a definition is opened, typed in the JSON or
// produced by the agent. Node sizes are estimated from their handle counts, as the canvas draws one row per handle.

import dagre from "@dagrejs/dagre";
import type { Graph } from "./graph";

export type Positions = Record<string, { x: number; y: number }>;

export const NODE_WIDTH = 220;
const ROW = 18;

export function nodeHeight(handles: number): number {
  return 56 + ROW * Math.max(1, handles);
}

/** Positions for every node of `graph`; `handles(id)` is how many handle rows the node shows. */
export function layout(graph: Graph, handles: (id: string) => number): Positions {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 24, ranksep: 70, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(graph.nodes.map((node) => node.id));
  for (const node of graph.nodes) g.setNode(node.id, { width: NODE_WIDTH, height: nodeHeight(handles(node.id)) });
  for (const edge of graph.edges) if (ids.has(edge.source) && ids.has(edge.target)) g.setEdge(edge.source, edge.target);
  dagre.layout(g);
  const positions: Positions = {};
  for (const node of graph.nodes) {
    const placed = g.node(node.id);
    positions[node.id] = { x: placed.x - placed.width / 2, y: placed.y - placed.height / 2 };
  }
  return positions;
}
