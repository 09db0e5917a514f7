import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useEffect, useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { Job, pipelineApi } from "../pipeline/api";
import { JobProgress } from "../pipeline/JobProgress";
import { defaultForm, toRecipe } from "../pipeline/recipe";
import { isActive, keys, useJob } from "../queries";

/** "Create version and train": a version with the default recipe, then training on it as soon as it exists; both
 * jobs followed live. Unreviewed proposals go into the version as they are, so the button says how many there are. */
export function TrainNext({ name, pending }: { name: string; pending: number }) {
  const client = useQueryClient();
  const [model, setModel] = useState("rfdetr-seg-nano");
  const [epochs, setEpochs] = useState(10);
  const [fromScratch, setFromScratch] = useState(false);
  const [versionJobId, setVersionJobId] = useState<number | null>(null);
  const [trainJobId, setTrainJobId] = useState<number | null>(null);

  const architectures = useQuery({ queryKey: keys.architectures, queryFn: pipelineApi.architectures });
  // what a version would be made of: the project's annotations less the proposals nobody accepted yet
  const stats = useQuery({ queryKey: keys.projectStats(name), queryFn: () => api.stats(name) });
  const accepted = stats.data ? stats.data.annotations - pending : null;
  // the default recipe keeps the images' splits: from an export of valid and test images only it would make a
  // version nothing can train on (the server refuses it), so such a version re-splits its images, and says so
  const plan = useQuery({
    queryKey: ["split-plan", name, "default"],
    queryFn: () => pipelineApi.preview(name, toRecipe(defaultForm()), 0),
  });
  const resplit = Boolean(plan.data?.splits.problem);
  // a rejected proposal is deleted: the count is read again whenever the review queue changes
  useEffect(() => { client.invalidateQueries({ queryKey: keys.projectStats(name) }); }, [pending]);
  const createVersion = useMutation({
    mutationFn: () => pipelineApi.createVersion(name, toRecipe({ ...defaultForm(), reassignAll: resplit })),
    onMutate: () => setTrainJobId(null),
    onSuccess: (job) => setVersionJobId(job.id),
  });
  const train = useMutation({
    mutationFn: (versionId: number) => pipelineApi.train(versionId, {
      model, epochs, batch_size: 4, lr: 1e-4, resolution: null, device: "cpu", from_scratch: fromScratch,
    }),
    onSuccess: (job) => setTrainJobId(job.id),
  });

  const versionJob = useJob(versionJobId, (finished: Job) => {
    client.invalidateQueries({ queryKey: keys.versions(name) });
    if (finished.status === "succeeded") train.mutate(Number(finished.result?.version_id));
  });
  const trainJob = useJob(trainJobId, () => client.invalidateQueries({ queryKey: keys.allModels }));

  function start(event: FormEvent) {
    event.preventDefault();
    createVersion.mutate();
  }

  const error = (createVersion.error ?? train.error)?.message;
  const busy = isActive(versionJob) || isActive(trainJob);
  const trainPage = `/projects/${encodeURIComponent(name)}/train`;
  return (
    <div className="card" data-testid="train-next">
      <form className="fields" onSubmit={start}>
        <label>Model size
          <select aria-label="model size" value={model} onChange={(e) => setModel(e.target.value)}>
            {(architectures.data ?? [model]).map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>Epochs
          <input type="number" min={1} aria-label="epochs" value={epochs} onChange={(e) => setEpochs(Number(e.target.value))} />
        </label>
        <label className="switch">
          <input type="checkbox" aria-label="start from random weights" checked={fromScratch} onChange={(e) => setFromScratch(e.target.checked)} />
          Start from random weights (no pretrained checkpoint is downloaded; needs far more epochs)
        </label>
        <button type="submit" className="primary" disabled={busy || plan.isPending || accepted === null || accepted <= 0}>Create version and train</button>
      </form>
      {resplit && (
        <p className="muted small" data-testid="resplit-note">
          This project has no training images (its images are all in valid or test), so the version re-splits them
          70/20/10; the images keep their own splits.
        </p>
      )}
      {accepted !== null && accepted <= 0 && (
        <p className="muted small" data-testid="nothing-accepted">
          Nothing to train on yet: accept proposals above (or annotate images) first.
        </p>
      )}
      {pending > 0 && <p className="muted small">{pending} proposals are not reviewed yet: they go into the version as they are.</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {versionJob && <div data-testid="version-job"><JobProgress job={versionJob} label="New version" project={name} /></div>}
      {trainJob && (
        <div data-testid="training-job">
          <JobProgress job={trainJob} label={`Training on ${String(trainJob.params.version)}`} project={name} />
          <Link to={trainPage}>Follow it on the Train page →</Link>
        </div>
      )}
    </div>
  );
}
