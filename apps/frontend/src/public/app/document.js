// Writing into the page. Everything goes through textContent: nothing from the server is ever
// parsed as HTML. Panels are rewritten every second or half second, mostly with what they show
// already, and an unchanged write still costs a layout and a repaint: these write only changes.

export const $ = (id) => document.getElementById(id);

export const setText = (node, text) => {
  if (node.textContent !== text) node.textContent = text;
};

export const setClass = (node, className) => {
  if (node.className !== className) node.className = className;
};

export const element = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

/** Text shown in at most two lines (class clamp-2); the whole of it on hover. */
export const setClamped = (node, text) => {
  setText(node, text);
  if (node.title !== text) node.title = text;
};

/** Shows `rows` in `list` unless it shows the same already. */
export const replaceRows = (list, rows) => {
  const same = list.children.length === rows.length && rows.every((row, i) => row.isEqualNode(list.children[i]));
  if (!same) list.replaceChildren(...rows);
};
