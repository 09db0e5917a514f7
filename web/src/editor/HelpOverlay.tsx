import { ACTIONS, Action, keysText } from "./actions";

const SECTIONS: Action["section"][] = ["Tools", "Annotations", "Navigation", "Review"];

/** Every keyboard shortcut of the editor, shown with `?`: written from the action table the keys run on. */
export function HelpOverlay() {
  return (
    <div className="help" role="dialog" aria-label="keyboard shortcuts">
      <h2>Keyboard shortcuts</h2>
      {SECTIONS.map((section) => (
        <section key={section}>
          <h3>{section}</h3>
          <ul>
            {ACTIONS.filter((a) => a.section === section && a.keys.length).map((a) => (
              <li key={a.id}>
                {keysText(a).map((k, i) => <span key={k}>{i > 0 && " / "}<b>{k}</b></span>)} {a.help}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}
