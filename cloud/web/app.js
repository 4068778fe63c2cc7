// Mingliang live alert viewer: plain ES module, no build step. Talks to the cloud's REST API with a
// bearer token and receives live changes on the socket.io /viewer namespace.

const TOKEN_KEY = 'mingliang.token';
const USER_KEY = 'mingliang.user';
const PAGE_SIZE = 50;
/** Snapshots may be uploaded just after their event arrives: retry a 404 a few times. */
const SNAPSHOT_RETRIES = [1000, 3000, 8000];

const PHASES = {
  start: ['开始', 'start'],
  update: ['持续', 'ongoing'],
  end: ['结束', 'ended'],
};
const SEVERITIES = {
  1: ['紧急', 'urgent'],
  2: ['限期', 'deadline'],
  3: ['提示', 'notice'],
};
const CAMERA_STATES = {
  connecting: ['连接中', 'connecting'],
  streaming: ['在线', 'streaming'],
  stalled: ['卡顿', 'stalled'],
  offline: ['离线', 'offline'],
  unknown: ['未知', 'unknown'],
};

const $ = (id) => document.getElementById(id);

/** Page state, owned by this module instance (one viewer per page). */
const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  username: sessionStorage.getItem(USER_KEY) ?? '',
  socket: null,
  /** event id → { item, el, objectUrl, snapshotKey } */
  alerts: new Map(),
  /** camera id → CameraItem */
  cameras: new Map(),
  nextCursor: null,
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'INTERNAL';
  }
}

async function api(path, init = {}) {
  const headers = new Headers(init.headers);
  if (state.token) headers.set('authorization', `Bearer ${state.token}`);
  if (init.body) headers.set('content-type', 'application/json');
  const res = await fetch(path, { ...init, headers });
  if (res.status === 401 && state.token) {
    logout();
    throw new ApiError(401, { error: { code: 'UNAUTHORIZED', message: 'session expired' } });
  }
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res;
}

function bilingual(el, [zh, en]) {
  el.textContent = `${zh} `;
  const small = document.createElement('small');
  small.textContent = en;
  el.append(small);
}

function formatTime(ms) {
  return new Date(ms).toLocaleString('zh-CN', { hour12: false });
}

// ---- login / logout ---------------------------------------------------------------------------

function showLogin(message) {
  $('session').hidden = true;
  $('live-view').hidden = true;
  $('login-view').hidden = false;
  const err = $('login-error');
  err.hidden = !message;
  err.textContent = message ?? '';
  $('login-form').password.focus();
}

async function onLogin(ev) {
  ev.preventDefault();
  const form = ev.currentTarget;
  const submit = $('login-submit');
  submit.disabled = true;
  try {
    const body = JSON.stringify({ username: form.username.value.trim(), password: form.password.value });
    const res = await api('/api/auth/login', { method: 'POST', body });
    const { token } = await res.json();
    state.token = token;
    state.username = form.username.value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, state.username);
    form.password.value = '';
    await start();
  } catch (err) {
    const msg =
      err.code === 'UNAUTHORIZED'
        ? '用户名或密码错误 (wrong username or password)'
        : err.code === 'RATE_LIMITED'
          ? `尝试次数过多，请稍后再试 (${err.message})`
          : `登录失败 (${err.message})`;
    showLogin(msg);
  } finally {
    submit.disabled = false;
  }
}

function logout() {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  state.socket?.close();
  state.socket = null;
  for (const entry of state.alerts.values()) if (entry.objectUrl) URL.revokeObjectURL(entry.objectUrl);
  state.alerts.clear();
  state.cameras.clear();
  $('alert-list').replaceChildren();
  $('camera-list').replaceChildren();
  showLogin();
}

// ---- cameras ----------------------------------------------------------------------------------

function renderCameras() {
  const list = $('camera-list');
  const items = [...state.cameras.values()].sort((a, b) => a.id.localeCompare(b.id));
  list.replaceChildren(
    ...items.map((c) => {
      const li = document.createElement('li');
      li.dataset.state = c.state;
      const [zh, en] = CAMERA_STATES[c.state] ?? CAMERA_STATES.unknown;
      li.title = `${c.id} · ${c.edgeId} · ${en}`;
      li.textContent = `${c.name} · ${zh}`;
      return li;
    }),
  );
  $('camera-empty').hidden = items.length > 0;
}

function cameraName(id) {
  const cam = state.cameras.get(id);
  return cam ? `${cam.name} (${id})` : id;
}

// ---- alerts -----------------------------------------------------------------------------------

function renderAlert(entry) {
  const { item, el } = entry;
  const sev = el.querySelector('.severity');
  sev.dataset.severity = String(item.severity);
  bilingual(sev, SEVERITIES[item.severity] ?? ['?', String(item.severity)]);
  el.querySelector('.type').textContent = item.type;
  const phase = el.querySelector('.phase');
  phase.dataset.phase = item.phase;
  bilingual(phase, PHASES[item.phase] ?? [item.phase, item.phase]);
  el.querySelector('.camera').textContent = cameraName(item.cameraId);
  el.querySelector('.label').textContent = item.label;
  el.querySelector('.score').textContent = `${Math.round(item.topScore * 100)}%`;
  const ended = item.endedAt ? ` → ${formatTime(item.endedAt)}` : '';
  el.querySelector('.time').textContent = `${formatTime(item.startedAt)}${ended}`;
  // Refetch the image when the event changed: later phases may carry a better snapshot.
  const key = `${item.snapshotUrl}|${item.updatedAt}`;
  if (item.snapshotUrl && entry.snapshotKey !== key) {
    entry.snapshotKey = key;
    void loadSnapshot(entry, key, 0);
  }
}

