/**
 * Sets `--role-color` on an element through the CSSOM. The CSP forbids style="" attributes,
 * but not this, and role colours are arbitrary so they cannot be classes.
 */
export function roleColor(node: HTMLElement, color: string | null) {
  const set = (c: string | null) => {
    if (c) {
      node.style.setProperty('--role-color', c);
    } else {
      node.style.removeProperty('--role-color');
    }
  };
  set(color);
  return { update: set };
}
