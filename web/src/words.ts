/** "1 image", "7 images", "2 classes": a count with its noun, singular for exactly one. */
export function counted(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
