import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ActionButton } from "./ActionButton";

const html = (id: string) => renderToStaticMarkup(createElement(ActionButton, { id, onClick: () => undefined }));

describe("action buttons", () => {
  it("show their shortcut from the action table, as a hint and in the tooltip", () => {
    expect(html("tool-polygon")).toContain("polygon<kbd aria-hidden=\"true\">P</kbd>");
    expect(html("tool-smart")).toMatch(/title="Smart Polygon: [^"]*\(S\)"/);
    expect(html("undo")).toContain("<kbd aria-hidden=\"true\">Ctrl+Z</kbd>");
  });

  it("show no hint for an action without a key", () => {
    expect(html("mark-null")).not.toContain("<kbd");
  });
});
