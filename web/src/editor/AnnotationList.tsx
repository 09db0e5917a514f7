import { CSSProperties, useEffect, useRef, useState } from "react";
import { Annotation, Category } from "../api";
import { colorOf } from "../colors";
import { rowWindow, scrollToRow } from "./listWindow";
import { sourceName } from "./sources";

interface Props {
  annotations: Annotation[];
  categories: Category[];
  selected: number | null;
  /** Under the pointer on the image (or here): its row is highlighted. */
  hovered: number | null;
  hidden: ReadonlySet<number>;
  locked: ReadonlySet<number>;
  onSelect(id: number): void;
  /** The pointer entered (an id) or left (null) a row: the image highlights that annotation. */
  onHover(id: number | null): void;
  onToggleHidden(id: number): void;
  onToggleLocked(id: number): void;
  /** Accept or reject a model's proposal; without it (a read-only editor) there are no such buttons. */
  onReview?(annotation: Annotation, keep: boolean): void;
}

/** A model's or a propagation's proposal, which a person accepts or rejects. */
export const isProposal = (a: Annotation): boolean => a.source.startsWith("model:") || a.source.startsWith("propagate:");

/** From this many annotations on, only the rows in view are rendered (an image may hold 10,000). */
export const VIRTUAL_FROM = 1500;
const ROW_HEIGHT = 28;
const VIEW_HEIGHT = 480;

/** The image's annotations, numbered as the image shows them, each with its class colour and where it came from:
 * select one, hide or lock it, and review label-assist proposals. Thousands of them: only the rows in view exist. */
export function AnnotationList(props: Props) {
  const { annotations } = props;
  if (annotations.length >= VIRTUAL_FROM) return <VirtualList {...props} />;
  return (
    <ol className="annotations" data-testid="annotations" onMouseLeave={() => props.onHover(null)}>
      {annotations.map((a, index) => <Row key={a.id} props={props} annotation={a} index={index} />)}
    </ol>
  );
}

/** The list in a scrolled box of fixed-height rows, rendering only those in view; the selected row is scrolled
 * into view when the selection changes (Tab, a click on the image). */
function VirtualList(props: Props) {
  const { annotations, selected } = props;
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const count = annotations.length;
  useEffect(() => {
    const index = annotations.findIndex((a) => a.id === selected);
    const element = box.current;
    if (index < 0 || !element) return;
    element.scrollTop = scrollToRow(element.scrollTop, element.clientHeight, ROW_HEIGHT, index);
  }, [selected, annotations]);
  const [first, end] = rowWindow(scrollTop, VIEW_HEIGHT, ROW_HEIGHT, count);
  const rows = [];
  for (let index = first; index < end; index++) {
    const a = annotations[index];
    rows.push(<Row key={a.id} props={props} annotation={a} index={index} style={{ top: index * ROW_HEIGHT, height: ROW_HEIGHT }} />);
  }
  return (
    <div className="annotations-scroll" ref={box} style={{ height: VIEW_HEIGHT }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <ol className="annotations virtual" data-testid="annotations" style={{ height: count * ROW_HEIGHT }}
        onMouseLeave={() => props.onHover(null)}>{rows}</ol>
    </div>
  );
}

/** One annotation's row: its number, class colour and name, source, and its toggles (and review buttons). */
function Row({ props, annotation: a, index, style }: { props: Props; annotation: Annotation; index: number; style?: CSSProperties }) {
  const { categories, selected, hovered, hidden, locked } = props;
  const name = categories.find((c) => c.id === a.category_id)?.name ?? String(a.category_id);
  const classes = [a.id === selected ? "selected" : "", a.id === hovered ? "hovered" : ""].filter(Boolean).join(" ");
  return (
    <li className={classes} style={style} onClick={() => props.onSelect(a.id)} onMouseEnter={() => props.onHover(a.id)}>
      <span className="number">{index + 1}</span>
      <span className="swatch" style={{ background: colorOf(categories, a.category_id) }} aria-hidden="true" />
      <span className="label">
        {name} <span className="source">{sourceName(a.source)}</span>
        {a.confidence !== null && ` ${a.confidence.toFixed(2)}`}
        {Boolean(a.attributes.accepted) && " ✓"}
      </span>
      <span className="toggles">
        <button
          aria-label={`${hidden.has(a.id) ? "show" : "hide"} ${a.id}`} aria-pressed={hidden.has(a.id)}
          title="hide / show" onClick={(e) => { e.stopPropagation(); props.onToggleHidden(a.id); }}
        ><Icon name={hidden.has(a.id) ? "hidden" : "shown"} /></button>
        <button
          aria-label={`${locked.has(a.id) ? "unlock" : "lock"} ${a.id}`} aria-pressed={locked.has(a.id)}
          title="lock: cannot be selected on the image or edited" onClick={(e) => { e.stopPropagation(); props.onToggleLocked(a.id); }}
        ><Icon name={locked.has(a.id) ? "locked" : "unlocked"} /></button>
      </span>
      {props.onReview && isProposal(a) && !a.attributes.accepted && (
        <span className="review">
          <button onClick={(e) => { e.stopPropagation(); props.onReview?.(a, true); }} aria-label={`accept ${a.id}`}>accept</button>
          <button onClick={(e) => { e.stopPropagation(); props.onReview?.(a, false); }} aria-label={`reject ${a.id}`}>reject</button>
        </span>
      )}
    </li>
  );
}

const ICONS = {
  shown: "M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5zm7 3a3 3 0 1 0 0-6 3 3 0 0 0 0 6z",
  hidden: "M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5zM2 2l12 12",
  locked: "M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z",
  unlocked: "M4 7V5a4 4 0 0 1 7.5-2l-1.7 1A2 2 0 0 0 6 5v2h7v8H3V7h1z",
};

/** Small line icons drawn inline (no icon font to load, the same in every browser). */
function Icon({ name }: { name: keyof typeof ICONS }) {
  const outline = name === "shown" || name === "hidden";
  return (
    <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d={ICONS[name]} fill={outline ? "none" : "currentColor"} stroke={outline ? "currentColor" : "none"}
        strokeWidth="1.4" fillRule="evenodd" />
    </svg>
  );
}
