import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { api } from "../api";
import { keys } from "../queries";

export function Projects() {
  const navigate = useNavigate();
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [classes, setClasses] = useState("");
  const projects = useQuery({ queryKey: keys.projects, queryFn: api.projects });
  const create = useMutation({
    mutationFn: () => api.createProject(name.trim(), classes.split(",").map((c) => c.trim()).filter(Boolean)),
    onSuccess: (project) => {
      client.invalidateQueries({ queryKey: keys.projects });
      navigate(`/projects/${encodeURIComponent(project.name)}`);
    },
  });
  const error = create.error?.message ?? projects.error?.message;

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate();
  }

  return (
    <section>
      <h1>Projects</h1>
      <form onSubmit={submit} className="row">
        <input aria-label="project name" placeholder="project name" value={name} onChange={(e) => setName(e.target.value)} />
        <input aria-label="classes" placeholder="classes, comma-separated" value={classes} onChange={(e) => setClasses(e.target.value)} />
        <button type="submit" disabled={!name.trim()}>Create project</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      <ul className="cards">
        {(projects.data ?? []).map((p) => (
          <li key={p.id} className="project-card">
            {/* the picture repeats the name's link: one link for keyboards and screen readers */}
            <Link to={`/projects/${encodeURIComponent(p.name)}`} className="cover" tabIndex={-1} aria-hidden="true">
              {p.cover_image_id ? <img src={`/api/v1/images/${p.cover_image_id}/thumbnail?size=256&annotations=true`} alt="" loading="lazy" /> : <span className="muted">no image yet</span>}
            </Link>
            <Link to={`/projects/${encodeURIComponent(p.name)}`}><strong>{p.name}</strong></Link>
            <span>{p.images} images · {p.annotations} annotations · {p.categories} classes</span>
            <progress value={p.labelled ?? 0} max={Math.max(1, p.images)} aria-label={`${p.name} labelled`} />
            <span className="muted small" data-testid="labelled">{p.labelled ?? 0} / {p.images} labelled</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
