// The README's pictures of the knowledge views, from a real run folder, in the test harness's
// Chromium (dark theme). Not a test: run it by hand after `npm run build` and a demo run, e.g.
//   npm run demo -- --runs-dir /tmp/demo-runs
//   node --import tsx test/webview/readme-screenshots.ts /tmp/demo-runs/demo-kd/run-…
// It writes media/screenshots/knowledge-*.png.
import { join, resolve } from 'node:path';
import { readRunKnowledge } from '../../src/host/dashboard/knowledge-data';
import { listRunItems, readCompareRuns, readRunHistory } from '../../src/host/dashboard/run-data';
import { readRuns } from '../../src/shared/run-folder';
import { ROOT } from '../support/build';
import { openDashboard, startHarness, type DashboardPage } from './harness';

const runDirs = process.argv.slice(2).map((dir) => resolve(dir));
if (runDirs.length === 0) {
  console.error('usage: node --import tsx test/webview/readme-screenshots.ts <run folder> [<second run folder for the comparison>]');
  process.exit(2);
}
const OUT = join(ROOT, 'media', 'screenshots');
const runsDir = resolve(runDirs[0], '..', '..');

async function answerKnowledge(dashboard: DashboardPage): Promise<void> {
  for (const message of await dashboard.posted()) {
    if (message.type === 'requestKnowledge') await dashboard.send({ type: 'knowledge', runDir: message.runDir, ...readRunKnowledge(message.runDir) });
  }
}

/** The sticky tab bar would cover the top of an element scrolled under it. */
const unstick = (dashboard: DashboardPage) =>
  dashboard.page.evaluate(() => {
    const top = document.querySelector<HTMLElement>('.top');
    if (top) top.style.position = 'static';
  });

async function main(): Promise<void> {
  const harness = await startHarness();
  try {
    const runs = listRunItems(readRuns(runsDir));
    const dashboard = await openDashboard(harness, { theme: 'dark', width: 1500, height: 1000 });
    await dashboard.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir, runs }, { type: 'focus', focus: { view: 'run', runDir: runDirs[0] } });
    await dashboard.send({ type: 'runHistory', history: readRunHistory(runDirs[0]) });
    await answerKnowledge(dashboard);
    const page = dashboard.page;
    await page.waitForSelector('#knowledge[data-state="ready"]');
    await unstick(dashboard);
    const shoot = async (selector: string, name: string) => page.locator(selector).screenshot({ path: join(OUT, `knowledge-${name}.png`) });
    await shoot('#dark-knowledge', 'dark');
    await shoot('xpath=//canvas[@id="chart-entropy"]/ancestor::figure', 'entropy');
    await shoot('.knowledge-charts.three', 'calibration');
    await shoot('#confusions', 'confusions');
    await shoot('#flips-gained', 'flips');
    await shoot('xpath=//canvas[@id="chart-projection-teacher"]/ancestor::div[contains(@class,"knowledge-charts")]', 'representations');
    await dashboard.close();

    if (runDirs.length > 1) {
      const compare = await openDashboard(harness, { theme: 'dark', width: 1500, height: 1000 });
      await compare.send({ type: 'init', uiUpdatesPerSecond: 4, runsDir, runs }, { type: 'focus', focus: { view: 'compare' } });
      await compare.send({ type: 'compareData', runs: readCompareRuns(readRuns(runsDir)).filter((r) => runDirs.includes(resolve(r.runDir))) });
      await answerKnowledge(compare);
      await compare.page.waitForSelector('#compare-difference');
      await unstick(compare);
      await compare.page.locator('#compare-knowledge').screenshot({ path: join(OUT, 'knowledge-compare.png') });
      await compare.close();
    }
    console.log(`screenshots in ${OUT}`);
  } finally {
    await harness.close();
  }
}

void main();
