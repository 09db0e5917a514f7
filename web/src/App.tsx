import { useEffect, useState } from "react";
import { Editor } from "./editor/Editor";
import { ProjectPage } from "./pages/ProjectPage";
import { Projects } from "./pages/Projects";
import { Workflows } from "./pages/Workflows";
import { projectSection } from "./pipeline/routes";
import { RapidPage } from "./rapid/RapidPage";

/** Client-side routes: `/`, `/projects/:name`, `/projects/:name/rapid|versions|train|deploy`, `/images/:id`. */
export function navigate(path: string): void {
  window.history.pushState({}, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

export function App() {
  const [path, setPath] = useState(window.location.pathname);
  useEffect(() => {
    const onPop = () => setPath(window.location.pathname);
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const project = path.match(/^\/projects\/([^/]+)$/);
  const image = path.match(/^\/images\/(\d+)$/);
  const rapid = path.match(/^\/projects\/([^/]+)\/rapid$/);
  return (
    <div className="app">
      <header>
        <a href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }} className="brand">seglab</a>
        <a href="/workflows" onClick={(e) => { e.preventDefault(); navigate("/workflows"); }} className="header-link">Workflows</a>
      </header>
      <main>
        {path === "/workflows" ? <Workflows /> : image ? <Editor imageId={Number(image[1])} /> : rapid ? <RapidPage key={rapid[1]} name={decodeURIComponent(rapid[1])} /> : projectSection(path) ?? (project ? <ProjectPage name={decodeURIComponent(project[1])} /> : <Projects />)}
      </main>
    </div>
  );
}
