'use strict';
// The load generator: one Node process (pinned to its own core by the harness) holding every client.
//   node loadgen.js < config.json > result.json
// Modes: fanout (a ramp of fixed offered rates; one step is a plain fan-out run), idle, storm, ingest.
// Targets: parley (session cookies, docs/protocol.md), socketio (socket.io-client), naive. Plain WebSocket
// connections use rawws.js, or the `ws` package when they offer permessage-deflate.
// It reads each frame as little as it can (a type prefix, the body's send time) so that it costs less per
// received frame than a server per sent frame; its own CPU is reported next to the server's to show that.
// Every wait is bounded; only the config's 127.0.0.1 URL is contacted.
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const WebSocket = require('ws');
const { io } = require('socket.io-client');
const { RawWs } = require('./rawws');
const { Histogram, serverCpuS, serverRssB, sleep } = require('./measure');

const cfg = JSON.parse(fs.readFileSync(0, 'utf8'));
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(cfg.url)) throw new Error('the load generator only targets 127.0.0.1');
const wsUrl = cfg.url.replace('http:', 'ws:') + '/ws';
const hardStop = setTimeout(() => fail(`gave up after ${cfg.max_s} s`), cfg.max_s * 1000);

let closedEarly = 0; // connections the server closed while the run still needed them
let refusals = 0; // error frames from Parley (a refused send: none is expected)
let running = true;

function fail(why) {
  process.stdout.write(JSON.stringify({ error: why }) + '\n');
  process.exit(2);
}

// -- frames ---------------------------------------------------------------------------------------------
const BODY = Buffer.from('"body":"t');
const TYPE_AT = 9; // {"type":"  is 9 bytes
const MSG_NEW = 'message.new"';
const MSG_ACK = 'message.ack"';
const PRESENCE = 'presence"';
// A batch of presence changes (one frame for many users) counts as one frame: what the member's socket received.
const PRESENCE_BATCH = 'presence.bat';

// The body is t<send time in ms, 3 decimals>s<sender number>; parse it without making strings.
function parseBody(buf, at) {
  let ms = 0;
  let place = 0; // the value of the next fractional digit; 0 while in the integer part
  let i = at;
  for (; i < buf.length; i++) {
    const c = buf[i];
    if (c === 46) place = 0.1;
    else if (c >= 48 && c <= 57) {
      if (place) { ms += (c - 48) * place; place /= 10; } else ms = ms * 10 + (c - 48);
    } else break;
  }
  let sid = 0;
  if (buf[i] === 115) for (i++; i < buf.length && buf[i] >= 48 && buf[i] <= 57; i++) sid = sid * 10 + (buf[i] - 48);
  return [ms, sid];
}

function body(ts, sid) {
  return `t${ts.toFixed(3)}s${sid}`;
}

// -- clients: open(cookie, onFrame) resolves once the server has said it is ready --------------------------
// onFrame(kind, ts, sid, bytes): kind is 'msg' (a broadcast message), 'ack' (parley's ack), 'presence', 'other'.
function openWs(cookie, onFrame, parley) {
  return new Promise((resolve, reject) => {
    const headers = cookie ? { Cookie: cookie } : {};
    // Offering permessage-deflate needs the `ws` package (inflating); without it the leaner RawWs does.
    const ws = cfg.deflate || cfg.ws_package
      ? new WebSocket(wsUrl, { headers, perMessageDeflate: !!cfg.deflate, handshakeTimeout: 30000 })
      : new RawWs(wsUrl, { headers, handshakeTimeout: 30000 });
    let ready = false;
    const client = {
      helloBytes: 0,
      send(roomId, text, clientId) {
        if (ws.readyState !== 1) return; // OPEN, in ws and RawWs alike
        ws.send(parley ? JSON.stringify({ type: 'message.send', room_id: roomId, body: text, client_id: clientId }) : text);
      },
      deflated: () => (ws.extensions || '').includes('permessage-deflate'),
      close: () => ws.terminate(),
    };
    const timer = setTimeout(() => { ws.terminate(); reject(new Error('not ready within 30 s')); }, 30000);
    const becomeReady = () => { ready = true; clearTimeout(timer); resolve(client); };
    ws.on('message', (buf) => {
      if (!parley) {
        if (buf[0] === 116) { const [ts, sid] = parseBody(buf, 1); onFrame('msg', ts, sid, buf.length); }
        else onFrame('other', 0, 0, buf.length);
        return;
      }
      const type = buf.toString('latin1', TYPE_AT, TYPE_AT + 12);
      if (!ready) {
        if (type.startsWith('hello"')) { client.helloBytes = buf.length; becomeReady(); }
        return;
      }
      if (type === MSG_NEW || type === MSG_ACK) {
        const at = buf.indexOf(BODY, 20);
        const [ts, sid] = at < 0 ? [0, 0] : parseBody(buf, at + BODY.length);
        onFrame(type === MSG_NEW ? 'msg' : 'ack', ts, sid, buf.length);
      } else if (type.startsWith(PRESENCE) || type === PRESENCE_BATCH) onFrame('presence', 0, 0, buf.length);
      else if (type.startsWith('error"')) { refusals++; onFrame('error', 0, 0, buf.length); }
      else onFrame('other', 0, 0, buf.length);
    });
    ws.on('open', () => { if (!parley) becomeReady(); });
    ws.on('error', (err) => { if (!ready) { clearTimeout(timer); reject(err); } });
    ws.on('close', () => { if (ready && running) closedEarly++; if (!ready) { clearTimeout(timer); reject(new Error('closed before ready')); } });
  });
}

