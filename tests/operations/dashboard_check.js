// Drives the inspection API's web dashboard (GET /) in a real headless Chromium (Debian's
// /usr/bin/chromium through npm playwright-core; no browser is downloaded) against a live
// `torvyn run`, and checks what an operator would look at. Run by dashboard_test.cc:
//
//   node dashboard_check.js BASE_URL TOKEN SCREENSHOT.png RUNNING_FLOW FAILING_FLOW
//
// Exits 0 when every check passed; otherwise prints the first failure and exits 1.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const [base, token, screenshot, runningFlow, failingFlow] = process.argv.slice(2);
const CHROMIUM = '/usr/bin/chromium';
const RED = 'rgb(211, 47, 47)';  // --bad in dashboard.css

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'torvyn-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 1000 },
  });
  const report = {};
  const cspViolations = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    // 1. The page itself: served without the token, with the security headers.
    const response = await page.goto(base + '/#token=' + encodeURIComponent(token), { waitUntil: 'load' });
    check(response.status() === 200, 'GET / answered ' + response.status());
    const h = response.headers();
    check((h['content-security-policy'] || '').includes("default-src 'self'"), 'no CSP default-src self: ' + h['content-security-policy']);
    check((h['content-security-policy'] || '').includes("frame-ancestors 'none'"), 'CSP allows framing');
    check(h['x-content-type-options'] === 'nosniff', 'no nosniff');
    check(h['x-frame-options'] === 'DENY', 'no X-Frame-Options DENY');
    check((h['content-type'] || '').startsWith('text/html'), 'content type ' + h['content-type']);

    // 2. The running flow's graph: every node drawn, the fragment gone from the address bar.
    const running = `article.flow[data-flow="${runningFlow}"]`;
    await page.waitForSelector(running, { timeout: 30000 });
    check(!page.url().includes(token), 'the token stayed in the address bar: ' + page.url());
    const nodes = await page.$$eval(`${running} svg.graph g.node`, (gs) => gs.map((g) => g.getAttribute('data-node')));
    report.nodes = nodes;
    for (const n of ['src', 'proc', 'sink']) check(nodes.includes(n), `node ${n} not drawn: ${nodes}`);
    const edges = await page.$$eval(`${running} svg.graph g.edge`, (gs) => gs.map((g) => g.getAttribute('data-edge')));
    report.edges = edges;
    check(edges.length === 2, 'expected 2 edges, got ' + edges);
    check(await page.$eval(`${running} .state`, (e) => e.textContent) === 'Running', 'running flow not Running');

    // 3. Live numbers: delivered grows between two reads, and the per-stage rate is known.
    const delivered = () => page.$eval(`${running} [data-field="delivered"]`, (e) => e.textContent);
    const first = await delivered();
    await page.waitForTimeout(2500);
    const second = await delivered();
    report.delivered = [first, second];
    check(first !== second, `delivered did not change between two reads: ${first} -> ${second}`);
    const rate = await page.$eval(`${running} tr[data-stage="sink"] [data-field="rate"]`, (e) => e.textContent);
    report.sink_rate = rate;
    check(/\/s$/.test(rate), 'the sink has no rate: ' + rate);
    const depth = await page.$eval(`${running} g.edge [data-field="depth"]`, (e) => e.textContent);
    check(/^queue \d+\/8$/.test(depth), 'edge label is not the queue depth: ' + depth);
    const pools = await page.$$eval('#pools tbody tr', (rows) => rows.length);
    check(pools > 0, 'no pool rows');

    // 4. The failing flow: shown, then red once it has Failed; the running one is not red.
    const failing = `article.flow[data-flow="${failingFlow}"]`;
    await page.waitForSelector(failing, { timeout: 30000 });
    report.failing_state_first = await page.$eval(failing, (e) => e.getAttribute('data-state'));
    await page.waitForSelector(`${failing}[data-state="Failed"]`, { timeout: 90000 });
    const failedColour = await page.$eval(`${failing} .state`, (e) => getComputedStyle(e).backgroundColor);
    const failedBorder = await page.$eval(failing, (e) => getComputedStyle(e).borderLeftColor);
    const runningColour = await page.$eval(`${running} .state`, (e) => getComputedStyle(e).backgroundColor);
    report.colours = { failedColour, failedBorder, runningColour };
    check(failedColour === RED && failedBorder === RED, 'the failed flow is not red: ' + JSON.stringify(report.colours));
    check(runningColour !== RED, 'the running flow is red too');
    await page.screenshot({ path: screenshot, fullPage: true });

    // 5. Without the token (a new tab: sessionStorage is per tab) the login form shows; a wrong
    //    token is refused; the right one opens the dashboard.
    const tab = await context.newPage();
    await tab.goto(base + '/', { waitUntil: 'load' });
    await tab.waitForSelector('#login:not([hidden])', { timeout: 10000 });
    check(await tab.$eval('#dashboard', (e) => e.hidden), 'the dashboard shows without a token');
    await tab.fill('#token', 'wrong-' + token);
    await tab.click('#login button[type=submit]');
    await tab.waitForFunction(() => document.getElementById('login-error').textContent.includes('not accepted'), null, { timeout: 10000 });
    await tab.fill('#token', token);
    await tab.click('#login button[type=submit]');
    await tab.waitForSelector(running, { timeout: 10000 });
    // The data endpoints themselves still refuse a request without the token.
    const unauth = await tab.evaluate(async () => (await fetch('/flows', { cache: 'no-store' })).status);
    check(unauth === 401, 'GET /flows without the token answered ' + unauth);

    check(cspViolations.length === 0, 'CSP violations: ' + cspViolations.join(' | '));
    console.log(JSON.stringify({ ok: true, ...report }));
  } finally {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error('dashboard check failed: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
