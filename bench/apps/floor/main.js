// Floor: a bare WebSocket speaking just enough Pusher protocol for one public channel.
const ws = new WebSocket(`ws://${location.hostname}:8080/app/app-key?protocol=7&client=js&version=1`);
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.event === 'inventory.update' && m.channel === 'tenant.1.inventory') {
    const data = typeof m.data === 'string' ? JSON.parse(m.data) : m.data;
    document.body.textContent = JSON.stringify(data);
  } else if (m.event === 'pusher:connection_established') {
    ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth: '', channel: 'tenant.1.inventory' } }));
  } else if (m.event === 'pusher:ping') {
    ws.send('{"event":"pusher:pong","data":{}}');
  }
};
