// Workspace users, for workspace admins: who may sign in, with which role in which project.

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { api, call, Schemas } from "../api";
import { keys } from "../queries";

type User = Schemas["UserOut"];
const ROLES = ["annotator", "reviewer", "viewer", "admin"] as const;
const USERS = ["users"] as const;

const usersApi = {
  list: () => call<User[]>("GET", "/users"),
  create: (body: Schemas["UserIn"]) => call<User>("POST", "/users", body),
  update: (name: string, body: Schemas["UserPatch"]) => call<User>("PATCH", `/users/${encodeURIComponent(name)}`, body),
};

export function UsersPage() {
  const client = useQueryClient();
  const users = useQuery({ queryKey: USERS, queryFn: usersApi.list });
  const projects = useQuery({ queryKey: keys.projects, queryFn: api.projects });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [admin, setAdmin] = useState(false);
  const [project, setProject] = useState("");
  const [role, setRole] = useState<string>("annotator");
  const refresh = () => client.invalidateQueries({ queryKey: USERS });
  const create = useMutation({
    mutationFn: () =>
      usersApi.create({ name: name.trim(), password, is_admin: admin, roles: project ? { [project]: role } : {} }),
    onSuccess: () => {
      setName("");
      setPassword("");
      setAdmin(false);
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: ({ user, patch }: { user: string; patch: Schemas["UserPatch"] }) => usersApi.update(user, patch),
    onSuccess: refresh,
  });
  const error = create.error?.message ?? update.error?.message ?? users.error?.message;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  function resetPassword(user: string) {
    const next = window.prompt(`New password for ${user} (at least 8 characters)`);
    if (next) update.mutate({ user, patch: { password: next } });
  }

  return (
    <section>
      <h1>Users</h1>
      <form onSubmit={submit} className="row" aria-label="new user">
        <input aria-label="user name" placeholder="user name" value={name} onChange={(e) => setName(e.target.value)} />
        <input
          aria-label="password"
          type="password"
          autoComplete="new-password"
          placeholder="initial password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} /> workspace admin
        </label>
        <select aria-label="project" value={project} onChange={(e) => setProject(e.target.value)}>
          <option value="">no project yet</option>
          {(projects.data ?? []).map((p) => (
            <option key={p.id} value={p.name}>{p.name}</option>
          ))}
        </select>
        <select aria-label="role" value={role} onChange={(e) => setRole(e.target.value)} disabled={!project}>
          {ROLES.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
        <button type="submit" disabled={!name.trim() || password.length < 8}>Create user</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <table className="table" data-testid="users">
        <thead>
          <tr><th>name</th><th>roles</th><th>status</th><th /></tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((user) => (
            <tr key={user.id} data-user={user.name}>
              <td>{user.name}{user.is_admin && <span className="muted"> (admin)</span>}</td>
              <td>{Object.entries(user.roles ?? {}).map(([p, r]) => `${p}: ${r}`).join(", ") || <span className="muted">none</span>}</td>
              <td>{user.disabled ? "disabled" : "active"}</td>
              <td className="row">
                <button onClick={() => update.mutate({ user: user.name, patch: { disabled: !user.disabled } })}>
                  {user.disabled ? "Enable" : "Disable"}
                </button>
                <button onClick={() => resetPassword(user.name)}>Reset password</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
