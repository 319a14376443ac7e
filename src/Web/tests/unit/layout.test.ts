import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dismissesDrawer, drawerFocus, NARROW_MAX_WIDTH, NARROW_QUERY, SWIPE_MIN, swipeDrawer, swipeStartsAt, toggleDrawer } from '../../src/lib/layout.ts';
import { renderHtml } from './render.ts';

// Tests run from .test-out/tests/unit/; the stylesheets are read from the sources.
const SRC = new URL('../../../src/', import.meta.url).pathname;

test('one drawer at a time: its button opens it, closes it, or swaps the other one for it', () => {
  assert.equal(toggleDrawer(null, 'nav'), 'nav');
  assert.equal(toggleDrawer('nav', 'nav'), null);
  assert.equal(toggleDrawer('members', 'nav'), 'nav');
  assert.equal(toggleDrawer('nav', 'members'), 'members');
});

test('swipes: rightwards opens the channels, leftwards the members; against an open drawer closes it', () => {
  const right = { x0: 40, y0: 400, x1: 200, y1: 420 };
  const left = { x0: 300, y0: 400, x1: 120, y1: 380 };
  assert.equal(swipeDrawer(null, right, true), 'nav');
  assert.equal(swipeDrawer(null, left, true), 'members');
  assert.equal(swipeDrawer(null, left, false), null, 'no member list outside a guild');
  assert.equal(swipeDrawer('nav', left, true), null);
  assert.equal(swipeDrawer('nav', right, true), 'nav');
  assert.equal(swipeDrawer('members', right, true), null);
  assert.equal(swipeDrawer('members', left, true), 'members');
});

test('short or mostly vertical moves are not swipes', () => {
  assert.equal(swipeDrawer(null, { x0: 40, y0: 400, x1: 40 + SWIPE_MIN - 1, y1: 400 }, true), null, 'too short');
  assert.equal(swipeDrawer(null, { x0: 40, y0: 400, x1: 40 + SWIPE_MIN, y1: 400 }, true), 'nav');
  assert.equal(swipeDrawer(null, { x0: 40, y0: 100, x1: 200, y1: 400 }, true), null, 'scrolling the messages');
  assert.equal(swipeDrawer('nav', { x0: 300, y0: 100, x1: 150, y1: 500 }, true), 'nav', 'scrolling the channel list');
});

test('a swipe may not start in a dialog or on what a finger drags for itself', () => {
  const at = (inside: string | null) => ({ closest: (s: string) => (inside && s.split(', ').includes(inside) ? {} : null) }) as unknown as EventTarget;
  assert.equal(swipeStartsAt(at(null)), true, 'the messages');
  for (const inside of ['dialog', 'input', 'textarea', 'select', 'canvas']) {
    assert.equal(swipeStartsAt(at(inside)), false, inside);
  }
});

test('Escape closes a drawer unless a menu or a dialog inside it used that Escape', () => {
  const at = (inside: string | null) => ({ closest: (s: string) => (inside && s.includes(inside) ? {} : null) });
  assert.equal(dismissesDrawer({ key: 'Escape', defaultPrevented: false, target: at(null) as unknown as EventTarget }), true);
  assert.equal(dismissesDrawer({ key: 'Escape', defaultPrevented: false, target: null }), true, 'from the page itself');
  assert.equal(dismissesDrawer({ key: 'Enter', defaultPrevented: false, target: at(null) as unknown as EventTarget }), false);
  assert.equal(dismissesDrawer({ key: 'Escape', defaultPrevented: true, target: at(null) as unknown as EventTarget }), false, 'the guild menu closed');
  assert.equal(dismissesDrawer({ key: 'Escape', defaultPrevented: false, target: at('dialog') as unknown as EventTarget }), false, 'a dialog closes first');
  assert.equal(dismissesDrawer({ key: 'Escape', defaultPrevented: false, target: at('[role="menu"]') as unknown as EventTarget }), false, 'the status menu closes first');
});

test('an opening drawer focuses the open channel (the last current-page link), else itself', () => {
  const focused: string[] = [];
  const el = (name: string) => ({ focus: () => focused.push(name) });
  const drawer = (links: string[]) => ({ ...el('drawer'), querySelectorAll: () => links.map(el) });
  drawerFocus(drawer(['guild', 'channel'])).focus();
  drawerFocus(drawer([])).focus();
  assert.deepEqual(focused, ['channel', 'drawer']);
});

test('the drawer buttons say what they open and whether it is open', async () => {
  const closed = await renderHtml('components/DrawerButton.svelte', { drawer: 'nav', label: 'Guilds and channels', open: false, onclick: () => {} });
  assert.match(closed, /aria-label="Guilds and channels"/);
  assert.match(closed, /aria-expanded="false"/);
  assert.match(closed, /aria-controls="nav-drawer"/);
  const open = await renderHtml('components/DrawerButton.svelte', { drawer: 'members', label: 'Member list', open: true, onclick: () => {} });
  assert.match(open, /aria-expanded="true"/);
  assert.match(open, /aria-controls="member-drawer"/);
});

test('every one-column rule in the stylesheets uses the breakpoint the script watches', () => {
  assert.equal(NARROW_QUERY, `(max-width: ${NARROW_MAX_WIDTH}px)`);
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : /\.(svelte|css)$/.test(e.name) ? [join(dir, e.name)] : []));
  const widths = new Map<string, number[]>();
  for (const file of files(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/@media[^{]*max-width:\s*(\d+)px/g)) {
      widths.set(file.slice(SRC.length), [...(widths.get(file.slice(SRC.length)) ?? []), Number(m[1])]);
    }
  }
  // The sign-in card's own, smaller step is not part of the app's columns.
  widths.delete('components/AuthLayout.svelte');
  for (const [file, list] of widths) {
    assert.deepEqual(list, list.map(() => NARROW_MAX_WIDTH), `${file} uses another breakpoint`);
  }
  for (const file of ['screens/Home.svelte', 'components/DrawerButton.svelte', 'components/chat/PinsPanel.svelte', 'dm/DmConversation.svelte']) {
    assert.ok(widths.has(file), `${file} has its one-column rules`);
  }
});
