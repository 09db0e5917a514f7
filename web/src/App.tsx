import { useEffect, useState } from "react";
import { Editor } from "./editor/Editor";
import { ProjectPage } from "./pages/ProjectPage";
import { Projects } from "./pages/Projects";

/** Client-side routes: `/`, `/projects/:name`, `/images/:id`. */
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
  return (
    <div className="app">
      <header>
        <a href="/" onClick={(e) => { e.preventDefault(); navigate("/"); }} className="brand">seglab</a>
      </header>
      <main>
        {image ? <Editor imageId={Number(image[1])} /> : project ? <ProjectPage name={decodeURIComponent(project[1])} /> : <Projects />}
      </main>
    </div>
  );
}
