import { Link } from "react-router";
import { useMe } from "../access";

/** The header's links to the workspace admins' pages (users, audit log), shown to workspace admins only (the local
 * admin of single-user mode is one). */
export function AdminLinks() {
  const me = useMe();
  if (!me?.is_admin) return null;
  return (
    <>
      <Link to="/users" className="header-link">Users</Link>
      <Link to="/audit" className="header-link">Audit</Link>
    </>
  );
}
