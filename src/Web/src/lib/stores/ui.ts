import { derived, writable, type Readable } from 'svelte/store';

export type ThemeChoice = 'system' | 'dark' | 'light';

const KEY = 'lescopains.theme';

function stored(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'dark' || v === 'light' ? v : 'system';
  } catch {
    return 'system';
  }
}

const choice = writable<ThemeChoice>(stored());
/** The theme the user picked; 'system' follows prefers-color-scheme (handled in CSS). */
export const theme: Readable<ThemeChoice> = { subscribe: choice.subscribe };

function apply(t: ThemeChoice): void {
  const root = document.documentElement;
  if (t === 'system') {
    delete root.dataset.theme;
  } else {
    root.dataset.theme = t;
  }
}

export function setTheme(t: ThemeChoice): void {
  try {
    if (t === 'system') {
      localStorage.removeItem(KEY);
    } else {
      localStorage.setItem(KEY, t);
    }
  } catch {
    // Not persisted; still applied for this page.
  }
  choice.set(t);
}

const lightQuery = matchMedia('(prefers-color-scheme: light)');
const systemLight = writable(lightQuery.matches);
lightQuery.addEventListener('change', (e) => systemLight.set(e.matches));

/** The theme actually shown, resolving 'system' from the OS preference (and following it). */
export const shownTheme: Readable<'dark' | 'light'> = derived([choice, systemLight], ([t, light]) =>
  t === 'system' ? (light ? 'light' : 'dark') : t,
);

export function toggleTheme(shown: 'dark' | 'light'): void {
  setTheme(shown === 'dark' ? 'light' : 'dark');
}

choice.subscribe(apply);
addEventListener('storage', (e) => {
  if (e.key === KEY || e.key === null) {
    choice.set(stored());
  }
});