function openSocketIo(_cookie, onFrame) {
  return new Promise((resolve, reject) => {
    const socket = io(cfg.url, {
      transports: ['websocket'], forceNew: true, reconnection: false, timeout: 30000,
      perMessageDeflate: cfg.deflate ? { threshold: 1024 } : false,
    });
    const client = {
      helloBytes: 0,
      send(_roomId, text) { socket.emit('chat message', text); },
      deflated() {
        const ws = socket.io.engine && socket.io.engine.transport && socket.io.engine.transport.ws;
        return !!(ws && (ws.extensions || '').includes('permessage-deflate'));
      },
      close: () => socket.disconnect(),
    };
    socket.on('chat message', (msg) => {
      const buf = Buffer.from(msg, 'latin1');
      const [ts, sid] = parseBody(buf, 1);
      onFrame('msg', ts, sid, msg.length);
    });
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => reject(err));
    socket.on('disconnect', () => { if (running) closedEarly++; });
  });
}

function open(cookie, onFrame) {
  if (cfg.target === 'socketio') return openSocketIo(cookie, onFrame);
  return openWs(cookie, onFrame, cfg.target === 'parley');
}

// Open `count` clients, at most `cfg.connect_concurrency` handshakes at once; `after(n)` runs after each batch.
async function openMany(count, cookieOf, onFrameOf, after) {
  const clients = [];
  const batch = Math.max(1, cfg.connect_concurrency || 50);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const opened = await Promise.all(Array.from({ length: n }, (_, k) => open(cookieOf(start + k), onFrameOf(start + k))));
    clients.push(...opened);
    if (after) await after(clients.length);
  }
  return clients;
}

const cookieAt = (list) => (i) => (list && list.length ? list[i % list.length] : null);
const ignore = () => () => {};

