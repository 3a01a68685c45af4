// Watchlist against the real Sockudo 5.2.0 (issue 12 item 11). Sockudo tracks a user's
// watchlist from the `watchlist` key of the signed-in user_data (the test backend gives each
// user the other users of its tenant) and sends changes as channel-less `online`/`offline`
// frames with `{user_ids}`, not as `pusher_internal:watchlist_events`. User 1 (Ada) watches
// user 2 (Grace): Ada's sign-in reports Grace offline, Grace signing in reaches Ada's
// onWatchlist as online, her disconnecting as offline.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, reset, logged, eventually } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

const watchEvents = (page, who) => logged(page, 'watch').then((all) => all.filter(([name, ids]) => ids.map(String).includes(who)).map(([name]) => name));

test('onWatchlist: a watched user signing in is online, disconnecting is offline (Sockudo frames)', async () => {
  const ada = await openPage(browser);
  const grace = await openPage(browser);
  try {
    await ada.evaluate(() => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-1' });
      window.echo.connector.onWatchlist(window.record('watch'));
      window.echo.connector.onSignin(window.record('signin'));
      window.echo.connector.signin();
    });
    await eventually(async () => (await logged(ada, 'signin')).length === 1, 'Ada signed in');
    const [[adaData]] = await logged(ada, 'signin');
    assert.deepEqual(adaData.watchlist, ['2'], 'the backend signs a watchlist into user_data');
    // Sockudo answers a sign-in with the current status of each watched user: Grace is offline.
    await eventually(async () => (await watchEvents(ada, '2')).includes('offline'), 'the initial status: Grace offline');
    assert.deepEqual(await watchEvents(ada, '2'), ['offline']);

    await grace.evaluate(() => {
      window.echo = window.makeEcho({ bearerToken: 'token-user-2' });
      window.echo.connector.onSignin(window.record('signin'));
      window.echo.connector.signin();
    });
    await eventually(async () => (await logged(grace, 'signin')).length === 1, 'Grace signed in');
    await eventually(async () => (await watchEvents(ada, '2')).includes('online'), "Ada's watchlist listener gets online for Grace");
    assert.deepEqual(await watchEvents(ada, '2'), ['offline', 'online']);

    await grace.evaluate(() => window.echo.disconnect());
    await eventually(async () => (await watchEvents(ada, '2')).length === 3, "Ada's watchlist listener gets offline for Grace");
    assert.deepEqual(await watchEvents(ada, '2'), ['offline', 'online', 'offline']);
    const [name, ids] = (await logged(ada, 'watch')).at(-1);
    assert.equal(name, 'offline');
    assert.ok(Array.isArray(ids), 'user ids are an array');
    assert.deepEqual(ada.errors, []);
  } finally {
    await ada.context().close();
    await grace.context().close();
  }
});
