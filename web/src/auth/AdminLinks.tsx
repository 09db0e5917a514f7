import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { authApi } from "./authApi";

/** The header's links to the workspace admins' pages (users, audit log), shown to workspace admins only (the local
 * admin of single-user mode is one). */
export function AdminLinks() {
  const me = useQuery({ queryKey: ["auth", "me"], queryFn: authApi.me });
  if (!me.data?.is_admin) return null;
  return (
    <>
      <Link to="/users" className="header-link">Users</Link>
      <Link to="/audit" className="header-link">Audit</Link>
    </>
  );
}
