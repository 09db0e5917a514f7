import { Link } from "react-router";
import { useMe } from "../access";
import { authApi } from "./authApi";
import { leaveForSignIn } from "./signInAgain";

/** The header's right end: who is signed in, their account page and sign-out (nothing in single-user mode, but a
 * warning when the server runs without authentication on a network address). */
export function UserMenu() {
  const me = useMe();
  if (!me) return null;
  if (me.mode !== "accounts") {
    return me.insecure ? <span className="user-menu insecure">No authentication: anyone on the network can edit</span> : null;
  }

  async function signOut() {
    await authApi.logout().catch(() => undefined);
    leaveForSignIn();
  }

  return (
    <span className="user-menu">
      <Link to="/account" className="header-link" aria-label="account">{me.name}</Link>
      <button type="button" className="header-button" onClick={signOut}>Sign out</button>
    </span>
  );
}
