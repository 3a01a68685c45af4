// A cuttable loopback TCP proxy (issues #8 and #16): what a network does to a WebSocket between
// the browser and Sockudo, without touching the server process (whose recovery buffer must
// survive the cut). Modes:
//   pass       forward both ways (the start, and after restore())
//   reset()    destroy both sides of every open connection with a TCP RST; new ones pass
//   blackhole()  stop forwarding both ways and close nothing: bytes, FINs and errors wait in the
//              proxy, in order, as in a network that drops packets and TCP retransmits them; new
//              connections are accepted but neither forwarded nor connected upstream
//   restore()  forward again: what waited is delivered in order, held new connections are
//              connected upstream now
//   block(on)  refuse: reset every open connection and reset new ones until block(false)
//              (the soak's "offline"); cut() is reset() (the older name)
// Nothing here fakes a server: bytes go to the real one unchanged.
import net from 'node:net';

const END = Symbol('end'); // a FIN to pass on
const ABORT = Symbol('abort'); // the peer went away with an error: destroy the other side

export async function startProxy(targetPort, { port: listenPort = 0, targetHost = '127.0.0.1' } = {}) {
  const conns = new Set(); // {client, upstream: net.Socket | null, toUp: [], toClient: []}
  let mode = 'pass'; // 'pass' | 'blackhole' | 'refuse'
  let accepted = 0;
  let held = 0; // connections accepted during a blackhole, over the proxy's life

  // What one side sent (bytes, its FIN, its error) goes to the other side, or waits in `queue`
  // while the proxy is a blackhole (or, for a held connection, until there is an upstream).
  const deliver = (to, item) => {
    if (item === END) to.end();
    else if (item === ABORT) to.destroy();
    else to.write(item);
  };
  const side = (conn, from, queueName, toName) => {
    const pass = (item) => {
      const to = conn[toName];
      if (mode === 'blackhole' || !to || conn[queueName].length) conn[queueName].push(item);
      else if (!to.destroyed) deliver(to, item);
    };
    from.on('data', pass);
    from.on('end', () => pass(END));
    from.on('error', () => pass(ABORT));
    from.on('close', () => { if (conn.client.destroyed && (!conn.upstream || conn.upstream.destroyed)) conns.delete(conn); });
  };
  const flush = (conn) => {
    for (const [queueName, toName] of [['toUp', 'upstream'], ['toClient', 'client']]) {
      const to = conn[toName];
      for (const item of conn[queueName].splice(0)) if (!to.destroyed) deliver(to, item);
    }
  };
  const connectUpstream = (conn) => {
    conn.upstream = net.connect({ port: targetPort, host: targetHost, allowHalfOpen: true });
    side(conn, conn.upstream, 'toClient', 'client');
    flush(conn);
  };

  // allowHalfOpen: a FIN from one side is passed on by the proxy itself (and held in a blackhole).
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    accepted++;
    if (mode === 'refuse') { client.resetAndDestroy(); return; }
    const conn = { client, upstream: null, toUp: [], toClient: [] };
    conns.add(conn);
    side(conn, client, 'toUp', 'upstream');
    if (mode === 'blackhole') { held++; return; } // nothing upstream until restore()
    connectUpstream(conn);
  });
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(listenPort, '127.0.0.1', resolve); });
  const port = server.address().port;

  const reset = () => {
    const n = conns.size;
    for (const c of [...conns]) { c.client.resetAndDestroy(); c.upstream?.resetAndDestroy(); conns.delete(c); }
    return n;
  };
  const blackhole = () => { mode = 'blackhole'; return conns.size; };
  const restore = () => {
    const was = mode;
    mode = 'pass';
    if (was !== 'blackhole') return 0;
    for (const c of [...conns]) {
      if (c.client.destroyed && c.toUp.length === 0) { c.upstream?.destroy(); conns.delete(c); continue; }
      if (c.upstream) flush(c); else connectUpstream(c);
    }
    return conns.size;
  };
  // server.close() waits for every connection to end; give it 2 s, never hang a caller on it.
  const stop = () => new Promise((resolve) => {
    mode = 'pass';
    reset();
    const timer = setTimeout(resolve, 2000);
    server.close(() => { clearTimeout(timer); resolve(); });
  });
  return {
    port, reset, blackhole, restore, stop,
    cut: reset,
    block(on) { if (on) { mode = 'refuse'; reset(); } else if (mode === 'refuse') mode = 'pass'; },
    get mode() { return mode; },
    get open() { return conns.size; },
    get accepted() { return accepted; },
    get heldConnections() { return held; },
  };
}
