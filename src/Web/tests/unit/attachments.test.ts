import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MAX_FILE_SIZE, describeUploadError, fileProblem, formatBytes, isImage, percent, previewSize,
} from '../../src/lib/chat/attachments.ts';

test('formatBytes uses binary units and one decimal below ten', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1023), '1023 B');
  assert.equal(formatBytes(1024), '1 KB');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(MAX_FILE_SIZE), '10 MB');
  assert.equal(formatBytes(3 * 1024 * 1024 * 1024), '3 GB');
});

test('exactly the limit is allowed, one byte more is refused with the limit named', () => {
  assert.equal(fileProblem({ name: 'a.bin', size: MAX_FILE_SIZE }), null);
  const problem = fileProblem({ name: 'big.mov', size: MAX_FILE_SIZE + 1 });
  assert.match(problem ?? '', /big\.mov is too large/);
  assert.match(problem ?? '', /at most 10 MB/);
  assert.equal(fileProblem({ name: 'x', size: 11 }, 10), 'x is too large (11 B); files are at most 10 B.');
});

test('previewSize keeps the aspect ratio, only scales down, and needs both sides', () => {
  assert.deepEqual(previewSize(800, 600), { width: 400, height: 300 });
  assert.deepEqual(previewSize(1000, 200), { width: 400, height: 80 });
  assert.deepEqual(previewSize(300, 1200), { width: 75, height: 300 });
  assert.deepEqual(previewSize(120, 90), { width: 120, height: 90 });
  assert.deepEqual(previewSize(10000, 1), { width: 400, height: 1 });
  assert.equal(previewSize(null, 100), null);
  assert.equal(previewSize(100, 0), null);
  assert.equal(previewSize(undefined, undefined), null);
});

test('only the types the server serves inline are images', () => {
  for (const t of ['image/png', 'image/jpeg', 'image/gif', 'image/webp']) {
    assert.ok(isImage({ contentType: t }), t);
  }
  for (const t of ['image/svg+xml', 'text/plain; charset=utf-8', 'application/pdf', 'video/mp4']) {
    assert.ok(!isImage({ contentType: t }), t);
  }
});

test('percent is clamped and whole', () => {
  assert.equal(percent(0, 100), 0);
  assert.equal(percent(50, 200), 25);
  assert.equal(percent(199, 200), 99);
  assert.equal(percent(300, 200), 100);
  assert.equal(percent(10, 0), 0);
});

test('upload errors read as sentences, by code', () => {
  assert.match(describeUploadError('file_too_large', 'file: Files are at most 10485760 bytes.'), /too large.*10 MB/);
  assert.match(describeUploadError('payload_too_large', ''), /too large/);
  assert.match(describeUploadError('missing_permission', 'Missing permission: ATTACH_FILES.'), /permission to attach/);
  assert.equal(describeUploadError('weird', 'Something odd.'), 'Something odd.');
  assert.equal(describeUploadError('weird', ''), 'The upload failed.');
});
