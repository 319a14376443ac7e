import { readable, type Readable } from 'svelte/store';

/**
 * The time as of the last change of `source`, ticking again when `nextEnd` says something runs out
 * (ms since the epoch; null: nothing will): what depends on it re-computes when a timed mute ends.
 */
export function tickingAt<T>(source: Readable<T>, nextEnd: (value: T, now: number) => number | null): Readable<number> {
  return readable(Date.now(), (set) => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
    };
    const unsubscribe = source.subscribe((value) => {
      const arm = () => {
        stop();
        const now = Date.now();
        set(now);
        const next = nextEnd(value, now);
        if (next !== null) {
          // setTimeout takes at most 2^31-1 ms; a longer wait arms again when this one fires.
          timer = setTimeout(arm, Math.min(next - now + 50, 2 ** 31 - 1));
        }
      };
      arm();
    });
    return () => {
      stop();
      unsubscribe();
    };
  });
}
