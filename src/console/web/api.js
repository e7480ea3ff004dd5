// The console API from the page: the token (from the URL the console printed, kept in this
// browser's storage), JSON calls, and downloads that carry the token in a header, not in a URL.

const KEY = 'fluoro-console-token';

export function takeTokenFromUrl() {
  // "#token=T" (the URL the console prints) or "#/runs/3?token=T": keep the token, drop it from the URL.
  const m = /(^#|[?&])token=([^&]*)/.exec(location.hash);
  if (m) {
    localStorage.setItem(KEY, decodeURIComponent(m[2]));
    const rest = location.hash.replace(m[0], m[1] === '#' ? '#' : '').replace(/[?&]$/, '').replace('?&', '?');
    history.replaceState(null, '', location.pathname + (rest === '#' || rest === '' ? '#/processes' : rest));
  }
}

export function setToken(t) {
  localStorage.setItem(KEY, t);
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  const headers = { authorization: `Bearer ${localStorage.getItem(KEY) || ''}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, (data && data.error) || `HTTP ${res.status}`);
    if (res.status === 401) window.dispatchEvent(new CustomEvent('fluoro-unauthorized'));
    throw err;
  }
  return data;
}

export const api = {
  get: (path) => call('GET', path),
  post: (path, body) => call('POST', path, body === undefined ? {} : body),
  del: (path) => call('DELETE', path),
  async download(path, fallbackName) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${localStorage.getItem(KEY) || ''}` } });
    if (!res.ok) {
      let msg = `HTTP ${res.status}`;
      try {
        msg = (await res.json()).error || msg;
      } catch {}
      throw new ApiError(res.status, msg);
    }
    const cd = res.headers.get('content-disposition') || '';
    const m = /filename="([^"]+)"/.exec(cd);
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = m ? m[1] : fallbackName;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  },
};
