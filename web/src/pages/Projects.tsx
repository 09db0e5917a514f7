import { FormEvent, useEffect, useState } from "react";
import { api, ProjectSummary } from "../api";
import { navigate } from "../App";

export function Projects() {
  const [projects, setProjects] = useState<ProjectSummary[]>([]);
  const [name, setName] = useState("");
  const [classes, setClasses] = useState("");
  const [error, setError] = useState("");

  useEffect(() => { api.projects().then(setProjects).catch((e) => setError(e.message)); }, []);

  async function create(event: FormEvent) {
    event.preventDefault();
    try {
      const names = classes.split(",").map((c) => c.trim()).filter(Boolean);
      const project = await api.createProject(name.trim(), names);
      navigate(`/projects/${encodeURIComponent(project.name)}`);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section>
      <h1>Projects</h1>
      <form onSubmit={create} className="row">
        <input aria-label="project name" placeholder="project name" value={name} onChange={(e) => setName(e.target.value)} />
        <input aria-label="classes" placeholder="classes, comma-separated" value={classes} onChange={(e) => setClasses(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>Create project</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="cards">
        {projects.map((p) => (
          <li key={p.id}>
            <a href={`/projects/${encodeURIComponent(p.name)}`} onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(p.name)}`); }}>
              <strong>{p.name}</strong>
            </a>
            <span>{p.images} images · {p.annotations} annotations · {p.categories} classes</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
