// dashboard.js: the libsrp status dashboard. It takes its state from the
// "hello" event of /api/events and follows the events after it; when the
// WebSocket drops it reconnects, and the next hello replaces everything, so
// nothing can drift. Optional endpoints (/api/topics, /api/stats) are only
// asked for when /api/status lists them, so an older library shows "not
// available" instead of failing requests.
//
// SPDX-License-Identifier: LGPL-2.1-or-later
'use strict';

const token = new URLSearchParams(location.search).get('token');
const SAMPLES = 120; // two minutes at one sample a second
const MESSAGES = 20;

const state = {
  status: null,
  peers: new Map(), // id -> peer document
  cache: null,
  samples: [],      // sample events, oldest first
  stats: null,
  listening: false,
  uptimeBase: null, // [uptime_s, performance.now()] when it was read
};

const $ = (id) => document.getElementById(id);

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null)
    node.textContent = String(text);
  if (className)
    node.className = className;
  return node;
}

function shortId(id) {
  return id ? `${id.slice(0, 8)}…${id.slice(-4)}` : '—';
}

function bytes(n) {
  if (n === null || n === undefined)
    return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function duration(seconds) {
  const s = Math.floor(seconds % 60), m = Math.floor(seconds / 60) % 60;
  const h = Math.floor(seconds / 3600);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s} s` : `${s} s`;
}

async function api(path) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (!response.ok)
    throw new Error(`${path}: ${response.status}`);
  return response.json();
}

function available(endpoint) {
  return state.status !== null && state.status.endpoints.includes(endpoint);
}

// This peer

function renderStatus() {
  const status = state.status;
  $('peer-id').textContent = shortId(status.id);
  $('peer-id').title = status.id;
  $('nat-type').textContent = status.nat_type;
  $('public-address').textContent = status.public_address ?? 'not known yet';
  $('port').textContent = status.listening ? status.port : 'not listening';
  const v = status.versions;
  $('versions').textContent =
    `libsrp ${v.libsrp} · GLib ${v.glib} · libsoup ${v.libsoup} · json-glib ${v.json_glib}`;
  const problem = $('nat-problem');
  problem.hidden = !status.nat_problem;
  problem.textContent = status.nat_problem ? `NAT type unknown: ${status.nat_problem}` : '';
  state.uptimeBase = status.uptime_s === null ? null : [status.uptime_s, performance.now()];
  renderUptime();
}

function renderUptime() {
  if (state.uptimeBase === null) {
    $('uptime').textContent = '—';
    return;
  }
  const [base, at] = state.uptimeBase;
  $('uptime').textContent = duration(base + (performance.now() - at) / 1000);
}

// Peers

function peerRow(peer) {
  const row = element('tr');
  row.dataset.id = peer.id;
  const id = element('td');
  const code = element('code', shortId(peer.id));
  code.title = peer.id;
  id.append(code);
  row.append(id, element('td', peer.address), element('td', peer.nat_type),
             element('td', peer.path, `path-${peer.path}`),
             element('td', peer.rtt_us === null ? '—' : `${(peer.rtt_us / 1000).toFixed(1)} ms`),
             element('td', peer.since ? new Date(peer.since).toLocaleTimeString() : '—'));
  return row;
}

function renderPeers() {
  const body = document.querySelector('#peers tbody');
  body.replaceChildren(...[...state.peers.values()].map(peerRow));
  $('peer-count').textContent = state.peers.size;
  $('no-peers').hidden = state.peers.size > 0;
}

function updatePeer(peer) {
  const body = document.querySelector('#peers tbody');
  const old = [...body.rows].find((row) => row.dataset.id === peer.id);
  state.peers.set(peer.id, peer);
  if (old)
    old.replaceWith(peerRow(peer));
  else
    body.append(peerRow(peer));
  $('peer-count').textContent = state.peers.size;
  $('no-peers').hidden = true;
}

function removePeer(id) {
  state.peers.delete(id);
  const row = [...document.querySelector('#peers tbody').rows].find((r) => r.dataset.id === id);
  if (row)
    row.remove();
  $('peer-count').textContent = state.peers.size;
  $('no-peers').hidden = state.peers.size > 0;
}

// Cache

function renderCache(cache) {
  state.cache = cache;
  const share = cache.budget > 0 ? cache.used / cache.budget : 0;
  $('cache-bar').style.width = `${Math.min(100, share * 100).toFixed(1)}%`;
  $('cache-meter').setAttribute('aria-valuenow', cache.used);
  $('cache-meter').setAttribute('aria-valuemax', cache.budget);
  $('cache-text').textContent =
    `${bytes(cache.used)} of ${bytes(cache.budget)} (${(share * 100).toFixed(1)}%), ` +
    `${cache.packets} packet${cache.packets === 1 ? "" : "s"}`;
}

// Traffic: rates between consecutive samples, from their counters.

function series() {
  const list = [
    { name: 'cache packets stored/s', colour: '#3584e4', value: (s) => s.cache_stored },
    { name: 'messages/s', colour: '#e66100', value: (s) => s.messages },
  ];
  // Datagram counters come with /api/stats; samples carry them once it exists.
  if (state.samples.some((s) => s.datagrams_in !== undefined)) {
    list.push({ name: 'datagrams in/s', colour: '#26a269', value: (s) => s.datagrams_in });
    list.push({ name: 'datagrams out/s', colour: '#9141ac', value: (s) => s.datagrams_out });
  }
  return list;
}

function rates(value) {
  const out = [];
  for (let i = 1; i < state.samples.length; i++) {
    const a = state.samples[i - 1], b = state.samples[i];
    const seconds = (b.time_ms - a.time_ms) / 1000;
    out.push(seconds > 0 ? Math.max(0, (value(b) - value(a)) / seconds) : 0);
  }
  return out;
}

function renderTraffic() {
  const canvas = $('traffic');
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  canvas.width = Math.max(1, Math.round(width * ratio));
  canvas.height = Math.max(1, Math.round(height * ratio));
  const g = canvas.getContext('2d');
  g.scale(ratio, ratio);
  g.clearRect(0, 0, width, height);

  const lines = series().map((s) => ({ ...s, points: rates(s.value) }));
  const top = Math.max(1, ...lines.flatMap((l) => l.points));
  const style = getComputedStyle(document.body);
  g.strokeStyle = style.getPropertyValue('--line') || '#ccc';
  g.fillStyle = style.color;
  g.font = '11px sans-serif';
  g.lineWidth = 1;
  for (const f of [0, 0.5, 1]) {
    const y = height - 16 - f * (height - 28);
    g.beginPath();
    g.moveTo(40, y);
    g.lineTo(width, y);
    g.stroke();
    g.fillText((top * f).toFixed(top * f < 10 ? 1 : 0), 0, y + 4);
  }
  g.fillText('2 min ago', 40, height - 2);
  g.fillText('now', width - 24, height - 2);
  const step = (width - 40) / (SAMPLES - 1);
  for (const line of lines) {
    g.strokeStyle = line.colour;
    g.lineWidth = 2;
    g.beginPath();
    line.points.forEach((p, i) => {
      const x = width - (line.points.length - 1 - i) * step;
      const y = height - 16 - (p / top) * (height - 28);
      if (i === 0)
        g.moveTo(x, y);
      else
        g.lineTo(x, y);
    });
    g.stroke();
  }
  const legend = $('traffic-legend');
  legend.replaceChildren(...lines.map((l) => {
    const item = element('li', l.name);
    item.style.setProperty('--swatch', l.colour);
    return item;
  }));
}

function addSample(sample) {
  state.samples.push(sample);
  if (state.samples.length > SAMPLES)
    state.samples.shift();
  renderCache({
    budget: sample.cache_budget, used: sample.cache_used, packets: sample.cache_packets,
  });
  renderTraffic();
}

// Topics and connect outcomes: only with the endpoints that provide them.

function notAvailable(id, what) {
  $(id).replaceChildren(element('p', `${what} not available from this version of libsrp.`,
                                'note'));
}

async function loadTopics() {
  if (!available('/api/topics')) {
    notAvailable('topics', 'Topics are');
    return;
  }
  const { topics } = await api('/api/topics');
  if (topics.length === 0) {
    $('topics').replaceChildren(element('p', 'No topic is subscribed.', 'note'));
    return;
  }
  const list = element('ul');
  for (const topic of topics) {
    const item = element('li', topic.name);
    item.title = topic.id;
    if (!topic.subscribed)
      item.append(element('span', ' (unsubscribed)', 'note'));
    list.append(item);
  }
  $('topics').replaceChildren(list);
}

function renderConnects(connects) {
  const pairs = Object.entries(connects);
  if (pairs.length === 0) {
    $('connects').replaceChildren(element('p', 'No connection was attempted yet.', 'note'));
    return;
  }
  const table = element('table', null, 'matrix');
  const head = element('tr');
  for (const title of ['ours / theirs', 'attempts', 'direct', 'relayed', 'failed'])
    head.append(element('th', title));
  table.append(head);
  for (const [pair, c] of pairs.sort()) {
    const row = element('tr');
    row.append(element('td', pair));
    for (const key of ['attempts', 'direct', 'relayed', 'failed'])
      row.append(element('td', c[key] ?? 0, 'cell'));
    table.append(row);
  }
  $('connects').replaceChildren(table);
}

async function loadStats() {
  if (!available('/api/stats')) {
    notAvailable('connects', 'Connect outcomes are');
    return;
  }
  state.stats = await api('/api/stats');
  renderConnects(state.stats.connects ?? {});
}

// Messages

function addMessage(event) {
  const where = event.kind === 'letter' ? 'letter to this peer'
                                        : `topic ${event.topic ?? shortId(event.topic_id)}`;
  const item = element('li', `${new Date().toLocaleTimeString()} · ${where} · ` +
                             `${bytes(event.size)} · ${shortId(event.id)}`);
  const list = $('messages');
  list.prepend(item);
  while (list.children.length > MESSAGES)
    list.lastChild.remove();
}

// The event stream

let socket = null;
let retryMs = 500;

function setLink(stateName, text) {
  $('link').dataset.state = stateName;
  $('link').textContent = text;
}

function onHello(hello) {
  state.status = hello.status;
  state.peers = new Map(hello.peers.map((p) => [p.id, p]));
  renderStatus();
  renderPeers();
  renderCache(hello.cache);
  renderTraffic();
  loadTopics().catch((e) => notAvailable('topics', `Topics (${e.message}) are`));
  loadStats().catch((e) => notAvailable('connects', `Connect outcomes (${e.message}) are`));
}

const handlers = {
  'hello': onHello,
  'peer-added': (e) => updatePeer(e.peer),
  'peer-changed': (e) => updatePeer(e.peer),
  'peer-removed': (e) => removePeer(e.id),
  'nat': (e) => {
    Object.assign(state.status,
                  { nat_type: e.nat_type, public_address: e.public_address,
                    nat_problem: e.nat_problem });
    renderStatus();
  },
  'listening': (e) => {
    Object.assign(state.status, { listening: e.listening, port: e.port,
                                  uptime_s: e.listening ? 0 : null });
    renderStatus();
  },
  'message': addMessage,
  'sample': addSample,
  // Events were lost: start again from a fresh hello.
  'dropped': () => socket.close(),
};

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = token ? `?token=${encodeURIComponent(token)}` : '';
  socket = new WebSocket(`${scheme}//${location.host}/api/events${query}`);
  socket.onopen = () => {
    retryMs = 500;
    setLink('live', 'live');
  };
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    const handler = handlers[event.event];
    if (handler && (state.status !== null || event.event === 'hello'))
      handler(event);
  };
  socket.onclose = () => {
    setLink('connecting', 'reconnecting…');
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 5000);
  };
}

setInterval(renderUptime, 1000);
window.addEventListener('resize', renderTraffic);
connect();
