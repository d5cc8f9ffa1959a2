// axe.js - runs axe-core in headless Chromium (puppeteer-core driving the
// system's browser; nothing downloaded) on one page and prints every WCAG 2.1
// A/AA violation. Exit 0: none; 1: violations; 2: the check could not run.
// usage: NODE_PATH=DIR/node_modules node axe.js PAGE.html CHROMIUM
const fs = require('fs');
const puppeteer = require('puppeteer-core');

const [page_path, chromium] = process.argv.slice(2);

(async () => {
    const browser = await puppeteer.launch({
        executablePath: chromium,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    try {
        const page = await browser.newPage();
        await page.goto('file://' + page_path, {waitUntil: 'load'});
        await page.addScriptTag({content: fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')});
        const r = await page.evaluate(async () => axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
        }));
        for (const v of r.violations) {
            console.log(`violation ${v.id} (${v.impact}): ${v.help}`);
            for (const n of v.nodes.slice(0, 3)) console.log(`  at ${n.target.join(' ')}`);
        }
        console.log(`axe ${r.testEngine.version}: ${r.violations.length} violations, ` +
                    `${r.passes.length} rules passed, ${r.incomplete.length} to review`);
        process.exitCode = r.violations.length === 0 ? 0 : 1;
    } finally {
        await browser.close();
    }
})().catch((e) => {
    console.error(`axe: ${e.message}`);
    process.exitCode = 2;
});
