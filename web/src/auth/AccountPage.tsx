import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { authApi, NewKey } from "./authApi";
import "./auth.css";

const KEYS = ["auth", "keys"] as const;

/** The signed-in user's API keys (a new one is shown once, with a copy button) and their password. */
export function AccountPage() {
  return (
    <section>
      <h1>Account</h1>
      <ApiKeys />
      <PasswordForm />
    </section>
  );
}

function ApiKeys() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: KEYS, queryFn: authApi.keys });
  const [name, setName] = useState("");
  const [scope, setScope] = useState<"full" | "inference">("full");
  const [created, setCreated] = useState<NewKey | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation({
    mutationFn: () => authApi.createKey(name.trim(), scope),
    onSuccess: (key) => {
      setCreated(key);
      setCopied(false);
      setName("");
      client.invalidateQueries({ queryKey: KEYS });
    },
  });
  const revoke = useMutation({
    mutationFn: authApi.revokeKey,
    onSuccess: () => client.invalidateQueries({ queryKey: KEYS }),
  });
  const error = keys.error?.message ?? create.error?.message ?? revoke.error?.message;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  async function copy(secret: string) {
    await navigator.clipboard.writeText(secret);
    setCopied(true);
  }

  return (
    <fieldset>
      <legend>API keys</legend>
      <p className="muted">For scripts and deployments: <code>Authorization: Bearer KEY</code>, or Roboflow's <code>api_key</code>. A deploy key only runs models.</p>
      <form onSubmit={submit} className="row">
        <input aria-label="key name" placeholder="what it is for" value={name} onChange={(e) => setName(e.target.value)} />
        <select aria-label="key scope" value={scope} onChange={(e) => setScope(e.target.value as "full" | "inference")}>
          <option value="full">full access</option>
          <option value="inference">deploy key (inference only)</option>
        </select>
        <button type="submit" disabled={create.isPending}>Create key</button>
      </form>
      {created && (
        <div className="new-key" role="status">
          <p>Copy this key now: it is not shown again.</p>
          <code aria-label="new key">{created.secret}</code>
          <button type="button" onClick={() => copy(created.secret)}>{copied ? "Copied" : "Copy"}</button>
        </div>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <table className="keys">
        <thead><tr><th>name</th><th>key</th><th>scope</th><th>created</th><th>last used</th><th /></tr></thead>
        <tbody>
          {(keys.data ?? []).map((key) => (
            <tr key={key.id}>
              <td>{key.name}</td>
              <td><code>{key.prefix}…</code></td>
              <td>{key.scope}</td>
              <td>{new Date(key.created_at).toLocaleString()}</td>
              <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never"}</td>
              <td><button type="button" className="danger" onClick={() => revoke.mutate(key.id)}>Revoke</button></td>
            </tr>
          ))}
        </tbody>
      </table>
    </fieldset>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const change = useMutation({
    mutationFn: () => authApi.changePassword(current, next),
    onSuccess: () => { setCurrent(""); setNext(""); setAgain(""); },
  });
  const mismatch = again !== "" && next !== again;

  function submit(event: FormEvent) {
    event.preventDefault();
    change.mutate();
  }

  return (
    <fieldset>
      <legend>Password</legend>
      <form onSubmit={submit} className="auth-form">
        <label>Current password<input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} /></label>
        <label>New password<input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} /></label>
        <label>New password again<input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} /></label>
        <button type="submit" disabled={!current || !next || next !== again || change.isPending}>Change password</button>
      </form>
      {mismatch && <p className="error">The new passwords differ.</p>}
      {change.isSuccess && <p role="status">Password changed; your other sessions were signed out.</p>}
      {change.error && <p className="error" role="alert">{change.error.message}</p>}
    </fieldset>
  );
}
