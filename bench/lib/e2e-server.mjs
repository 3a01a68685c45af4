// End-to-end throughput server (runs in a worker thread of run.mjs): a Pusher protocol 7
// handshake on 127.0.0.1 (connection_established, subscription_succeeded), then, on every
// subscribe to `tenant.1.inventory`, it blasts `n` pre-built frames as fast as the socket
// takes them, pausing whenever more than 1 MiB is buffered (backpressure via send callbacks).
import { parentPort } from 'node:worker_threads';
import { WebSocketServer } from 'ws';

let config = { n: 1000, frames: ['{}'] };
const HIGH_WATER = 1 << 20;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
wss.on('listening', () => parentPort.postMessage({ type: 'listening', port: wss.address().port }));
parentPort.on('message', (m) => {
  if (m.type === 'config') { config = { n: m.n, frames: m.frames }; parentPort.postMessage({ type: 'configured' }); }
  if (m.type === 'close') { for (const c of wss.clients) c.terminate(); wss.close(() => process.exit(0)); }
});

wss.on('connection', (ws) => {
  ws.send(JSON.stringify({ event: 'pusher:connection_established', data: JSON.stringify({ socket_id: '1111.2222', activity_timeout: 120 }) }));
  ws.on('message', (raw) => {
    let m;
    try { m = JSON.parse(String(raw)); } catch { return; }
    if (m.event === 'pusher:ping') ws.send('{"event":"pusher:pong","data":"{}"}');
    if (m.event !== 'pusher:subscribe') return;
    const channel = m.data && m.data.channel;
    ws.send(JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: '{}' }));
    if (channel === 'tenant.1.inventory') blast(ws, config.n, config.frames);
  });
});

async function blast(ws, n, frames) {
  const K = frames.length;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > HIGH_WATER) {
      await new Promise((resolve) => ws.send(frames[i % K], () => resolve()));
    } else ws.send(frames[i % K]);
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  parentPort.postMessage({ type: 'blasted', n, ms });
}