// -- fanout: receivers, senders, a ramp of offered rates --------------------------------------------------
async function fanout() {
  let step = null;
  const onReceive = () => (kind, ts) => {
    if (kind !== 'msg' || step === null) return;
    const now = performance.now();
    if (now >= step.wStart && now < step.wEnd) step.receivedInWindow++;
    if (ts >= step.wStart && ts < step.wEnd) { step.delivered++; step.hist.add(now - ts); }
  };
  const receivers = await openMany(cfg.receivers, cookieAt(cfg.cookies), onReceive, null);
  const senders = await openMany(cfg.senders, cookieAt(cfg.sender_cookies), ignore, null);
  const results = [];
  let n = 0;
  for (const rate of cfg.rates) {
    step = { wStart: Infinity, wEnd: Infinity, receivedInWindow: 0, delivered: 0, hist: new Histogram() };
    const t0 = performance.now();
    step.wStart = t0 + cfg.warmup_s * 1000;
    step.wEnd = step.wStart + cfg.seconds * 1000;
    let sent = 0;
    let sentInWindow = 0;
    let cpu0 = null;
    let own0 = null;
    let cpu1 = null;
    let own1 = null;
    while (performance.now() < step.wEnd) {
      const now = performance.now();
      if (cpu0 === null && now >= step.wStart) { cpu0 = serverCpuS(cfg.server_pid, cfg.clk_tck); own0 = process.cpuUsage(); }
      const due = Math.min(Math.floor(((now - t0) / 1000) * rate) - sent, 1000);
      for (let k = 0; k < due; k++, sent++, n++) {
        const ts = performance.now();
        if (ts >= step.wStart && ts < step.wEnd) sentInWindow++;
        const who = n % senders.length;
        senders[who].send(cfg.room_id, body(ts, who), `b${n}`);
      }
      await sleep(2);
    }
    cpu1 = serverCpuS(cfg.server_pid, cfg.clk_tck);
    own1 = process.cpuUsage(own0);
    const expected = sentInWindow * receivers.length;
    const drainUntil = performance.now() + cfg.drain_s * 1000;
    while (step.delivered < expected && performance.now() < drainUntil) await sleep(20);
    const windowS = (step.wEnd - step.wStart) / 1000;
    const cpuS = cpu1 - cpu0;
    const r = {
      offered_msgs_per_s: rate,
      offered_deliveries_per_s: rate * receivers.length,
      messages_in_window: sentInWindow,
      deliveries_expected: expected,
      deliveries: step.delivered,
      delivered_fraction: expected ? step.delivered / expected : 0,
      deliveries_per_s: step.receivedInWindow / windowS,
      server_cpu_s: cpuS,
      server_cpu_share: cpuS / windowS,
      server_cpu_us_per_delivery: step.receivedInWindow ? (cpuS / step.receivedInWindow) * 1e6 : null,
      loadgen_cpu_us_per_delivery: step.receivedInWindow ? ((own1.user + own1.system) / step.receivedInWindow) : null,
      // Over 0.9, the load generator's own core was (nearly) full: the figure is a floor, not the server's limit.
      loadgen_cpu_share: (own1.user + own1.system) / 1e6 / windowS,
      // How much of that was the kernel's (reads, epoll) rather than JavaScript's.
      loadgen_cpu_system_fraction: own1.user + own1.system ? own1.system / (own1.user + own1.system) : null,
      latency_ms: step.hist.summary(),
      server_rss_mib: serverRssB(cfg.server_pid) / 2 ** 20,
      closed_by_server: closedEarly,
      refused: refusals,
    };
    results.push(r);
    process.stderr.write(`rate ${rate}/s: ${Math.round(r.deliveries_per_s)} deliveries/s, p99 ${r.latency_ms.p99} ms, ${(r.delivered_fraction * 100).toFixed(2)}% delivered\n`);
    const tooSlow = r.latency_ms.p99 === null || r.latency_ms.p99 > cfg.stop_p99_ms;
    if (tooSlow || r.delivered_fraction < cfg.stop_delivered || closedEarly > 0) break;
    if (cfg.pause_s) await sleep(cfg.pause_s * 1000);
  }
  return {
    receivers: receivers.length, senders: senders.length,
    deflate_negotiated: receivers.some((c) => c.deflated()),
    steps: results, closed_by_server: closedEarly, clients: receivers.concat(senders),
  };
}

// -- idle: memory against connections; connect rate ----------------------------------------------------------
async function idle() {
  const rssBefore = serverRssB(cfg.server_pid);
  const curve = [[0, rssBefore]];
  const cpu0 = serverCpuS(cfg.server_pid, cfg.clk_tck);
  const t0 = performance.now();
  let next = cfg.sample_every;
  const clients = await openMany(cfg.connections, cookieAt(cfg.cookies), ignore, async (opened) => {
    if (opened >= next || opened === cfg.connections) { curve.push([opened, serverRssB(cfg.server_pid)]); next += cfg.sample_every; }
  });
  const connectS = (performance.now() - t0) / 1000;
  const cpu = serverCpuS(cfg.server_pid, cfg.clk_tck) - cpu0;
  await sleep(cfg.settle_s * 1000);
  const rssAfter = serverRssB(cfg.server_pid);
  curve.push([clients.length, rssAfter]);
  return {
    connections: clients.length,
    connect_s: connectS,
    connects_per_s: clients.length / connectS,
    server_cpu_us_per_connect: (cpu / clients.length) * 1e6,
    rss_before_mib: rssBefore / 2 ** 20,
    rss_after_mib: rssAfter / 2 ** 20,
    bytes_per_connection: (rssAfter - rssBefore) / clients.length,
    rss_curve: curve.map(([c, b]) => [c, b / 2 ** 20]),
    deflate_negotiated: clients.some((c) => c.deflated()),
    closed_by_server: closedEarly,
    clients,
  };
}

