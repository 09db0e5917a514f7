import { navigate } from "../App";
import "./pipeline.css";

const TABS = [
  { label: "Images", path: "" },
  { label: "Rapid", path: "/rapid" },
  { label: "Versions", path: "/versions" },
  { label: "Train", path: "/train" },
  { label: "Deploy", path: "/deploy" },
];

/** A project's sections, as tabs under its name: label, version, train, deploy. */
export function ProjectNav({ name }: { name: string }) {
  const base = `/projects/${encodeURIComponent(name)}`;
  const here = window.location.pathname;
  return (
    <nav className="project-nav" aria-label="project sections">
      {TABS.map((tab) => {
        const href = base + tab.path;
        return (
          <a
            key={tab.label}
            href={href}
            aria-current={here === href ? "page" : undefined}
            onClick={(e) => { e.preventDefault(); navigate(href); }}
          >
            {tab.label}
          </a>
        );
      })}
    </nav>
  );
}
