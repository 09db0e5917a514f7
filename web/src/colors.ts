// Class colours: the class's own, or a distinct one from a fixed palette by its position in the project.

import type { Category } from "./api";

export const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"];

export function colorOf(categories: Category[], id: number): string {
  const index = categories.findIndex((c) => c.id === id);
  return categories[index]?.color ?? PALETTE[Math.max(0, index) % PALETTE.length];
}
