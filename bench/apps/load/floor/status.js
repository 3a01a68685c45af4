// Floor: the same component tree with a bare WebSocket and no realtime library. Its
// useConnectionStatus() opens the socket on first use and reports 'connected' at
// pusher:connection_established (answering pings, nothing else).
import { ref } from 'vue';
import { settings } from '../shared/config.js';

const status = ref('connecting');
let socket = null;

export function useConnectionStatus() {
  if (!socket) {
    socket = new WebSocket(`ws://${settings.host}:${settings.port}/app/${settings.key}?protocol=7&client=js&version=8.6.0&flash=false`);
    socket.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.event === 'pusher:connection_established') status.value = 'connected';
      else if (m.event === 'pusher:ping') socket.send('{"event":"pusher:pong","data":{}}');
    };
    socket.onclose = () => { status.value = 'disconnected'; };
  }
  return status;
}
