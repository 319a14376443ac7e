import { writable, type Readable } from 'svelte/store';
import { ApiError, errorFromBody } from './api.ts';
import { api } from './stores/session.ts';
import type { Attachment } from './types.ts';

/**
 * Attachment I/O: uploads with progress (XMLHttpRequest, since fetch reports no upload progress)
 * and the media cookie. An <img> cannot send the bearer token, so the server copies it into an
 * HttpOnly cookie scoped to /api/attachments (docs/API.md, "Attachments"); it is set again
 * whenever the access token has changed since.
 */

let cookieToken: string | null = null;
let setting: Promise<void> | null = null;
const ready = writable(false);

/** True once the media cookie is set: images render their URL only then. */
export const mediaReady: Readable<boolean> = { subscribe: ready.subscribe };

/** Makes sure the cookie carries the current access token (`force`: set it again regardless). */
export function ensureMediaCookie(force = false): Promise<void> {
  setting ??= (async () => {
    const token = await api.accessToken();
    if (force || token !== cookieToken) {
      await api.request('POST', '/api/attachments/cookie');
      cookieToken = token;
    }
    ready.set(true);
  })().finally(() => {
    setting = null;
  });
  return setting;
}

export interface Upload {
  promise: Promise<Attachment>;
  abort: () => void;
}

/** Uploads one file into a channel; `onprogress` gets bytes sent and the total. */
export function uploadFile(channelId: string, file: File, onprogress: (loaded: number, total: number) => void): Upload {
  const xhr = new XMLHttpRequest();
  const promise = (async () => {
    const token = await api.accessToken();
    const body = new FormData();
    body.append('file', file, file.name);
    return await new Promise<Attachment>((resolve, reject) => {
      xhr.open('POST', `/api/channels/${encodeURIComponent(channelId)}/attachments`);
      xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (e) => onprogress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          // A proxy's page: the status has to do.
        }
        if (xhr.status === 201) {
          resolve(parsed as Attachment);
        } else {
          reject(errorFromBody(xhr.status, parsed, xhr.getResponseHeader('Retry-After')));
        }
      };
      xhr.onerror = () => reject(new ApiError(0, 'network_error', 'Network error'));
      xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
      xhr.send(body);
    });
  })();
  return { promise, abort: () => xhr.abort() };
}
