// Where the load-benchmark apps connect: the harness Sockudo on this page's host, port and
// app key from the query string (`?port=…&key=…`), read the same way by all three apps.
const query = new URLSearchParams(location.search);

export const settings = { host: location.hostname, port: Number(query.get('port')), key: query.get('key') };

/** The options both Echo apps pass to `configureEcho` (reverb broadcaster, plain ws). */
export const echoOptions = {
  broadcaster: 'reverb', key: settings.key, wsHost: settings.host, wsPort: settings.port, wssPort: settings.port,
  forceTLS: false, enabledTransports: ['ws', 'wss'],
};
