// What every API call does on a 401 (not signed in, or the session expired): leave for the sign-in page, which
// comes back to this page once signed in. Kept free of imports, so `api.ts` can use it.

export const LOGIN_PATH = "/login";

export function signInAgain(): void {
  if (window.location.pathname === LOGIN_PATH) return;
  const here = window.location.pathname + window.location.search;
  window.location.assign(`${LOGIN_PATH}?next=${encodeURIComponent(here)}`);
}
