import Echo from 'laravel-echo';
import Pusher from 'pusher-js/with-encryption';

const echo = new Echo({
  broadcaster: 'reverb', key: 'app-key', wsHost: location.hostname, wsPort: 8080, wssPort: 8080,
  forceTLS: false, enabledTransports: ['ws', 'wss'], Pusher,
});
echo.channel('tenant.1.inventory').listen('.inventory.update', (data) => {
  document.body.textContent = JSON.stringify(data);
});
