// console_flow.mjs: the seed's flow in a real browser (Debian's chromium driven by playwright-core,
// nothing downloaded): run by tests/e2e/console_browser.sh, which starts autopilot-sim and
// `segship serve`. Prints PASS/FAIL/DIAG lines; takes the screenshots of docs/console/.
// Usage: node console_flow.mjs flow|remove   (env: CONSOLE_URL, SIM_URL, GOOD_KEY, SEGSHIP_BIN, DB, SHOTS)
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const { CONSOLE_URL, SIM_URL, GOOD_KEY, SEGSHIP_BIN, DB, SHOTS } = process.env;
const phase = process.argv[2] || 'flow';
const WAIT = 60000; // generous: the machine is shared and slow; we wait for conditions, never for time

let failures = 0;
const pass = (d) => console.log(`PASS ${d}`);
const fail = (d, why) => { failures++; console.log(`FAIL ${d}`); if (why) console.log(`DIAG ${String(why).split('\n')[0]}`); };
async function check(desc, fn) {
  try { await fn(); pass(desc); } catch (e) { fail(desc, e.message); }
}
function expectTrue(v, what) { if (!v) throw new Error(what); }
const seg = (...args) => JSON.parse(execFileSync(SEGSHIP_BIN, ['--db', DB, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 }));

async function shot(page, name) {
  if (!SHOTS) return;
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// No horizontal scrolling at the page's width: the layout fits a 375 px phone.
async function fits(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

const profileDir = mkdtempSync(join(tmpdir(), 'segship-chromium-'));
const context = await chromium.launchPersistentContext(profileDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
  acceptDownloads: true,
});
context.setDefaultTimeout(WAIT);
const page = context.pages()[0] || await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(e.message));
page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(m.text()); });
// A page may answer 400 (a refused form, re-rendered with its error); its script, style and JSON may not fail.
page.on('response', (r) => { if (r.request().resourceType() !== 'document' && r.status() >= 400) pageErrors.push(`${r.status()} ${r.url()}`); });

