// The audit log for admins (GET /api/v1/audit): who deleted, exported, downloaded or imported what, and the
// sign-ins, key and role changes, newest first, filtered by time, user and action.

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { auditLog } from "../api";

const SPANS = [["24h", "last 24 hours"], ["7d", "last 7 days"], ["30d", "last 30 days"], ["", "all time"]] as const;

export function AuditPage() {
  const [since, setSince] = useState("7d");
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const filters = { since, actor: actor.trim(), action: action.trim() };
  const log = useQuery({ queryKey: ["audit", filters], queryFn: () => auditLog(filters), placeholderData: keepPreviousData });

  return (
    <section>
      <h1>Audit log</h1>
      <div className="row filters">
        <select aria-label="since" value={since} onChange={(e) => setSince(e.target.value)}>
          {SPANS.map(([value, label]) => <option key={label} value={value}>{label}</option>)}
        </select>
        <input aria-label="actor" placeholder="user" value={actor} onChange={(e) => setActor(e.target.value)} />
        <input aria-label="action" placeholder="action (project, images.delete…)" value={action}
          onChange={(e) => setAction(e.target.value)} />
      </div>
      {log.error && <p className="error" role="alert">{log.error.message}</p>}
      {log.data && (
        <table className="audit" data-testid="audit-table">
          <thead>
            <tr><th>when</th><th>user</th><th>action</th><th>target</th><th>detail</th></tr>
          </thead>
          <tbody>
            {log.data.map((event) => (
              <tr key={event.id}>
                <td>{new Date(event.at).toLocaleString()}</td>
                <td>{event.actor}</td>
                <td>{event.action}</td>
                <td>{event.target}</td>
                <td className="muted small">{Object.keys(event.detail).length ? JSON.stringify(event.detail) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.data?.length === 0 && <p className="muted">No events match.</p>}
    </section>
  );
}
