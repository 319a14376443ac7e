import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOutdated, pageBuild } from '../../src/lib/build.ts';

test('a tab is outdated only when the server names another build than the page it runs', () => {
  assert.equal(isOutdated('aaaa', 'bbbb'), true);
  assert.equal(isOutdated('aaaa', 'aaaa'), false);
  assert.equal(isOutdated(null, 'bbbb'), false, 'a development page has no build id: never outdated');
  assert.equal(isOutdated('aaaa', null), false, 'a server without a built web client says nothing');
  assert.equal(isOutdated('aaaa', undefined), false, 'an older server sends no build');
  assert.equal(isOutdated('aaaa', ''), false);
  assert.equal(isOutdated('aaaa', 42), false);
});

test("the page's build is its lescopains-build meta tag", () => {
  const doc = (content: string | null) => ({
    querySelector: (selector: string) => (selector === 'meta[name="lescopains-build"]' && content !== null ? { content } : null),
  }) as unknown as Pick<Document, 'querySelector'>;
  assert.equal(pageBuild(doc('238ce2f888123569')), '238ce2f888123569');
  assert.equal(pageBuild(doc(null)), null);
  assert.equal(pageBuild(doc('')), null);
  assert.equal(pageBuild(undefined), null);
});
