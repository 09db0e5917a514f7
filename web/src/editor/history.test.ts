import { describe, expect, it } from "vitest";
import { History } from "./history";

describe("history", () => {
  it("undoes and redoes in order, and a new action clears redo", async () => {
    const log: string[] = [];
    const history = new History();
    const command = (name: string) => ({
      label: name,
      redo: async () => void log.push(`do ${name}`),
      undo: async () => void log.push(`undo ${name}`),
    });
    history.push(command("a"));
    history.push(command("b"));
    await history.undo();
    await history.undo();
    expect(history.canUndo).toBe(false);
    await history.redo();
    expect(log).toEqual(["undo b", "undo a", "do a"]);
    history.push(command("c"));
    expect(history.canRedo).toBe(false);
  });
});
