import type { Definition } from "./graph";

/** How to run the saved workflow from elsewhere: Roboflow's Python client, curl, seglab's command line. */
export function snippets(origin: string, name: string, definition: Definition | null): { label: string; code: string }[] {
  const image = definition?.inputs.find((i) => i.type === "WorkflowImage" || i.type === "InferenceImage")?.name ?? "image";
  const parameters = (definition?.inputs ?? []).filter((i) => i.type === "WorkflowParameter" || i.type === "InferenceParameter");
  const python = parameters.length ? `, parameters={${parameters.map((p) => `"${p.name}": ${JSON.stringify(p.default_value ?? null)}`).join(", ")}}` : "";
  const param = parameters.map((p) => ` --param ${p.name}=${String(p.default_value ?? "VALUE")}`).join("");
  return [
    {
      label: "Python (inference-sdk)",
      code: [
        "from inference_sdk import InferenceHTTPClient",
        "",
        `client = InferenceHTTPClient(api_url="${origin}", api_key="YOUR_API_KEY")`,
        `result = client.run_workflow(workspace_name="seglab", workflow_id="${name}", images={"${image}": "photo.jpg"}${python})`,
      ].join("\n"),
    },
    {
      label: "curl",
      code: `curl -X POST "${origin}/seglab/workflows/${encodeURIComponent(name)}" -H "Content-Type: application/json" \\\n` +
        `  -d '{"api_key": "YOUR_API_KEY", "inputs": {"${image}": {"type": "base64", "value": "'"$(base64 -w0 photo.jpg)"'"}}}'`,
    },
    { label: "seglab CLI", code: `seglab workflow run ${name} --image photo.jpg${param} --out results/` },
  ];
}

export function UseIt({ name, definition, saved }: { name: string; definition: Definition | null; saved: boolean }) {
  return (
    <details className="builder-use-it" data-testid="use-it">
      <summary>Use it</summary>
      {!saved && <p className="muted">save the workflow first: these run the saved <code>{name}</code></p>}
      {snippets(window.location.origin, name, definition).map((snippet) => (
        <div key={snippet.label}>
          <h3>{snippet.label}</h3>
          <pre>{snippet.code}</pre>
          <button onClick={() => navigator.clipboard?.writeText(snippet.code)}>Copy</button>
        </div>
      ))}
    </details>
  );
}
