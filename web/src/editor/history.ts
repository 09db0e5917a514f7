// Undo/redo as two stacks of commands that know how to do and undo themselves.

export interface Command {
  label: string;
  redo(): Promise<void>;
  undo(): Promise<void>;
}

export class History {
  private done: Command[] = [];
  private undone: Command[] = [];

  /** Record a command that has just been carried out; a new action forgets what was undone. */
  push(command: Command): void {
    this.done.push(command);
    this.undone = [];
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  async undo(): Promise<Command | undefined> {
    const command = this.done.pop();
    if (!command) return undefined;
    await command.undo();
    this.undone.push(command);
    return command;
  }

  async redo(): Promise<Command | undefined> {
    const command = this.undone.pop();
    if (!command) return undefined;
    await command.redo();
    this.done.push(command);
    return command;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
  }
}
