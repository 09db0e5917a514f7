import { action, keysText } from "./actions";

/** A button for one action of the editor's table: its label, its first shortcut as a small key hint, and its help
 * with every shortcut as the tooltip — written from the table, so a button never shows another key than it has. */
export function ActionButton({ id, onClick, active }: { id: string; onClick(): void; active?: boolean }) {
  const found = action(id);
  const keys = keysText(found);
  return (
    <button className={active ? "active" : undefined} title={keys.length ? `${found.help} (${keys.join(" / ")})` : found.help}
      aria-pressed={active} onClick={onClick}>
      {found.label}{keys.length > 0 && <kbd aria-hidden="true">{keys[0]}</kbd>}
    </button>
  );
}
