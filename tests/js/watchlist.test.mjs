// Watchlist against the real Sockudo 5.2.0 (issue 12 item 11). Sockudo tracks a user's
// watchlist from the `watchlist` key of the signed-in user_data (the test backend gives each
// user the other users of its tenant) and sends changes as channel-less `online`/`offline`
// frames with `{user_ids}`, not as `pusher_internal:watchlist_events`. User 1 (Ada) watches
// user 2 (Grace): Ada's sign-in reports Grace offline, Grace signing in reaches Ada's
// onWatchlist as online, her disconnecting as offline.
// Sockudo 5.2.0 sends the offline change only from its synchronous disconnect cleanup (its
// default async cleanup worker skips watchlists), so that test runs a private Sockudo with
// CLEANUP_ASYNC_ENABLED=false; the harness' shared Sockudo (watchlist events on) shows online.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, reset, logged, eventually, sleep, startPrivateSockudo, env } from './support.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await reset(); });

const watchEvents = (page, who) => logged(page, 'watch').then((all) => all.filter(([, ids]) => ids.map(String).includes(who)).map(([name]) => name));

/** Signs in user `n` on `page` (its own Echo, on Sockudo port `port` if given). */
async function signin(page, n, port) {
  await page.evaluate(([n, port]) => {
    window.echo = window.makeEcho({ bearerToken: `token-user-${n}`, ...(port ? { wsPort: port } : {}) });
    window.echo.connector.onWatchlist(window.record('watch'));
    window.echo.connector.onSignin(window.record('signin'));
    window.echo.connector.signin();
  }, [n, port]);
  await eventually(async () => (await logged(page, 'signin')).length === 1, `user ${n} signed in`);
  return (await logged(page, 'signin'))[0][0];
}

test('onWatchlist: initial status, online on sign-in, offline on disconnect (Sockudo frames)', async () => {
  const sockudo = await startPrivateSockudo({ SOCKUDO_DEFAULT_APP_ENABLE_WATCHLIST_EVENTS: 'true', CLEANUP_ASYNC_ENABLED: 'false' });
  const ada = await openPage(browser);
  const grace = await openPage(browser);
  try {
    const adaData = await signin(ada, 1, sockudo.port);
    assert.deepEqual(adaData.watchlist, ['2'], 'the backend signs a watchlist into user_data');
    // Sockudo answers a sign-in with the current status of each watched user: Grace is offline.
    await eventually(async () => (await watchEvents(ada, '2')).includes('offline'), 'the initial status: Grace offline');
    assert.deepEqual(await watchEvents(ada, '2'), ['offline']);

    await signin(grace, 2, sockudo.port);
    await eventually(async () => (await watchEvents(ada, '2')).includes('online'), "Ada's watchlist listener gets online for Grace");
    assert.deepEqual(await watchEvents(ada, '2'), ['offline', 'online']);

    await grace.evaluate(() => window.echo.disconnect());
    if (env.share) {
      // Suite pkg-browser-shared: a sign-in belongs to the socket, and Grace's page shares
      // its socket with her leader tab, which keeps it signed in: she is online until her
      // last tab goes (README, shareConnection). Closing her tabs signs her out.
      await sleep(1500);
      assert.deepEqual(await watchEvents(ada, '2'), ['offline', 'online'], 'still online: her other tab holds the signed-in socket');
      await grace.context().close();
    }
    await eventually(async () => (await watchEvents(ada, '2')).length === 3, "Ada's watchlist listener gets offline for Grace");
    assert.deepEqual(await watchEvents(ada, '2'), ['offline', 'online', 'offline']);
    const [name, ids] = (await logged(ada, 'watch')).at(-1);
    assert.equal(name, 'offline');
    assert.deepEqual(ids.map(String), ['2']);
    assert.deepEqual(ada.errors, []);
  } finally {
    await ada.context().close();
    await grace.context().close();
    await sockudo.stop();
  }
});

test('onWatchlist on the harness Sockudo: a watched user signing in is online', async () => {
  const ada = await openPage(browser);
  const grace = await openPage(browser);
  try {
    await signin(ada, 1);
    await signin(grace, 2);
    await eventually(async () => (await watchEvents(ada, '2')).includes('online'), "Ada's watchlist listener gets online for Grace");
    await eventually(async () => (await watchEvents(grace, '1')).includes('online'), "Grace's watchlist listener gets online for Ada");
    assert.deepEqual(ada.errors, []);
  } finally {
    await ada.context().close();
    await grace.context().close();
  }
});
