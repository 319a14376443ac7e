import { register } from 'node:module';
import type { Component } from 'svelte';
import { render } from 'svelte/server';

// Tests run from .test-out/tests/unit/; components are read from the sources, not the tsc output.
register('./svelte-hooks.js', import.meta.url);
const SRC = new URL('../../../src/', import.meta.url);

/** The server-rendered HTML of the component at `path` (relative to src/) with `props`. */
export async function renderHtml(path: string, props: Record<string, unknown>): Promise<string> {
  const { default: component } = (await import(new URL(path, SRC).href)) as { default: Component<Record<string, unknown>> };
  return render(component, { props }).body;
}
