import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { Link } from "react-router";
import { api, ApiError, Category } from "../api";
import { colorOf } from "../colors";
import { keys } from "../queries";
import { Proposal, rapidApi } from "./api";
import { around, Drawn } from "./Drawn";

/** The proposals nobody has reviewed yet, each with its image's size (for the crops); an image's size is asked once. */
async function reviewQueue(name: string, client: ReturnType<typeof useQueryClient>) {
  const queue = await rapidApi.proposals(name);
  const ids = [...new Set(queue.items.map((p) => p.image_id))];
  const images = await Promise.all(ids.map((id) =>
    client.fetchQuery({ queryKey: keys.image(id), queryFn: () => api.image(id), staleTime: Infinity })));
  const sizes = Object.fromEntries(images.map((image) => [image.id, [image.width, image.height] as const]));
  return { ...queue, sizes };
}

/** The proposals nobody has reviewed yet, each drawn on a crop of its image: accept (kept, marked accepted) or
 * reject (deleted) — what the editor's ✓ and ✗ do. */
export function ReviewQueue({ name, categories, onChange }: {
  name: string; categories: Category[]; onChange: (pending: number) => void;
}) {
  const client = useQueryClient();
  const queue = useQuery({ queryKey: keys.proposals(name), queryFn: () => reviewQueue(name, client) });
  const items = queue.data?.items ?? [];
  const total = queue.data?.total ?? 0;
  useEffect(() => { if (queue.data) onChange(queue.data.total); }, [queue.data, onChange]);

  const refresh = () => client.invalidateQueries({ queryKey: keys.proposals(name) });
  const review = useMutation({
    mutationFn: ({ proposal, accept }: { proposal: Proposal; accept: boolean }) => accept
      ? api.accept(proposal.id, proposal.revision, proposal.attributes)
      : api.deleteAnnotation(proposal.id, proposal.revision),
    onSettled: refresh,
  });
  const acceptAll = useMutation({
    mutationFn: async () => {
      for (const proposal of items) await api.accept(proposal.id, proposal.revision, proposal.attributes).catch(() => undefined);
    },
    onSettled: refresh,
  });
  // 409: the proposal changed elsewhere; the queue is read again and shows how it is now
  const failure = review.error instanceof ApiError && review.error.status === 409 ? null : review.error;
  const error = (queue.error ?? failure)?.message;

  if (!total) return <p className="muted" data-testid="review-empty">Nothing to review.</p>;
  return (
    <div data-testid="review-queue">
      <div className="review-head">
        <strong data-testid="review-count">{total} to review</strong>
        {total > items.length && <span className="muted small">showing the first {items.length}</span>}
        <button onClick={() => acceptAll.mutate()}>Accept all shown</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="review-grid">
        {items.map((p) => {
          const size = queue.data?.sizes[p.image_id];
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
                <button aria-label={`accept ${p.id}`} title="Accept (keep)" onClick={() => review.mutate({ proposal: p, accept: true })}>✓</button>
                <button aria-label={`reject ${p.id}`} title="Reject (delete)" onClick={() => review.mutate({ proposal: p, accept: false })}>✗</button>
                <Link to={`/images/${p.image_id}`}>edit</Link>
              </div>
            </div>
          );
        })}
      </div>
    </div>
  );
}
