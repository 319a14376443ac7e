// A minimal client of Janus' HTTP API (videoroom plugin) for tests that drive the SFU directly.
const JANUS_URL = process.env.JANUS_URL ?? 'http://127.0.0.1:8088/janus';
export const JANUS_ADMIN_KEY = process.env.JANUS_ADMIN_KEY ?? '';

let tx = 0;
const open = new Set();

/** Destroys every session still open (a failed test must not leave long-polls keeping node alive). */
export async function closeAll() {
  await Promise.all([...open].map((h) => h.close()));
}
async function post(path, body) {
  const res = await fetch(`${JANUS_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transaction: `t${++tx}`, ...body }),
  });
  const json = await res.json();
  if (json.janus === 'error') {
    throw new Error(`Janus error ${json.error.code}: ${json.error.reason}`);
  }
  return json;
}

/** One Janus session with one videoroom handle; `request` for sync requests, `message` for async ones. */
export async function attach() {
  const session = (await post('', { janus: 'create' })).data.id;
  const handle = (await post(`/${session}`, { janus: 'attach', plugin: 'janus.plugin.videoroom' })).data.id;
  const events = [];
  let closed = false;
  const waiters = [];
  (async () => {
    while (!closed) {
      try {
        const res = await fetch(`${JANUS_URL}/${session}?maxev=10`);
        const list = [].concat(await res.json());
        for (const e of list) {
          if (e.janus === 'error') closed = true; // the session is gone
          if (e.janus === 'keepalive') continue;
          events.push(e);
          for (const w of [...waiters]) w();
        }
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  const nextEvent = (match, timeout = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const i = events.findIndex(match);
        if (i >= 0) {
          const [e] = events.splice(i, 1);
          waiters.splice(waiters.indexOf(check), 1);
          clearTimeout(timer);
          resolve(e);
        }
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(check), 1);
        reject(new Error(`no Janus event in ${timeout} ms; got ${JSON.stringify(events)}`));
      }, timeout);
      waiters.push(check);
      check();
    });
  const api = {
    async request(body) {
      const r = await post(`/${session}/${handle}`, { janus: 'message', body });
      return r.plugindata?.data;
    },
    /** An async request; resolves with the plugin event that answers it (and its jsep). */
    async message(body, jsep) {
      const r = await post(`/${session}/${handle}`, { janus: 'message', body, ...(jsep ? { jsep } : {}) });
      const e = await nextEvent((x) => x.transaction === r.transaction && x.janus === 'event');
      if (e.plugindata?.data?.error) {
        throw new Error(`videoroom error ${e.plugindata.data.error_code}: ${e.plugindata.data.error}`);
      }
      return { data: e.plugindata?.data, jsep: e.jsep };
    },
    /** Waits for an event Janus sends on its own (webrtcup, media, hangup). */
    event: (match, timeout) => nextEvent(match, timeout),
    async close() {
      closed = true;
      open.delete(api);
      await post(`/${session}`, { janus: 'destroy' }).catch(() => {});
    },
  };
  open.add(api);
  return api;
}

const JANUS_ADMIN_URL = process.env.JANUS_ADMIN_URL ?? '';
const JANUS_ADMIN_SECRET = process.env.JANUS_ADMIN_SECRET ?? '';

async function admin(path, body) {
  const res = await fetch(`${JANUS_ADMIN_URL}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transaction: `a${++tx}`, admin_secret: JANUS_ADMIN_SECRET, ...body }),
  });
  const json = await res.json();
  if (json.janus === 'error') {
    throw new Error(`Janus admin error ${json.error.code}: ${json.error.reason}`);
  }
  return json;
}

/**
 * Admin API: hangs up the PeerConnection of videoroom publisher `feedId` (as Janus does when that
 * connection's ICE or DTLS fails), leaving everything else alone.
 */
export async function hangUpPublisher(feedId) {
  const seen = [];
  for (const session of (await admin('', { janus: 'list_sessions' })).sessions ?? []) {
    for (const handle of (await admin(`/${session}`, { janus: 'list_handles' })).handles ?? []) {
      const plugin = (await admin(`/${session}/${handle}`, { janus: 'handle_info' })).info?.plugin_specific;
      seen.push(plugin);
      if (plugin?.type === 'publisher' && plugin.id === feedId) {
        await admin(`/${session}/${handle}`, { janus: 'hangup_webrtc' });
        return;
      }
    }
  }
  throw new Error(`no publisher handle for feed ${feedId}: ${JSON.stringify(seen)}`);
}
