// What every API call does on a 401 (not signed in, or the session expired): leave for the sign-in page, which
// comes back to this page once signed in. Kept free of imports, so `api.ts` can use it.

export const LOGIN_PATH = "/login";

// A page starts several API calls at once; each answers 401. Navigating once is enough: a second
// `location.assign` to the same address aborts the first navigation half-way.
let leaving = false;

export function signInAgain(): void {
  if (window.location.pathname === LOGIN_PATH) return;
  const here = window.location.pathname + window.location.search;
  leaveForSignIn(`${LOGIN_PATH}?next=${encodeURIComponent(here)}`);
}

/** Go to the sign-in page (after signing out, or on a 401), once: later calls while leaving do nothing. */
export function leaveForSignIn(address: string = LOGIN_PATH): void {
  if (leaving) return;
  leaving = true;
  window.location.assign(address);
}
