// What the caller may do in a project: the server sends the actions their role allows (`permissions`, the names of
// the README's roles table) with the project, so the app hides what it would refuse. The server still decides.

import { useQuery } from "@tanstack/react-query";
import { api, Project } from "./api";
import { keys } from "./queries";
import { authApi, Me } from "./auth/authApi";

/** Whether `project` allows `action` (`image.upload`, `annotation.write`, `members.manage`, ...) to the caller. */
export function allows(project: Project | undefined, action: string): boolean {
  return project?.permissions?.includes(action) ?? false;
}

/** `can(action)` for the project `name` (false until the project has loaded: nothing shows that may be refused). */
export function useCan(name: string): (action: string) => boolean {
  const { data } = useQuery({ queryKey: keys.project(name), queryFn: () => api.project(name) });
  return (action: string) => allows(data, action);
}

/** Who the caller is (name, workspace admin or not, the workspace actions they may do). */
export function useMe(): Me | undefined {
  return useQuery({ queryKey: ["auth", "me"], queryFn: authApi.me }).data;
}

/** `can(action)` for the workspace's actions (`workflow.manage`, `user.manage`, ...): false until known. */
export function useWorkspaceCan(): (action: string) => boolean {
  const me = useMe();
  return (action: string) => me?.permissions?.includes(action) ?? false;
}
