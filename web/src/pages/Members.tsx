import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { api } from "../api";
import { ProjectNav } from "../pipeline/ProjectNav";
import { keys } from "../queries";
import { NotificationsPanel } from "./NotificationsPanel";

const ROLES = ["admin", "reviewer", "annotator", "viewer"] as const;
const ROLE_HELP: Record<(typeof ROLES)[number], string> = {
  admin: "everything in the project: classes, versions, training, members, deletion",
  reviewer: "annotates, and approves or rejects others' work",
  annotator: "uploads images and annotates them",
  viewer: "sees the project, its versions and models; changes nothing",
};

/** The project's members and their roles (for project admins and workspace admins): give, change, take away. */
export function Members({ name }: { name: string }) {
  const client = useQueryClient();
  const members = useQuery({ queryKey: keys.members(name), queryFn: () => api.members(name) });
  const [user, setUser] = useState("");
  const [role, setRole] = useState<string>("annotator");
  const refresh = () => client.invalidateQueries({ queryKey: keys.members(name) });
  const change = useMutation({
    mutationFn: ({ who, to }: { who: string; to: string }) => api.setMember(name, who, to),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (who: string) => api.removeMember(name, who), onSuccess: refresh });
  const failure = members.error?.message || change.error?.message || remove.error?.message || "";

  function add(event: FormEvent) {
    event.preventDefault();
    if (!user.trim()) return;
    change.mutate({ who: user.trim(), to: role }, { onSuccess: () => setUser("") });
  }

  return (
    <section>
      <h1>{name}</h1>
      <ProjectNav name={name} />
      <h2>Members</h2>
      <table data-testid="members">
        <thead><tr><th>user</th><th>role</th><th /></tr></thead>
        <tbody>
          {members.data?.map((m) => (
            <tr key={m.user_id}>
              <td>{m.user}</td>
              <td>
                <select aria-label={`role of ${m.user}`} value={m.role} onChange={(e) => change.mutate({ who: m.user, to: e.target.value })}>
                  {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </td>
              <td><button aria-label={`remove ${m.user}`} onClick={() => remove.mutate(m.user)}>remove</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {members.data?.length === 0 && <p className="muted">No members yet: workspace admins see every project.</p>}
      <form className="row" onSubmit={add}>
        <input aria-label="user name" placeholder="user name" value={user} onChange={(e) => setUser(e.target.value)} />
        <select aria-label="new member role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
        </select>
        <button type="submit">Add member</button>
      </form>
      <ul className="muted small">
        {ROLES.map((r) => <li key={r}><strong>{r}</strong>: {ROLE_HELP[r]}</li>)}
      </ul>
      {failure && <p className="error" role="alert">{failure}</p>}
      <NotificationsPanel project={name} />
    </section>
  );
}
