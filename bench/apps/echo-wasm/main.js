import Echo from 'echo-wasm';

const echo = new Echo({
  broadcaster: 'reverb', key: 'app-key', wsHost: location.hostname, wsPort: 8080, wssPort: 8080,
  forceTLS: false, enabledTransports: ['ws', 'wss'],
});
echo.channel('tenant.1.inventory').listen('.inventory.update', (data) => {
  document.body.textContent = JSON.stringify(data);
});
