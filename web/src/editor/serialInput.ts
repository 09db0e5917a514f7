type Task = () => unknown;

/**
 * The editor's input, one event at a time. An edit is saved, then the annotations are reloaded with their new
 * revision; an event handled in between would act on the old shapes and send the old revision, which the server
 * refuses as a conflict (a quick double-click on a vertex just added did exactly that). So the events that arrive
 * while a task runs wait in order, and each runs once the previous one has finished and its result is in the
 * store. Mouse moves queue too, so a brush stroke or a drag begun while an edit is saved is replayed whole.
 *
 * Runs tasks one at a time, in the order they came. A task submitted while another runs (or while others wait)
 * waits too; when a task ends with others waiting, `settled` is called, and the next starts only when `next()` is
 * called (the editor calls it at once, from a microtask: its state lives in a store, fresh for the next task). A
 * task submitted while idle starts at once, synchronously, so an event handler can still call `preventDefault()`.
 */
export class SerialQueue {
  private busy = false;
  private readonly waiting: Task[] = [];

  constructor(
    private readonly settled: () => void,
    private readonly onError: (error: Error) => void,
  ) {}

  submit(task: Task): void {
    if (this.busy || this.waiting.length) this.waiting.push(task);
    else this.start(task);
  }

  /** Start the next waiting task, if nothing runs. */
  next(): void {
    if (this.busy) return;
    const task = this.waiting.shift();
    if (task) this.start(task);
  }

  private start(task: Task): void {
    this.busy = true;
    let result: unknown;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error);
    }
    Promise.resolve(result)
      .catch((error: Error) => this.onError(error))
      .finally(() => {
        this.busy = false;
        if (this.waiting.length) this.settled(); // only then is a render (and next()) needed
      });
  }
}
