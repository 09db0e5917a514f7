import { type ComponentType, Suspense, lazy } from "react";
import { Link, Route, Routes, useParams } from "react-router";
import { AccountPage } from "./auth/AccountPage";
import { AdminLinks } from "./auth/AdminLinks";
import { LoginPage } from "./auth/LoginPage";
import { UserMenu } from "./auth/UserMenu";
import { Editor } from "./editor/Editor";
import { AuditPage } from "./pages/AuditPage";
import { HealthPage } from "./pages/HealthPage";
import { Members } from "./pages/Members";
import { ProjectPage } from "./pages/ProjectPage";
import { Projects } from "./pages/Projects";
import { UsersPage } from "./pages/UsersPage";
import { DeployPage } from "./pipeline/DeployPage";
import { ErrorsPage } from "./pipeline/ErrorsPage";
import { TrainPage } from "./pipeline/TrainPage";
import { VersionsPage } from "./pipeline/VersionsPage";
import { RapidPage } from "./rapid/RapidPage";
import { JobsPage } from "./review/JobsPage";
import { TasksPage } from "./review/TasksPage";

// the workflow builder (React Flow, dagre) is loaded with its page only, not by every other page
const Workflows = lazy(() => import("./pages/Workflows").then((m) => ({ default: m.Workflows })));

/** A project page for `/projects/:name/...`, remounted per project so no state leaks from one to the next. */
function ProjectRoute({ page: Page }: { page: ComponentType<{ name: string }> }) {
  const { name = "" } = useParams();
  return <Page key={name} name={name} />;
}

/** The editor for `/images/:id`; moving to the next image keeps it mounted (its view and tool stay). */
function EditorRoute() {
  const { id } = useParams();
  return <Editor imageId={Number(id)} />;
}

export function App() {
  return (
    <div className="app">
      <header>
        <Link to="/" className="brand">seglab</Link>
        <Link to="/workflows" className="header-link">Workflows</Link>
        <Link to="/tasks" className="header-link">My queue</Link>
        <AdminLinks />
        <UserMenu />
      </header>
      <main>
        <Routes>
          <Route path="/workflows" element={<Suspense fallback={<p className="muted">loading…</p>}><Workflows /></Suspense>} />
          <Route path="/users" element={<UsersPage />} />
          <Route path="/tasks" element={<TasksPage />} />
          <Route path="/projects/:name/jobs" element={<ProjectRoute page={JobsPage} />} />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/account" element={<AccountPage />} />
          <Route path="/audit" element={<AuditPage />} />
          <Route path="/images/:id" element={<EditorRoute />} />
          <Route path="/projects/:name" element={<ProjectRoute page={ProjectPage} />} />
          <Route path="/projects/:name/rapid" element={<ProjectRoute page={RapidPage} />} />
          <Route path="/projects/:name/health" element={<ProjectRoute page={HealthPage} />} />
          <Route path="/projects/:name/versions" element={<ProjectRoute page={VersionsPage} />} />
          <Route path="/projects/:name/train" element={<ProjectRoute page={TrainPage} />} />
          <Route path="/projects/:name/deploy" element={<ProjectRoute page={DeployPage} />} />
          <Route path="/projects/:name/errors" element={<ProjectRoute page={ErrorsPage} />} />
          <Route path="/projects/:name/members" element={<ProjectRoute page={Members} />} />
          <Route path="*" element={<Projects />} />
        </Routes>
      </main>
    </div>
  );
}
