import { useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useEffect, useState } from "react";
import { call, Schemas } from "../api";

type Targets = Schemas["NotificationsOut"];
const path = (project: string) => `/projects/${encodeURIComponent(project)}/notifications`;

/** Where the project's finished training, version, evaluation and Rapid jobs are announced: a webhook, emails. */
export function NotificationsPanel({ project }: { project: string }) {
  const client = useQueryClient();
  const targets = useQuery({ queryKey: ["notifications", project], queryFn: () => call<Targets>("GET", path(project)) });
  const [webhook, setWebhook] = useState("");
  const [emails, setEmails] = useState("");
  const [secret, setSecret] = useState("");
  const [message, setMessage] = useState("");
  useEffect(() => {
    setWebhook(targets.data?.webhook_url ?? "");
    setEmails((targets.data?.emails ?? []).join(", "));
  }, [targets.data]);

  async function save(event: FormEvent) {
    event.preventDefault();
    const body = {
      webhook_url: webhook.trim() || null,
      emails: emails.split(",").map((e) => e.trim()).filter(Boolean),
      signing_secret: secret || null, // empty: the secret set before is kept
    };
    try {
      await call<Targets>("PUT", path(project), body);
      setMessage("saved");
      setSecret("");
      client.invalidateQueries({ queryKey: ["notifications", project] });
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  return (
    <form onSubmit={save} aria-label="notifications">
      <h2>Notifications</h2>
      <p className="muted small">When a training, version, evaluation or Rapid job ends: a JSON POST to the webhook and, if the
        server has SEGLAB_SMTP_HOST, an email, with the metrics and a link. With a signing secret, each POST carries
        X-Seglab-Signature-256: the HMAC-SHA256 of its body.</p>
      <div className="row">
        <input aria-label="webhook URL" placeholder="https://hooks.example.org/seglab" size={40} value={webhook}
          onChange={(e) => setWebhook(e.target.value)} />
        <input aria-label="notification emails" placeholder="team@example.org, …" size={30} value={emails}
          onChange={(e) => setEmails(e.target.value)} />
        <input aria-label="signing secret" type="password" autoComplete="new-password" size={16} value={secret}
          placeholder={targets.data?.signed ? "signed (set a new one)" : "signing secret"}
          onChange={(e) => setSecret(e.target.value)} />
        <button type="submit">Save</button>
        {message && <span role="status" className="muted">{message}</span>}
      </div>
    </form>
  );
}
