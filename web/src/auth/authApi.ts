// Signing in and out, who am I, and the signed-in user's own keys and password (`/api/v1/auth`). These calls never
// bounce to the sign-in page on a 401 (the sign-in page itself makes them); every other API call does, through
// `signInAgain`.

import { ApiError, Schemas } from "../api";

export type Me = Schemas["MeOut"];
export type ApiKey = Schemas["KeyOut"];
export type NewKey = Schemas["NewKeyOut"];

export { LOGIN_PATH } from "./signInAgain";
import { LOGIN_PATH } from "./signInAgain";

/** Where to go after signing in: the page that sent us here, if it is one of ours. */
export function nextPage(search: string): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith(LOGIN_PATH) ? next : "/";
}

async function authCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1/auth${path}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.message ?? response.statusText);
  return data as T;
}

export const authApi = {
  me: () => authCall<Me>("GET", "/me"),
  login: (name: string, password: string) => authCall<Me>("POST", "/login", { name, password }),
  logout: () => authCall<unknown>("POST", "/logout"),
  keys: () => authCall<ApiKey[]>("GET", "/keys"),
  createKey: (name: string, scope: "full" | "inference") => authCall<NewKey>("POST", "/keys", { name, scope }),
  revokeKey: (id: number) => authCall<ApiKey>("DELETE", `/keys/${id}`),
  changePassword: (current: string, next: string) => authCall<unknown>("POST", "/password", { current, new: next }),
};
