import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { authApi, LOGIN_PATH } from "./authApi";

/** The header's right end: who is signed in, their account page and sign-out (nothing in single-user mode, but a
 * warning when the server runs without authentication on a network address). */
export function UserMenu() {
  const me = useQuery({ queryKey: ["auth", "me"], queryFn: authApi.me });
  if (!me.data) return null;
  if (me.data.mode !== "accounts") {
    return me.data.insecure ? <span className="user-menu insecure">No authentication: anyone on the network can edit</span> : null;
  }

  async function signOut() {
    await authApi.logout().catch(() => undefined);
    window.location.assign(LOGIN_PATH);
  }

  return (
    <span className="user-menu">
      <Link to="/account" className="header-link" aria-label="account">{me.data.name}</Link>
      <button type="button" className="header-button" onClick={signOut}>Sign out</button>
    </span>
  );
}