async function loadSnapshot(entry, key, attempt) {
  try {
    const res = await api(entry.item.snapshotUrl);
    const blob = await res.blob();
    if (entry.snapshotKey !== key) return; // a newer update already asked for a newer image
    if (entry.objectUrl) URL.revokeObjectURL(entry.objectUrl);
    entry.objectUrl = URL.createObjectURL(blob);
    const img = entry.el.querySelector('img');
    img.src = entry.objectUrl;
    img.alt = `${entry.item.label} @ ${entry.item.cameraId}`;
    img.hidden = false;
    entry.el.querySelector('.no-snapshot').hidden = true;
  } catch (err) {
    const delay = SNAPSHOT_RETRIES[attempt];
    if (err.status === 404 && delay !== undefined && entry.snapshotKey === key) {
      setTimeout(() => void loadSnapshot(entry, key, attempt + 1), delay);
    }
  }
}

function compareNewestFirst(a, b) {
  return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Inserts or updates one alert card, keeping the list ordered newest first. */
function upsertAlert(item, { live }) {
  let entry = state.alerts.get(item.id);
  if (entry) {
    // Pushes can arrive after a page load that already had a newer version.
    if (item.updatedAt < entry.item.updatedAt) return;
    entry.item = item;
  } else {
    const el = $('alert-template').content.firstElementChild.cloneNode(true);
    el.dataset.id = item.id;
    entry = { item, el, objectUrl: null, snapshotKey: null };
    state.alerts.set(item.id, entry);
    const list = $('alert-list');
    const before = [...list.children].find((li) => {
      const other = state.alerts.get(li.dataset.id);
      return other && compareNewestFirst(item, other.item) < 0;
    });
    list.insertBefore(el, before ?? null);
  }
  renderAlert(entry);
  if (live) {
    entry.el.classList.remove('fresh');
    void entry.el.offsetWidth; // restart the highlight animation
    entry.el.classList.add('fresh');
  }
  $('alert-empty').hidden = true;
  $('alert-count').textContent = `(${state.alerts.size})`;
}

/** Loads one page; a catch-up reload of the first page leaves the "load more" position alone. */
async function loadPage(cursor, { catchUp = false } = {}) {
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (cursor) params.set('cursor', cursor);
  const res = await api(`/api/events?${params}`);
  const page = await res.json();
  for (const item of page.items) upsertAlert(item, { live: false });
  if (!catchUp) {
    state.nextCursor = page.nextCursor;
    $('load-more').hidden = !page.nextCursor;
  }
  $('alert-empty').hidden = state.alerts.size > 0;
}

async function loadCameras() {
  const res = await api('/api/cameras');
  const { items } = await res.json();
  state.cameras = new Map(items.map((c) => [c.id, c]));
  renderCameras();
}

// ---- live connection ---------------------------------------------------------------------------

function setConnection(kind) {
  const conn = $('conn');
  conn.dataset.state = kind;
  const labels = { connecting: ['连接中', 'Connecting'], live: ['实时', 'Live'], down: ['已断开', 'Disconnected'] };
  bilingual($('conn-text'), labels[kind]);
}

function connectLive() {
  state.socket?.close();
  // `io` is the global from /socket.io/socket.io.js.
  const socket = window.io('/viewer', { auth: { token: state.token } });
  state.socket = socket;
  setConnection('connecting');
  socket.on('connect', () => {
    setConnection('live');
    // Catch up on what happened while disconnected (the first page is enough for a live view).
    void loadPage(null, { catchUp: true }).catch(() => undefined);
    void loadCameras().catch(() => undefined);
  });
  socket.on('disconnect', () => setConnection('down'));
  socket.on('connect_error', (err) => {
    setConnection('down');
    if (err?.data?.code === 'UNAUTHORIZED') logout();
  });
  socket.on('event', (item) => upsertAlert(item, { live: true }));
  socket.on('camera', (camera) => {
    state.cameras.set(camera.id, camera);
    renderCameras();
    for (const entry of state.alerts.values()) {
      if (entry.item.cameraId === camera.id) entry.el.querySelector('.camera').textContent = cameraName(camera.id);
    }
  });
}

async function start() {
  $('login-view').hidden = true;
  $('live-view').hidden = false;
  $('session').hidden = false;
  $('user').textContent = state.username;
  try {
    await loadCameras();
    await loadPage(null);
  } catch (err) {
    if (err.status !== 401) console.error('initial load failed', err);
  }
  if (state.token) connectLive();
}

$('login-form').addEventListener('submit', onLogin);
$('logout').addEventListener('click', logout);
$('load-more').addEventListener('click', () => {
  if (state.nextCursor) void loadPage(state.nextCursor).catch((err) => console.error(err));
});

if (state.token) void start();
else showLogin();
