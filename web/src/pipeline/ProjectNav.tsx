import { NavLink } from "react-router";
import { useCan } from "../access";
import "./pipeline.css";

const TABS = [
  { label: "Images", path: "" },
  { label: "Health", path: "/health" },
  { label: "Rapid", path: "/rapid" },
  { label: "Jobs", path: "/jobs" },
  { label: "Versions", path: "/versions" },
  { label: "Train", path: "/train" },
  { label: "Errors", path: "/errors" },
  { label: "Deploy", path: "/deploy" },
];

/** A project's sections, as tabs under its name: label, version, train, deploy (the current one marked), and its
 * members for those who manage them. */
export function ProjectNav({ name }: { name: string }) {
  const base = `/projects/${encodeURIComponent(name)}`;
  const can = useCan(name);
  return (
    <nav className="project-nav" aria-label="project sections">
      {TABS.map((tab) => (
        <NavLink key={tab.label} to={base + tab.path} end>{tab.label}</NavLink>
      ))}
      {can("members.manage") && <NavLink to={`${base}/members`} end>Members</NavLink>}
    </nav>
  );
}
