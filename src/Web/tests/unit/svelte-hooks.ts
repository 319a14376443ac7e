// Module hooks that let the unit tests render Svelte components on the server (svelte/server):
// a .svelte file is compiled for SSR, and the app's .ts modules it imports are transpiled. Node
// runs these hooks off the main thread; tests/unit/render.ts registers them.
import { readFile } from 'node:fs/promises';
import type { LoadHook } from 'node:module';
import { fileURLToPath } from 'node:url';
import { compile } from 'svelte/compiler';
import ts from 'typescript';

const APP = new URL('../../../src/', import.meta.url).href;

export const load: LoadHook = async (url, context, nextLoad) => {
  if (url.endsWith('.svelte')) {
    const source = await readFile(new URL(url), 'utf8');
    const { js } = compile(source, { filename: fileURLToPath(url), generate: 'server' });
    return { format: 'module', source: js.code, shortCircuit: true };
  }
  if (url.startsWith(APP) && url.endsWith('.ts')) {
    const source = await readFile(new URL(url), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: fileURLToPath(url),
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    return { format: 'module', source: outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
};
