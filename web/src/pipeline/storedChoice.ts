// A form's choices kept in this browser's localStorage: the Train form shows what was last chosen for the project
// after a run, a reload or a visit to another page, instead of its defaults.

import { useEffect, useState } from "react";

/** The stored value under `key` over `defaults` (a field the stored one lacks, as after an upgrade, keeps its
 * default); anything unreadable gives the defaults. */
export function readChoice<T extends object>(storage: Pick<Storage, "getItem"> | undefined, key: string, defaults: T): T {
  try {
    const stored = JSON.parse(storage?.getItem(key) ?? "null");
    return stored && typeof stored === "object" && !Array.isArray(stored) ? { ...defaults, ...stored } : defaults;
  } catch {
    return defaults;
  }
}

export function useStoredChoice<T extends object>(key: string, defaults: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => readChoice(globalThis.localStorage, key, defaults));
  useEffect(() => {
    try {
      globalThis.localStorage?.setItem(key, JSON.stringify(value));
    } catch {
      // storage full or refused (private mode): the form still works, it only forgets
    }
  }, [key, value]);
  return [value, setValue];
}
