import { describe, expect, it } from "vitest";
import { SerialQueue } from "./serialInput";

/** A promise with its resolve handle, to finish a task when the test says so. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("SerialQueue", () => {
  it("starts a task at once, synchronously, when idle, and asks for no render after it", async () => {
    const ran: string[] = [];
    let settled = 0;
    const queue = new SerialQueue(() => { settled += 1; }, () => {});
    queue.submit(() => ran.push("a"));
    expect(ran).toEqual(["a"]);
    await flush();
    queue.submit(() => ran.push("b"));
    await flush();
    expect(ran).toEqual(["a", "b"]);
    expect(settled).toBe(0);
  });

  it("holds tasks that arrive while one runs until it settles and next() is called, in order", async () => {
    const ran: string[] = [];
    let settled = 0;
    const queue = new SerialQueue(() => { settled += 1; }, () => {});
    const save = deferred();
    queue.submit(async () => { ran.push("save"); await save.promise; ran.push("saved"); });
    queue.submit(() => ran.push("second"));
    queue.submit(() => ran.push("third"));
    queue.next(); // still saving: nothing starts
    expect(ran).toEqual(["save"]);
    save.resolve();
    await flush();
    expect(settled).toBe(1);
    expect(ran).toEqual(["save", "saved"]); // waits for the render that follows
    queue.next();
    expect(ran).toEqual(["save", "saved", "second"]);
    await flush();
    queue.next();
    expect(ran).toEqual(["save", "saved", "second", "third"]);
  });

  it("reports a failing task and goes on with the next", async () => {
    const errors: string[] = [];
    const ran: string[] = [];
    const queue = new SerialQueue(() => {}, (e) => errors.push(e.message));
    const step = async () => { await flush(); queue.next(); };
    queue.submit(() => { throw new Error("sync failure"); });
    queue.submit(() => ran.push("after sync"));
    await step();
    await step();
    queue.submit(async () => { throw new Error("async failure"); });
    queue.submit(() => ran.push("after async"));
    await step();
    expect(errors).toEqual(["sync failure", "async failure"]);
    expect(ran).toEqual(["after sync", "after async"]);
  });
});
