import { useState } from "react";
import { STATE_NAMES } from "../review/api";
import { ActionButton } from "./ActionButton";
import { runButton } from "./actions";
import type { EditorController } from "./controller";
import { useStore } from "./store";

/** The image's place in review: its job, state, the last rejection's comment, the moves open to this person, and
 * its review history (who did what, when). Nothing when the image is in no job. */
export function ReviewPanel({ editor }: { editor: EditorController }) {
  const review = useStore(editor.review.store, (s) => s.review);
  const rejecting = useStore(editor.review.store, (s) => s.rejecting);
  const [comment, setComment] = useState("");
  if (!review || (!review.item && !review.events.length)) return null;
  const { item, job } = review;
  const button = (id: string) => <ActionButton key={id} id={id} onClick={() => editor.input.submit(() => runButton(editor, id))} />;
  function send() {
    const text = comment;
    setComment("");
    editor.input.submit(() => editor.review.reject(text));
  }
  return (
    <fieldset className="review-box" data-testid="review-box">
      <legend>Review{job ? `: ${job.name}` : ""}</legend>
      {item && <p data-testid="review-state">{STATE_NAMES[item.state] ?? item.state}</p>}
      {job?.instructions && <p className="muted small">{job.instructions}</p>}
      {item?.comment && item.state !== "approved" && (
        <p className="comment" data-testid="review-comment">Reviewer: “{item.comment}”</p>
      )}
      <div className="row">
        {review.can_submit && button("submit-review")}
        {review.can_review && ["approve", "reject"].map(button)}
      </div>
      {rejecting && (
        <input aria-label="rejection comment" autoFocus placeholder="what to fix — Enter sends, Esc cancels" value={comment}
          onChange={(e) => setComment(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") { e.preventDefault(); send(); }
            if (e.key === "Escape") { e.preventDefault(); editor.review.cancelReject(); }
          }} />
      )}
      <details>
        <summary>History ({review.events.length})</summary>
        <ul className="review-events" data-testid="review-events">
          {review.events.map((e, i) => (
            <li key={i}>
              {new Date(e.at).toLocaleString()} · <b>{e.actor || "—"}</b> {e.action}
              {e.to_state ? ` → ${STATE_NAMES[e.to_state] ?? e.to_state}` : ""} ({e.job_name}){e.comment ? `: “${e.comment}”` : ""}
            </li>
          ))}
        </ul>
      </details>
    </fieldset>
  );
}
