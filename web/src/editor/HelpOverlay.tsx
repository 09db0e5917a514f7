/** Every keyboard shortcut of the editor, shown with `?`. */
export function HelpOverlay() {
  return (
    <div className="help" role="dialog" aria-label="keyboard shortcuts">
      <h2>Keyboard shortcuts</h2>
      <h3>Tools</h3>
      <ul>
        <li><b>P</b> polygon: click to add points, click the first point or <b>Enter</b> to close, <b>Esc</b> to cancel</li>
        <li><b>S</b> Smart Polygon: hover to preview, click inside (<b>Shift</b>+click outside) or drag a box; <b>Enter</b> accepts</li>
        <li><b>B</b> brush and <b>E</b> eraser: paint onto / erase from the selected annotation (the brush alone starts a new one); <b>[</b> <b>]</b> size</li>
        <li><b>V</b> select: click an annotation; drag it to move it; drag a vertex; double-click an edge to add a vertex, double-click a vertex to remove it</li>
        <li><b>M</b> what a drawn polygon does to the selected annotation: new annotation → add a part → cut a hole</li>
      </ul>
      <h3>Annotations</h3>
      <ul>
        <li><b>1</b>–<b>9</b> choose the class (and give it to the selected annotation)</li>
        <li><b>Delete</b> remove the selected vertex, or else the selected annotation</li>
        <li><b>Tab</b> / <b>Shift+Tab</b> select the next / previous annotation</li>
        <li><b>L</b> lock or unlock the selected annotation; <b>H</b> hide or show all annotations</li>
        <li><b>Ctrl+C</b> copy the selected annotation (or all shown ones), <b>Ctrl+V</b> paste them, on this image or another</li>
        <li><b>Ctrl+Z</b> undo, <b>Ctrl+Shift+Z</b> / <b>Ctrl+Y</b> redo</li>
      </ul>
      <h3>Navigation</h3>
      <ul>
        <li><b>N</b> / <b>→</b> next image, <b>Shift+N</b> / <b>←</b> previous image</li>
        <li>wheel: zoom about the cursor; <b>Space</b>+drag, right-drag or <b>Alt</b>+drag: pan; <b>F</b> fit the image; <b>?</b> this help</li>
      </ul>
    </div>
  );
}
