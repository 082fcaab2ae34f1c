/**
 * The only module that touches @vscode/webview-ui-toolkit (deprecated upstream): the rest of the panel asks for
 * controls through these functions, so the toolkit can be swapped for plain elements in one place.
 */
import { provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox } from '@vscode/webview-ui-toolkit';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox());

export function button(label: string, onClick: () => void, opts: { appearance?: 'primary' | 'secondary' | 'icon'; title?: string } = {}): HTMLElement {
  const b = document.createElement('vscode-button');
  b.textContent = label;
  b.setAttribute('appearance', opts.appearance ?? 'secondary');
  if (opts.title) { b.setAttribute('title', opts.title); b.setAttribute('aria-label', opts.title); }
  b.addEventListener('click', onClick);
  return b;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, id?: string): HTMLElement {
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.textContent = label;
  if (id) { c.id = id; }
  c.checked = checked;
  if (checked) { c.setAttribute('checked', ''); }
  c.addEventListener('change', () => onChange(c.checked));
  return c;
}
