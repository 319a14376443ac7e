import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStale } from '../../src/lib/stores/ordering.ts';

test('voice:state: an event older than the last applied for a member is dropped, per member', () => {
  const seen = new Map<string, number>();
  assert.equal(isStale(seen, 'a', 10), false, 'first event applies');
  assert.equal(isStale(seen, 'a', 12), false, 'newer applies');
  assert.equal(isStale(seen, 'a', 11), true, 'an older one arriving late (e.g. still sharing) is dropped');
  assert.equal(isStale(seen, 'a', 12), true, 'a duplicate is dropped');
  assert.equal(isStale(seen, 'b', 11), false, 'other members are tracked on their own');
  assert.equal(isStale(seen, 'a', undefined), false, 'events without a version always apply');
  assert.equal(seen.get('a'), 12);
});
