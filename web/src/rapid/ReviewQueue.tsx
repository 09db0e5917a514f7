import { useCallback, useEffect, useRef, useState } from "react";
import { navigate } from "../App";
import { api, ApiError, Category } from "../api";
import { colorOf } from "../colors";
import { Proposal, rapidApi } from "./api";
import { around, Drawn } from "./Drawn";

/** The proposals nobody has reviewed yet, each drawn on a crop of its image: accept (kept, marked accepted) or
 * reject (deleted) — what the editor's ✓ and ✗ do. `version` changes when new proposals may have arrived. */
export function ReviewQueue({ name, categories, version, onChange }: {
  name: string; categories: Category[]; version: number; onChange: (pending: number) => void;
}) {
  const [items, setItems] = useState<Proposal[]>([]);
  const [total, setTotal] = useState(0);
  const sizes = useRef<Record<number, [number, number]>>({});  // image id → width, height (for the crops)
  const [error, setError] = useState("");

  const load = useCallback(async () => {
    const queue = await rapidApi.proposals(name);
    const missing = [...new Set(queue.items.map((p) => p.image_id))].filter((id) => !(id in sizes.current));
    for (const image of await Promise.all(missing.map((id) => api.image(id)))) {
      sizes.current[image.id] = [image.width, image.height];
    }
    setItems(queue.items);
    setTotal(queue.total);
    onChange(queue.total);
  }, [name, onChange]);
  useEffect(() => { load().catch((e) => setError(e.message)); }, [load, version]);

  async function review(proposal: Proposal, accept: boolean) {
    setError("");
    try {
      if (accept) await api.accept(proposal.id, proposal.revision, proposal.attributes);
      else await api.deleteAnnotation(proposal.id, proposal.revision);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) setError((e as Error).message);  // 409: changed elsewhere
    }
    await load();
  }

  async function acceptAll() {
    for (const proposal of items) await api.accept(proposal.id, proposal.revision, proposal.attributes).catch(() => undefined);
    await load();
  }

  if (!total) return <p className="muted" data-testid="review-empty">Nothing to review.</p>;
  return (
    <div data-testid="review-queue">
      <div className="review-head">
        <strong data-testid="review-count">{total} to review</strong>
        {total > items.length && <span className="muted small">showing the first {items.length}</span>}
        <button onClick={acceptAll}>Accept all shown</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="review-grid">
        {items.map((p) => {
          const size = sizes.current[p.image_id];
          const category = categories.find((c) => c.id === p.category_id);
          const label = `${category?.name ?? p.category_id} ${Math.round((p.confidence ?? 0) * 100)}%`;
          return (
            <div key={p.id} className="proposal" data-testid="proposal" data-id={p.id}>
              {size && (
                <Drawn imageId={p.image_id} width={size[0]} height={size[1]} view={around(p.bbox_xyxy, size[0], size[1])}
                  shapes={[{ key: p.id, geometry: p.geometry, color: colorOf(categories, p.category_id) }]} label={label} />
              )}
              <div className="proposal-info">
                <strong>{category?.name ?? "?"}</strong>
                <span className="muted small">{Math.round((p.confidence ?? 0) * 100)}% · “{String(p.attributes.prompt ?? "")}”</span>
              </div>
              <div className="proposal-actions">
                <button aria-label={`accept ${p.id}`} title="Accept (keep)" onClick={() => review(p, true)}>✓</button>
                <button aria-label={`reject ${p.id}`} title="Reject (delete)" onClick={() => review(p, false)}>✗</button>
                <a href={`/images/${p.image_id}`} onClick={(e) => { e.preventDefault(); navigate(`/images/${p.image_id}`); }}>edit</a>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