// -- storm: N distinct users connect into one room at once ------------------------------------------------------
async function storm() {
  const counts = new Uint32Array(cfg.connections);
  let total = 0;
  const onFrameOf = (i) => (kind) => { if (kind === 'presence') { counts[i]++; total++; } };
  const rssBefore = serverRssB(cfg.server_pid);
  const cpu0 = serverCpuS(cfg.server_pid, cfg.clk_tck);
  const t0 = performance.now();
  const clients = await openMany(cfg.connections, cookieAt(cfg.cookies), onFrameOf, null);
  const connectS = (performance.now() - t0) / 1000;
  // Presence frames trail the handshakes: wait until none has come for quiet_s (at most max_wait_s).
  const waitUntil = performance.now() + cfg.max_wait_s * 1000;
  let seen = -1;
  let quietSince = performance.now();
  while (performance.now() < waitUntil) {
    if (total !== seen) { seen = total; quietSince = performance.now(); }
    if (performance.now() - quietSince >= cfg.quiet_s * 1000) break;
    await sleep(50);
  }
  const settledS = (quietSince - t0) / 1000;
  const cpu = serverCpuS(cfg.server_pid, cfg.clk_tck) - cpu0;
  const sorted = Array.from(counts).sort((a, b) => a - b);
  const helloBytes = clients.reduce((sum, c) => sum + c.helloBytes, 0);
  return {
    connections: clients.length,
    connect_s: connectS,
    connects_per_s: clients.length / connectS,
    settled_s: settledS,
    server_cpu_s: cpu,
    server_cpu_ms_per_connection: (cpu / clients.length) * 1e3,
    rss_before_mib: rssBefore / 2 ** 20,
    rss_after_mib: serverRssB(cfg.server_pid) / 2 ** 20,
    presence_frames: total,
    presence_per_member: { mean: total / clients.length, min: sorted[0], max: sorted[sorted.length - 1] },
    hello_bytes_mean: helloBytes / clients.length,
    deflate_negotiated: clients.some((c) => c.deflated()),
    closed_by_server: closedEarly,
    clients,
  };
}

// -- ingest: senders send as fast as their acks come back -------------------------------------------------------
async function ingest() {
  const hist = new Histogram();
  let acked = 0;
  let wStart = Infinity;
  let wEnd = Infinity;
  const senders = [];
  const rooms = cfg.sender_rooms;
  let n = 0;
  const sendNext = (i) => {
    if (performance.now() >= wEnd) return;
    const s = senders[i];
    s.count++;
    senders[i].client.send(rooms[i][s.count % rooms[i].length], body(performance.now(), i), `i${i}-${s.count}-${n++}`);
  };
  const ackKind = cfg.target === 'parley' ? 'ack' : 'msg';
  const onFrameOf = (i) => (kind, ts, sid) => {
    if (kind === 'error' && senders[i]) { sendNext(i); return; } // refused (counted): keep the window full
    if (kind !== ackKind || sid !== i || !senders[i]) return;
    const now = performance.now();
    if (now >= wStart && now < wEnd) { acked++; hist.add(now - ts); }
    sendNext(i);
  };
  const clients = await openMany(cfg.senders, cookieAt(cfg.cookies), onFrameOf, null);
  clients.forEach((client) => senders.push({ client, count: 0 }));
  const t0 = performance.now();
  wStart = t0 + cfg.warmup_s * 1000;
  wEnd = wStart + cfg.seconds * 1000;
  for (let i = 0; i < senders.length; i++) for (let k = 0; k < cfg.window; k++) sendNext(i);
  await sleep(Math.max(0, wStart - performance.now()));
  const cpu0 = serverCpuS(cfg.server_pid, cfg.clk_tck);
  await sleep(Math.max(0, wEnd - performance.now()));
  const cpu = serverCpuS(cfg.server_pid, cfg.clk_tck) - cpu0;
  return {
    senders: clients.length,
    rooms: new Set(rooms.flat()).size,
    window: cfg.window,
    acked_per_s: acked / cfg.seconds,
    refused: refusals,
    server_cpu_share: cpu / cfg.seconds,
    server_cpu_us_per_message: acked ? (cpu / acked) * 1e6 : null,
    ack_latency_ms: hist.summary(),
    deflate_negotiated: clients.some((c) => c.deflated()),
    closed_by_server: closedEarly,
    clients,
  };
}

async function main() {
  const modes = { fanout, idle, storm, ingest };
  const result = await modes[cfg.mode]();
  running = false;
  const { clients } = result;
  delete result.clients;
  for (const c of clients) c.close();
  clearTimeout(hardStop);
  process.stdout.write(JSON.stringify(result) + '\n');
  setTimeout(() => process.exit(0), 200);
}

main().catch((err) => fail(String(err && err.stack ? err.stack : err)));
