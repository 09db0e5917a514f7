import type { ReactElement } from "react";
import { DeployPage } from "./DeployPage";
import { TrainPage } from "./TrainPage";
import { VersionsPage } from "./VersionsPage";

const PAGES = { versions: VersionsPage, train: TrainPage, deploy: DeployPage };

/** The page for `/projects/:name/versions|train|deploy`, or null for any other path. */
export function projectSection(path: string): ReactElement | null {
  const match = path.match(/^\/projects\/([^/]+)\/(versions|train|deploy)$/);
  if (!match) return null;
  const Page = PAGES[match[2] as keyof typeof PAGES];
  const name = decodeURIComponent(match[1]);
  return <Page key={name} name={name} />;
}