try {
  // ---- sign in, by keyboard
  await page.goto(`${CONSOLE_URL}/destinations`);
  await check('signed out, a page leads to Sign in', async () => {
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
  await shot(page, 'sign-in');
  await check('sign in with the keyboard alone', async () => {
    await page.getByLabel('User name').focus();
    await page.keyboard.type('alice');
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Export destinations' }).waitFor();
  });
  const nav = page.getByRole('navigation', { name: 'Main' });
  await check('the navigation has the seed\'s words', async () => {
    for (const n of ['Export destinations', 'Segments', 'Profiles', 'Schedule', 'Users']) await nav.getByRole('link', { name: n, exact: true }).waitFor();
    await nav.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  if (phase === 'flow') {
    // ---- add a destination: a wrong key first
    await page.getByRole('link', { name: 'Add destination' }).click();
    await page.getByRole('heading', { name: 'Add destination' }).waitFor();
    await check('Autopilot is the type chosen', async () => { expectTrue(await page.getByLabel('Autopilot').isChecked(), 'not checked'); });
    await page.getByLabel('Display name').fill('Autopilot EU');
    await page.getByLabel('API key').fill('ffffffffffffffffffffffffffffffff');
    await page.getByLabel('API address').fill(`${SIM_URL}/v1`);
    await check('the API key is a password field', async () => {
      expectTrue(await page.getByLabel('API key').getAttribute('type') === 'password', 'not a password field');
    });
    await page.getByRole('button', { name: 'Connect' }).click();
    await check('a wrong key: Connect shows the error in one sentence', async () => {
      const alert = page.getByRole('alert');
      await alert.waitFor();
      const t = (await alert.textContent()).trim();
      expectTrue(/key/i.test(t), `the error does not speak of the key: ${t}`);
      expectTrue(t.split(/[.;]\s+[A-Z]/).length <= 2, `more than one sentence: ${t}`);
    });
    await check('the key is never echoed back into the page', async () => {
      expectTrue(!(await page.content()).includes('ffffffffffffffffffffffffffffffff'), 'the key is in the page');
    });
    await page.getByRole('button', { name: 'Save' }).click();
    await check('Save without a successful Connect saves nothing', async () => {
      await page.getByRole('alert').waitFor();
      expectTrue(seg('destination', 'list').destinations.length === 0, 'a destination was saved');
    });
    await shot(page, 'add-destination-error');

    // ---- the right key: Connect, then Save needs "I agree"
    await page.getByLabel('API key').fill(GOOD_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await check('Connect with the right key shows the account', async () => {
      await page.getByRole('status').filter({ hasText: 'Connected' }).waitFor();
      expectTrue(!(await page.content()).includes(GOOD_KEY), 'the key is in the page');
    });
    await check('"Export user" defaults to the signed-in admin', async () => {
      expectTrue(await page.getByLabel('Export user').inputValue() === 'alice', 'not alice');
    });
    await page.getByRole('button', { name: 'Save' }).click();
    await check('without "I agree", Save saves nothing', async () => {
      await page.getByRole('alert').filter({ hasText: 'I agree' }).waitFor();
      expectTrue(seg('destination', 'list').destinations.length === 0, 'a destination was saved');
    });
    await page.getByLabel('I agree').focus();
    await page.keyboard.press('Space'); // by keyboard
    await shot(page, 'add-destination');
    await page.getByRole('button', { name: 'Save' }).click();
    await check('agree, Save: the destination is saved', async () => {
      await page.getByRole('heading', { name: 'Autopilot EU' }).waitFor();
      const ds = seg('destination', 'list').destinations;
      expectTrue(ds.length === 1 && ds[0].export_user === 'alice', JSON.stringify(ds));
    });

    // ---- data matching and segments
    await page.getByLabel('Email', { exact: true }).selectOption('Email');
    await page.getByLabel('First name').selectOption('FirstName');
    await page.getByLabel('Last name').selectOption('LastName');
    await page.getByRole('checkbox', { name: /^Spain/ }).check();
    await check('the running total follows the segments ticked', async () => {
      await page.locator('#segments-total').filter({ hasText: / of 100,000 profiles$/ }).waitFor();
      await page.locator('#segments-total').filter({ hasNotText: /^0 of/ }).waitFor();
    });
    await page.getByRole('checkbox', { name: /^Subscribers/ }).check();
    await page.getByRole('button', { name: 'Save' }).click();
    await check('Save keeps the mapping and the segments', async () => {
      await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
      const cfg = seg('export', 'show', 'Autopilot EU');
      expectTrue(cfg.fields[0].attribute === 'Email' && cfg.segments.join(',') === 'Spain,Subscribers', JSON.stringify(cfg));
    });
    await check('the running total reads "N of 100,000 profiles"', async () => {
      const t = await page.locator('#segments-total').textContent();
      expectTrue(/^\d{1,3}(,\d{3})* of 100,000 profiles$/.test(t.trim()), t);
    });
    await shot(page, 'destination');

    // ---- export now, and watch it finish
    await page.getByRole('button', { name: 'Export now' }).click();
    await check('Export now starts the export', async () => {
      await page.getByRole('status').filter({ hasText: 'The export started' }).waitFor();
    });
    // The live bar: wait until it shows records done, unless the run finishes first (a fast machine).
    const history = page.locator('table').filter({ hasText: 'Contacts sent' });
    const finished = history.locator('.status-partial, .status-succeeded').first();
    const moving = page.locator('.progress-text').filter({ hasText: /^[1-9][\d,]* of [\d,]+ records, [\d,]+ records\/s, .* left$/ });
    const first = await Promise.race([
      moving.waitFor({ timeout: 300000 }).then(() => 'moving'),
      finished.waitFor({ timeout: 300000 }).then(() => 'finished'),
    ]);
    if (first === 'moving') {
      pass('the live progress bar shows records done, rate and time left');
      await shot(page, 'export-progress');
    } else {
      console.log('DIAG the export finished before the page showed its progress');
    }
    await check('the export finishes and the history shows it', async () => {
      const history = page.locator('table').filter({ hasText: 'Contacts sent' });
      await history.locator('.status-partial, .status-succeeded').first().waitFor({ timeout: 300000 });
    });
    await check('the run history has status, counts, calls and duration', async () => {
      const row = page.locator('table').filter({ hasText: 'Contacts sent' }).locator('tbody tr').first();
      const t = await row.textContent();
      expectTrue(/\d+\.\d s/.test(t), t);
      const runs = seg('export', 'history', 'Autopilot EU').runs;
      expectTrue(runs.length === 1 && t.includes(runs[0].contacts_upserted.toLocaleString('en-US')), t);
    });
    await shot(page, 'run-history');

    // ---- a run's errors: search, open, CSV
    await page.getByRole('link', { name: /^Errors/ }).first().click();
    await page.getByRole('heading', { name: 'Errors' }).waitFor();
    const firstId = (await page.locator('tbody tr td').first().textContent()).trim();
    await check('the errors page lists the undelivered records', async () => { expectTrue(firstId.length > 0, 'no error'); });
    await page.getByLabel('Customer id or email').fill(firstId);
    await page.getByRole('button', { name: 'Search' }).click();
    await check('search by customer id finds it', async () => {
      await page.getByRole('cell', { name: firstId, exact: true }).waitFor();
      expectTrue(await page.locator('tbody tr').count() === 1, 'more than one row');
    });
    await shot(page, 'run-errors');
    await check('Download CSV gives the errors', async () => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
      const path = await dl.path();
      const text = execFileSync('cat', [path], { encoding: 'utf8' });
      expectTrue(text.startsWith('customer_id,email,kind,reason') && text.includes(firstId), text.slice(0, 200));
    });
    await page.getByRole('link', { name: firstId }).click();
    await check('an error opens the profile, with why it was not delivered', async () => {
      await page.getByRole('heading', { name: `Profile ${firstId}` }).waitFor();
      await page.getByText('this profile was not delivered').waitFor();
    });

    // ---- find a profile by email
    const email = execFileSync('sh', ['-c', `"${SEGSHIP_BIN}" --db "${DB}" segment show Spain --members 5000 --json`], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const members = JSON.parse(email).member_ids;
    const someone = seg('profiles', 'list', '--limit', '0').profiles.find((p) => members.includes(p.id) && /@/.test(p.attributes.Email || ''));
    await nav.getByRole('link', { name: 'Profiles' }).click();
    await page.getByLabel('Customer id or email').fill(someone.attributes.Email.toUpperCase());
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: someone.id, exact: true }).click();
    await check('a profile found by email shows its segments and what Autopilot confirmed', async () => {
      await page.getByRole('heading', { name: `Profile ${someone.id}` }).waitFor();
      await page.getByRole('link', { name: 'Spain', exact: true }).waitFor();
      await page.getByText('Confirmed contact id').waitFor();
      await page.getByText(/Confirmed in lists: .*Spain/).waitFor();
    });
    await shot(page, 'profile');

    // ---- segments: live count, errors at their column
    await nav.getByRole('link', { name: 'Segments' }).click();
    await shot(page, 'segments');
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByLabel('Name').fill('Loyal');
    await page.getByLabel('Rule').fill('Orders > 3');
    await check('a live count as the rule is typed', async () => {
      await page.locator('#rule-count').filter({ hasText: /profiles match now/ }).waitFor();
    });
    await page.getByLabel('Rule').fill('Ordrs > 3');
    await page.getByRole('button', { name: 'Save' }).click();
    await check('a rule error is shown at its column with the suggestion', async () => {
      await page.getByRole('alert').filter({ hasText: /column 1/ }).filter({ hasText: /Orders/ }).waitFor();
    });
    await shot(page, 'segment-error');
    await page.getByLabel('Rule').fill('Orders > 3');
    await page.getByRole('button', { name: 'Save' }).click();
    await check('the segment is created, with its membership history', async () => {
      await page.getByRole('heading', { name: 'Loyal' }).waitFor();
      await page.getByRole('heading', { name: 'Membership history' }).waitFor();
    });
    await nav.getByRole('link', { name: 'Schedule' }).click();
    await page.getByLabel('Expression').fill('0 6 * * 1-5');
    await page.getByLabel('Time zone').fill('Europe/Madrid');
    await page.getByRole('button', { name: 'Save' }).click();
    await check('the schedule shows its next five runs', async () => {
      await page.getByRole('heading', { name: 'Next five runs' }).waitFor();
      expectTrue(await page.locator('ol li').count() === 5, 'not five');
    });
    await shot(page, 'schedule');
    await nav.getByRole('link', { name: 'Users' }).click();
    await shot(page, 'users');
    await nav.getByRole('link', { name: 'Export destinations' }).click();
    await shot(page, 'destinations');

    // ---- 375 px wide
    await page.setViewportSize({ width: 375, height: 800 });
    for (const path of ['/destinations', `/destination?name=${encodeURIComponent('Autopilot EU')}`, '/segments', '/profiles', '/schedule', '/users']) {
      await page.goto(`${CONSOLE_URL}${path}`);
      await check(`${path} fits 375 px without scrolling sideways`, async () => { expectTrue(await fits(page), 'it overflows'); });
    }
    await page.goto(`${CONSOLE_URL}/destination?name=${encodeURIComponent('Autopilot EU')}`);
    await shot(page, 'destination-375px');
  } else {
    // ---- remove the destination
    await page.getByRole('link', { name: 'Autopilot EU' }).click();
    await page.getByRole('link', { name: 'Remove destination' }).click();
    await check('removal asks for confirmation and says what is wiped', async () => {
      await page.getByText(/wipes, at once, its encrypted API key and its export configuration/).waitFor();
    });
    await shot(page, 'remove-destination');
    await page.getByRole('button', { name: 'Remove destination' }).click();
    await check('the destination is removed', async () => {
      await page.getByRole('status').filter({ hasText: 'removed' }).waitFor();
      expectTrue(seg('destination', 'list').destinations.length === 0, 'still listed');
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await check('sign out', async () => { await page.getByRole('heading', { name: 'Sign in' }).waitFor(); });
  }
  await check('no script error on any page', async () => { expectTrue(pageErrors.length === 0, pageErrors.join(' | ')); });
} catch (e) {
  fail('the flow went on to the end', e.message);
  console.log(`DIAG at ${page.url()}`);
  if (process.env.DEBUG_HTML) writeFileSync(process.env.DEBUG_HTML, await page.content());
} finally {
  await context.close();
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
