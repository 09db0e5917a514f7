import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useEffect, useRef, useState } from "react";
import { AgentMessage, agentApi } from "../api";
import { definitionLines, lineDiff, withContext } from "../agent/lineDiff";
import { useDebounced } from "../debounced";
import { keys } from "../queries";

type Definition = Record<string, unknown>;

interface Props {
  /** The workflow (name) whose conversation this is. */
  workflow: string;
  /** The definition on screen when it was edited there: requests (and questions) are about it. */
  edited?: Definition;
  /** What each step gave in the last run (counts per class): questions are answered from it too. */
  lastRun?: Record<string, unknown>;
  canRun: boolean;
  /** Apply an answer's definition; `message` says which steps it added and changed (to highlight them). */
  onApply: (definition: Definition, message: AgentMessage) => void;
  /** Show an answer's definition on the canvas, its added and changed steps highlighted, before applying it. */
  onPreview: (definition: Definition, message: AgentMessage) => void;
  /** Select a step the agent named. */
  onShow: (step: string) => void;
  onSave: (definition: Definition) => void;
  onRun: (definition: Definition) => void;
}

const MARKS: Record<string, string> = { added: "+", changed: "~", unchanged: " " };

/** Before → after as a line diff of the indented JSON, long unchanged runs folded. */
function Diff({ before, after }: { before: unknown; after: unknown }) {
  const hunks = withContext(lineDiff(definitionLines(before), definitionLines(after)));
  return (
    <pre className="agent-diff" data-testid="agent-diff">
      {hunks.map((hunk, index) =>
        hunk.kind === "skipped" ? (
          <div key={index} className="skipped">⋯ {hunk.count} unchanged lines</div>
        ) : (
          <div key={index} className={hunk.kind}>
            {hunk.kind === "added" ? "+ " : hunk.kind === "removed" ? "- " : "  "}
            {hunk.text}
          </div>
        ),
      )}
    </pre>
  );
}

function Answer({ message, onShow }: { message: AgentMessage; onShow: (step: string) => void }) {
  return (
    <>
      <p><strong>{message.text}</strong> <span className="muted">({message.engine})</span></p>
      {(message.notes ?? []).map((note, index) => <p key={index} className="agent-note">{note}</p>)}
      <ul className="agent-steps">
        {(message.steps ?? []).map((step) => (
          <li key={step.name} className={step.change} title={step.type}>
            <code>{MARKS[step.change]} {step.name}</code> {step.description}
            {message.question && <button className="link" onClick={() => onShow(step.name)}>show</button>}
            <div className="muted">{step.wiring}</div>
            {step.reason && <div>why: {step.reason}</div>}
          </li>
        ))}
        {(message.removed ?? []).map((name) => <li key={name} className="removed"><code>- {name}</code> removed</li>)}
      </ul>
    </>
  );
}

/** The agent's conversation about a workflow: requests in plain language, each answer's steps explained and its
 * definition's diff, and the latest answer applied to the editor, saved, or run on the chosen image. */
export function AgentPanel({ workflow, edited, lastRun, canRun, onApply, onPreview, onShow, onSave, onRun }: Props) {
  const client = useQueryClient();
  const [request, setRequest] = useState("");
  const list = useRef<HTMLOListElement>(null);

  const named = useDebounced(workflow, 300);  // the name is typed
  const conversation = useQuery({ queryKey: keys.conversation(named), queryFn: () => agentApi.conversation(named) });
  const messages = conversation.data?.messages ?? [];
  const refresh = () => client.invalidateQueries({ queryKey: keys.conversation(workflow) });
  const plan = useMutation({
    mutationFn: (text: string) => agentApi.plan(text, workflow, edited, lastRun),
    onSuccess: async () => {
      setRequest("");
      await refresh();
    },
  });
  const reset = useMutation({ mutationFn: () => agentApi.reset(workflow), onSettled: refresh });
  const busy = plan.isPending;
  const error = (plan.error ?? reset.error ?? conversation.error)?.message;

  useEffect(() => {  // the latest answer's start (its summary, steps and buttons) in view, within the list
    const last = list.current?.lastElementChild as HTMLElement | null | undefined;
    if (list.current && last) list.current.scrollTop = last.offsetTop - list.current.offsetTop;
  }, [messages]);

  function send(event: FormEvent) {
    event.preventDefault();
    if (request.trim()) plan.mutate(request.trim());
  }

  const latest = messages.length - 1;
  return (
    <section className="agent-panel" aria-label="agent">
      <h2>Agent</h2>
      <p className="muted">Describe the workflow: “segment cars with my model, draw their masks”; then ask for changes,
        or ask about it: “which block draws the masks?”, “why are some cars missing?”.</p>
      <ol ref={list} data-testid="agent-messages">
        {messages.map((message, index) => (
          <li key={index} className={message.role}>
            {message.role === "user" ? <p>{message.text}</p> : <Answer message={message} onShow={onShow} />}
            {index === latest && message.definition && !message.question && (
              <div className="row">
                <button onClick={() => onPreview(message.definition!, message)}>Preview</button>
                <button onClick={() => onApply(message.definition!, message)}>Apply</button>
                <button onClick={() => { onApply(message.definition!, message); onSave(message.definition!); }}>Apply and save</button>
                <button disabled={!canRun} title={canRun ? "" : "choose an image to run on first"}
                  onClick={() => { onApply(message.definition!, message); onRun(message.definition!); }}>Apply and run</button>
              </div>
            )}
            {message.role === "assistant" && message.definition && !message.question && (
              <details open={index === latest}>
                <summary>definition diff</summary>
                <Diff before={message.before} after={message.definition} />
              </details>
            )}
          </li>
        ))}
      </ol>
      <form className="row" onSubmit={send}>
        <input aria-label="ask the agent" value={request} onChange={(e) => setRequest(e.target.value)}
          placeholder="segment cars and draw their masks" disabled={busy} />
        <button type="submit" disabled={busy || !request.trim()}>{busy ? "Planning…" : "Send"}</button>
        <button type="button" onClick={() => reset.mutate()} disabled={busy || !messages.length}>Start over</button>
      </form>
      {error && <p className="error" data-testid="agent-error">{error}</p>}
    </section>
  );
}
