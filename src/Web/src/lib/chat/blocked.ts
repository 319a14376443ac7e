/**
 * Messages of blocked people in a channel, as Discord shows them: each run of them in a row (on one
 * day) folds into one line, "3 blocked messages", that shows them on demand. Pure, so unit tests
 * cover it (components/chat/ChannelChat.svelte draws it).
 */

export interface BlockedRun {
  /** The run's first message id: what "Show" remembers. */
  key: string;
  count: number;
  revealed: boolean;
}

export interface BlockedView {
  /** By the id of a run's first message: the run that starts there. */
  runs: Map<string, BlockedRun>;
  /** Messages folded away (in runs not revealed). */
  hidden: Set<string>;
  /** Message id → its run's key, for every message in a run. */
  runOf: Map<string, string>;
}

export function blockedView(
  rows: readonly { message: { id: string; author: { id: string } }; day: string | null }[],
  blocked: ReadonlySet<string>,
  revealed: ReadonlySet<string>,
): BlockedView {
  const view: BlockedView = { runs: new Map(), hidden: new Set(), runOf: new Map() };
  if (blocked.size === 0) {
    return view;
  }
  let run: BlockedRun | null = null;
  for (const row of rows) {
    if (!blocked.has(row.message.author.id)) {
      run = null;
      continue;
    }
    if (run === null || row.day !== null) {
      run = { key: row.message.id, count: 0, revealed: revealed.has(row.message.id) };
      view.runs.set(run.key, run);
    }
    run.count++;
    view.runOf.set(row.message.id, run.key);
    if (!run.revealed) {
      view.hidden.add(row.message.id);
    }
  }
  return view;
}

export function blockedLabel(count: number): string {
  return count === 1 ? '1 blocked message' : `${count} blocked messages`;
}
