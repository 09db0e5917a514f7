import { FormEvent, useEffect, useState } from "react";
import { navigate } from "../App";
import { Job, pipelineApi } from "../pipeline/api";
import { JobProgress } from "../pipeline/JobProgress";
import { defaultForm, toRecipe } from "../pipeline/recipe";
import { useJob } from "../pipeline/useJob";

/** "Create version and train": a version with the default recipe, then training on it as soon as it exists; both
 * jobs followed live. Unreviewed proposals go into the version as they are, so the button says how many there are. */
export function TrainNext({ name, pending }: { name: string; pending: number }) {
  const [architectures, setArchitectures] = useState<string[]>(["rfdetr-seg-nano"]);
  const [model, setModel] = useState("rfdetr-seg-nano");
  const [epochs, setEpochs] = useState(10);
  const [fromScratch, setFromScratch] = useState(false);
  const [versionJobId, setVersionJobId] = useState<number | null>(null);
  const [trainJobId, setTrainJobId] = useState<number | null>(null);
  const [error, setError] = useState("");

  useEffect(() => { pipelineApi.architectures().then(setArchitectures).catch(() => undefined); }, []);

  const versionJob = useJob(versionJobId, async (finished: Job) => {
    if (finished.status !== "succeeded") return;
    try {
      const request = { model, epochs, batch_size: 4, lr: 1e-4, resolution: null, device: "cpu", from_scratch: fromScratch };
      setTrainJobId((await pipelineApi.train(Number(finished.result?.version_id), request)).id);
    } catch (e) {
      setError((e as Error).message);
    }
  });
  const trainJob = useJob(trainJobId, () => undefined);

  async function start(event: FormEvent) {
    event.preventDefault();
    setError("");
    setTrainJobId(null);
    try {
      setVersionJobId((await pipelineApi.createVersion(name, toRecipe(defaultForm()))).id);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  const busy = [versionJob, trainJob].some((j) => j !== null && (j.status === "queued" || j.status === "running"));
  const trainPage = `/projects/${encodeURIComponent(name)}/train`;
  return (
    <div className="card" data-testid="train-next">
      <form className="fields" onSubmit={start}>
        <label>Model size
          <select aria-label="model size" value={model} onChange={(e) => setModel(e.target.value)}>
            {architectures.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </label>
        <label>Epochs
          <input type="number" min={1} aria-label="epochs" value={epochs} onChange={(e) => setEpochs(Number(e.target.value))} />
        </label>
        <label className="switch">
          <input type="checkbox" aria-label="from scratch" checked={fromScratch} onChange={(e) => setFromScratch(e.target.checked)} />
          from random weights (offline: no pretrained checkpoint)
        </label>
        <button type="submit" className="primary" disabled={busy}>Create version and train</button>
      </form>
      {pending > 0 && <p className="muted small">{pending} proposals are not reviewed yet: they go into the version as they are.</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {versionJob && <div data-testid="version-job"><JobProgress job={versionJob} label="New version" /></div>}
      {trainJob && (
        <div data-testid="training-job">
          <JobProgress job={trainJob} label={`Training on ${String(trainJob.params.version)}`} />
          <a href={trainPage} onClick={(e) => { e.preventDefault(); navigate(trainPage); }}>Follow it on the Train page →</a>
        </div>
      )}
    </div>
  );
}
