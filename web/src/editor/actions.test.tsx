import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ACTIONS, actionFor, shortcutText } from "./actions";
import { HelpOverlay } from "./HelpOverlay";

const press = (key: string, mods: { ctrl?: boolean; shift?: boolean } = {}) =>
  actionFor({ key, ctrlKey: Boolean(mods.ctrl), metaKey: false, shiftKey: Boolean(mods.shift) })?.id;

describe("actions", () => {
  it("gives every shortcut to one action only", () => {
    const seen = new Map<string, string>();
    for (const action of ACTIONS) {
      for (const key of action.keys) {
        const variants = key.shift === undefined ? [false, true] : [key.shift];
        for (const shift of variants) {
          const name = `${key.mod ? "mod+" : ""}${shift ? "shift+" : ""}${key.key}`;
          expect(seen.get(name), `${name} is taken by ${seen.get(name)}`).toBeUndefined();
          seen.set(name, action.id);
        }
      }
    }
  });

  it("finds the action of a key press", () => {
    expect(press("z", { ctrl: true })).toBe("undo");
    expect(press("Z", { ctrl: true, shift: true })).toBe("redo");
    expect(press("y", { ctrl: true })).toBe("redo");
    expect(press("v")).toBe("tool-select");
    expect(press("v", { ctrl: true })).toBe("paste");
    expect(press("n")).toBe("next");
    expect(press("N", { shift: true })).toBe("previous");
    expect(press("3")).toBe("class");
    expect(press("x", { ctrl: true })).toBeUndefined(); // left to the browser
  });

  it("writes the help from the same table, so the overlay lists every shortcut", () => {
    const html = renderToStaticMarkup(<HelpOverlay />);
    expect(shortcutText({ key: "z", mod: true, shift: true })).toBe("Ctrl+Shift+Z");
    for (const action of ACTIONS.filter((a) => a.keys.length)) {
      expect(html).toContain(action.help.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    }
    expect(html).toContain("<b>Ctrl+Z</b>");
    expect(html).toContain("<b>1–9</b>");
  });
});
