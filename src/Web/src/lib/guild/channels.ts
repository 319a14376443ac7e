import type { Channel, ChannelPosition } from '../types.ts';

/** A category (or the top level, `category: null`) with its channels in display order. */
export interface ChannelGroup {
  category: Channel | null;
  channels: Channel[];
}

/** Display order: position, then id so that equal positions still sort the same everywhere. */
export function compareChannels(a: Channel, b: Channel): number {
  return a.position - b.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Groups flat channels like the sidebar shows them: channels without a (visible) category first,
 * then each category with its children. The first group is always the top level, possibly empty.
 */
export function buildChannelTree(channels: readonly Channel[]): ChannelGroup[] {
  const categories = channels.filter((c) => c.type === 'category').sort(compareChannels);
  const known = new Set(categories.map((c) => c.id));
  const byParent = new Map<string | null, Channel[]>();
  for (const c of channels) {
    if (c.type === 'category') {
      continue;
    }
    const parent = c.parentId !== null && known.has(c.parentId) ? c.parentId : null;
    const list = byParent.get(parent) ?? [];
    list.push(c);
    byParent.set(parent, list);
  }
  const group = (category: Channel | null): ChannelGroup => ({
    category,
    channels: (byParent.get(category?.id ?? null) ?? []).sort(compareChannels),
  });
  return [group(null), ...categories.map(group)];
}

/** The channel to open by default: the first text channel in sidebar order. */
export function firstTextChannel(channels: readonly Channel[]): Channel | null {
  for (const g of buildChannelTree(channels)) {
    const text = g.channels.find((c) => c.type === 'text');
    if (text) {
      return text;
    }
  }
  return null;
}

/**
 * The position changes that put channel `id` at `index` among the channels of `parentId`
 * (index counted without the moved channel). Siblings are renumbered 0..n-1; only entries that
 * change are returned, and `parentId` is sent only for the moved channel when its parent changes.
 */
export function placeChannel(
  channels: readonly Channel[],
  id: string,
  parentId: string | null,
  index: number,
): ChannelPosition[] {
  const moved = channels.find((c) => c.id === id);
  if (!moved || moved.type === 'category') {
    return [];
  }
  const tree = buildChannelTree(channels);
  const source = tree.find((g) => g.channels.some((c) => c.id === id))!;
  const target = tree.find((g) => (g.category?.id ?? null) === parentId);
  if (!target) {
    return [];
  }
  const sourceParent = source.category?.id ?? null;
  const changes = new Map<string, ChannelPosition>();
  const renumber = (list: Channel[]) =>
    list.forEach((c, i) => {
      if (c.position !== i) {
        changes.set(c.id, { id: c.id, position: i });
      }
    });
  const targetList = target.channels.filter((c) => c.id !== id);
  targetList.splice(Math.max(0, Math.min(index, targetList.length)), 0, moved);
  if (sourceParent !== parentId) {
    renumber(source.channels.filter((c) => c.id !== id));
  }
  renumber(targetList);
  if (sourceParent !== parentId || moved.parentId !== parentId) {
    changes.delete(id); // The move itself goes last, after its new siblings' renumbering.
    changes.set(id, { id, position: targetList.indexOf(moved), parentId });
  }
  return [...changes.values()];
}

/**
 * Moves a channel one step up or down in the sidebar; past the edge of its category it goes to
 * the end (up) or start (down) of the neighbouring group. null when it cannot move further.
 */
export function moveChannel(channels: readonly Channel[], id: string, direction: -1 | 1): ChannelPosition[] | null {
  const tree = buildChannelTree(channels);
  const gi = tree.findIndex((g) => g.channels.some((c) => c.id === id));
  if (gi < 0) {
    return null;
  }
  const group = tree[gi]!;
  const i = group.channels.findIndex((c) => c.id === id);
  const parent = group.category?.id ?? null;
  if (direction === -1) {
    if (i > 0) {
      return placeChannel(channels, id, parent, i - 1);
    }
    const prev = tree[gi - 1];
    return prev ? placeChannel(channels, id, prev.category?.id ?? null, prev.channels.length) : null;
  }
  if (i < group.channels.length - 1) {
    return placeChannel(channels, id, parent, i + 1);
  }
  const next = tree[gi + 1];
  return next ? placeChannel(channels, id, next.category?.id ?? null, 0) : null;
}

/** Moves a category one step among the categories; null at either end. */
export function moveCategory(channels: readonly Channel[], id: string, direction: -1 | 1): ChannelPosition[] | null {
  const categories = channels.filter((c) => c.type === 'category').sort(compareChannels);
  const i = categories.findIndex((c) => c.id === id);
  const j = i + direction;
  if (i < 0 || j < 0 || j >= categories.length) {
    return null;
  }
  [categories[i], categories[j]] = [categories[j]!, categories[i]!];
  return categories.flatMap((c, n) => (c.position === n ? [] : [{ id: c.id, position: n }]));
}

/** Applies position changes locally (optimistic update before the server answers). */
export function applyPositions(channels: readonly Channel[], changes: readonly ChannelPosition[]): Channel[] {
  const byId = new Map(changes.map((c) => [c.id, c]));
  return channels.map((c) => {
    const ch = byId.get(c.id);
    if (!ch) {
      return c;
    }
    return { ...c, position: ch.position, ...(ch.parentId !== undefined ? { parentId: ch.parentId } : {}) };
  });
}

/** Lower-case, dashes for spaces, like Discord's text channel names. */
export function normalizeChannelName(name: string, type: 'text' | 'voice' | 'category'): string {
  const trimmed = name.trim();
  return type === 'text' ? trimmed.toLowerCase().replace(/\s+/g, '-').replace(/^#+/, '') : trimmed;
}
