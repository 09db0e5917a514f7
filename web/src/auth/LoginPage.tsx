import { FormEvent, useState } from "react";
import { authApi, nextPage } from "./authApi";
import "./auth.css";

/** The sign-in page: name and password; back to the page that needed it once signed in (a full load, so every
 * page starts from the signed-in user's data). */
export function LoginPage() {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await authApi.login(name.trim(), password);
      window.location.assign(nextPage(window.location.search));
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  }

  return (
    <section className="auth-card">
      <h1>Sign in to seglab</h1>
      <form onSubmit={submit}>
        <label>User name<input autoFocus autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} /></label>
        <label>Password<input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        <button type="submit" disabled={busy || !name.trim() || !password}>Sign in</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
