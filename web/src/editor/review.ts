// The review stage in the editor: the image's state in its annotation job, the moves the person may make (submit,
// approve, reject with a comment), and queue mode (`?queue=annotate|review`): next/previous walk the person's
// queue, and after a move the editor opens the next image waiting in it.

import { api } from "../api";
import { ImageReview, QueueName, queueIds, queueStep, reviewApi } from "../review/api";
import type { EditorController } from "./controller";
import { Store } from "./store";

export interface ReviewState {
  review: ImageReview | null;
  /** The reject comment box is open. */
  rejecting: boolean;
}

const DONE: Record<"submit" | "approve" | "reject", string> = {
  submit: "submitted for review", approve: "approved", reject: "rejected: back to the annotator",
};

export class Review {
  readonly store = new Store<ReviewState>({ review: null, rejecting: false });
  /** Queue mode: which of the person's queues next/previous walk (null: the project's images, in order). */
  queue: QueueName | null = null;
  /** The queue as it was when first walked: an image that leaves it keeps its place, so "next" is the one after. */
  private order: number[] = [];

  constructor(private readonly editor: EditorController) {}

  setQueue(queue: QueueName | null): void {
    if (queue !== this.queue) this.order = [];
    this.queue = queue;
  }

  /** Fetch the image's review state (an answer for an image the editor has left is dropped). */
  async load(imageId: number): Promise<void> {
    this.store.set({ review: null, rejecting: false });
    const review = await reviewApi.image(imageId);
    if (this.editor.state.imageId === imageId) this.store.set({ review });
  }

  submit(): Promise<void> {
    return this.act("submit");
  }

  approve(): Promise<void> {
    return this.act("approve");
  }

  /** Open the comment box (Enter in it sends the rejection, Esc closes it). */
  startReject(): void {
    if (!this.store.get().review?.can_review) {
      this.editor.say("nothing to review here: the image is not waiting for your review");
      return;
    }
    this.store.set({ rejecting: true });
  }

  cancelReject(): void {
    this.store.set({ rejecting: false });
  }

  reject(comment: string): Promise<void> {
    if (!comment.trim()) {
      this.editor.say("say what to fix: a rejection needs a comment");
      return Promise.resolve();
    }
    return this.act("reject", comment);
  }

  private async act(action: "submit" | "approve" | "reject", comment = ""): Promise<void> {
    const imageId = this.editor.state.imageId;
    await this.remember();
    const review = await reviewApi.act(imageId, action, comment);
    if (this.editor.state.imageId === imageId) this.store.set({ review, rejecting: false });
    this.editor.say(DONE[action]);
    if (action === "approve" && !this.queue) { // approval makes the image `reviewed`: show its new status
      const updated = await api.image(imageId);
      this.editor.store.set((s) => ({ loaded: s.loaded && s.loaded.image.id === imageId ? { ...s.loaded, image: updated } : s.loaded }));
    }
    if (this.queue) await this.editor.go("next");
  }

  private async remember(): Promise<void> {
    if (this.queue && !this.order.length) this.order = queueIds(await reviewApi.queue(), this.queue);
  }

  /** The image to open next (or before) in the queue; null when nothing else waits in it. */
  async step(which: "next" | "previous"): Promise<number | null> {
    if (!this.queue) return null;
    await this.remember();
    const fresh = queueIds(await reviewApi.queue(), this.queue);
    const target = queueStep(this.order, fresh, this.editor.state.imageId, which);
    this.order = [...this.order, ...fresh.filter((id) => !this.order.includes(id))];
    return target;
  }
}
