/** Builds an element; text only ever goes in as textContent, so workspace text is never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { text?: string; cls?: string; attrs?: Record<string, string> } = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.text !== undefined) { e.textContent = props.text; }
  if (props.cls) { e.className = props.cls; }
  for (const [k, v] of Object.entries(props.attrs ?? {})) { e.setAttribute(k, v); }
  for (const k of kids) { e.append(k); }
  return e;
}

/** A theme variable's value (VS Code sets them on the page), or the fallback outside VS Code. */
export function css(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}
