import { Annotation, Category } from "../api";

interface Props {
  annotations: Annotation[];
  categories: Category[];
  selected: number | null;
  hidden: ReadonlySet<number>;
  locked: ReadonlySet<number>;
  onSelect(id: number): void;
  onToggleHidden(id: number): void;
  onToggleLocked(id: number): void;
  onReview(annotation: Annotation, keep: boolean): void;
}

/** The image's annotations: select one, hide or lock it, and review label-assist proposals. */
export function AnnotationList(props: Props) {
  const { annotations, categories, selected, hidden, locked } = props;
  return (
    <ul className="annotations" data-testid="annotations">
      {annotations.map((a) => {
        const name = categories.find((c) => c.id === a.category_id)?.name ?? String(a.category_id);
        return (
          <li key={a.id} className={a.id === selected ? "selected" : ""} onClick={() => props.onSelect(a.id)}>
            <span className="label">
              {name} · {a.source}
              {a.confidence !== null && ` ${a.confidence.toFixed(2)}`}
              {Boolean(a.attributes.accepted) && " ✓"}
            </span>
            <span className="toggles">
              <button
                aria-label={`${hidden.has(a.id) ? "show" : "hide"} ${a.id}`} aria-pressed={hidden.has(a.id)}
                title="hide / show" onClick={(e) => { e.stopPropagation(); props.onToggleHidden(a.id); }}
              >{hidden.has(a.id) ? "◌" : "◉"}</button>
              <button
                aria-label={`${locked.has(a.id) ? "unlock" : "lock"} ${a.id}`} aria-pressed={locked.has(a.id)}
                title="lock: cannot be selected on the image or edited" onClick={(e) => { e.stopPropagation(); props.onToggleLocked(a.id); }}
              >{locked.has(a.id) ? "🔒" : "🔓"}</button>
            </span>
            {a.source.startsWith("model:") && !a.attributes.accepted && (
              <span className="review">
                <button onClick={(e) => { e.stopPropagation(); props.onReview(a, true); }} aria-label={`accept ${a.id}`}>accept</button>
                <button onClick={(e) => { e.stopPropagation(); props.onReview(a, false); }} aria-label={`reject ${a.id}`}>reject</button>
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
