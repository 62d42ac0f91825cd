// End to end, in a real browser against a real core and a real Piper provider:
// the provider wizard, a voice, a sample uploaded and transcribed, speech generated and
// played, found in History by search, deleted. Prints the UI's performance figures.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { ARTIFACTS, REPO, audit, launchBrowser, startCore } from "./browser.mjs";

const DIST = join(REPO, "ui", "dist");
const SENTENCE = "The quick brown fox jumps over the lazy dog near the riverbank.";
let core;
let browser;
let closeBrowser;
let page;
const consoleErrors = [];
const pageErrors = [];

const nav = (name) => page.getByRole("navigation", { name: "Main" }).getByRole("button", { name }).click();
const a11yProblems = [];
/** A screenshot for the artifacts, and an accessibility audit of the same screen. */
const shot = async (name) => {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  for (const v of await audit(page)) a11yProblems.push(`${name}: ${v}`);
};

/** Initial JavaScript: the entry script and its modulepreloads, gzipped. */
function initialJsGzipBytes() {
  const html = readFileSync(join(DIST, "index.html"), "utf8");
  const files = new Set();
  for (const m of html.matchAll(/<script[^>]+src="\/([^"]+\.js)"/g)) files.add(m[1]);
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="\/([^"]+\.js)"/g)) files.add(m[1]);
  let total = 0;
  for (const f of files) total += gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
  return { total, files: [...files] };
}

describe("Voicebox UI end to end", { timeout: 300_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(DIST, "index.html")), "ui/dist is missing: run `npm run build` in ui/ first");
    core = await startCore();
    ({ browser, close: closeBrowser } = await launchBrowser());
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
  });

  afterEach(async (t) => {
    // Keep a picture of the screen whenever a step fails.
    if (page && t.passed === false) await shot(`failed-${t.name.replace(/\W+/g, "-").slice(0, 50)}`).catch(() => {});
  });

  after(async () => {
    await closeBrowser?.();
    await core?.stop();
    if (consoleErrors.length) console.log(`# browser console errors (4xx from the refusal steps are expected):\n#   ${consoleErrors.join("\n#   ")}`);
  });

  test("the app shell renders fast from the core, with a small initial bundle", async () => {
    const { total, files } = initialJsGzipBytes();
    await page.goto(`${core.url}/`);
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType("navigation")[0];
      const mark = performance.getEntriesByName("voicebox:shell-rendered")[0];
      return { shell: mark ? mark.startTime : null, dcl: nav.domContentLoadedEventEnd };
    });
    console.log(`# perf: initial JS ${(total / 1024).toFixed(1)} KB gzipped (target <= 250 KB) in ${files.length} file(s)`);
    console.log(`# perf: app shell rendered in ${timing.shell?.toFixed(0)} ms after navigation start (target < 1000 ms); DOMContentLoaded ${timing.dcl.toFixed(0)} ms`);
    assert.ok(timing.shell !== null, "the shell-rendered mark was not set");
    assert.ok(total < 1024 * 1024, "initial JS is absurdly large");
    await shot("01-shell");
  });

  test("the provider wizard offers every option, picks PyTorch CPU and it becomes ready", async () => {
    await page.goto(`${core.url}/app/setup`);
    await page.getByRole("heading", { name: "Welcome to Voicebox" }).waitFor();
    const group = page.getByRole("radiogroup", { name: "Speech provider" });
    for (const name of ["Auto", "PyTorch CPU", "PyTorch CUDA", "MLX", "Remote server", "OpenAI"]) {
      assert.equal(await group.getByRole("radio", { name: new RegExp(`^${name}`) }).count(), 1, name);
    }
    await group.getByRole("radio", { name: /^OpenAI/ }).click();
    const key = page.getByLabel("OpenAI API key");
    await key.fill("sk-test-123");
    assert.equal(await key.getAttribute("type"), "password", "the API key is masked");
    await group.getByRole("radio", { name: /^Remote server/ }).click();
    await page.getByLabel("Server URL").waitFor();
    // What this machine can run comes from the core (installer/compat.py's detection).
    const list = await (await fetch(`${core.url}/providers/list`)).json();
    for (const id of ["pytorch-cuda", "mlx"]) {
      const radio = group.getByRole("radio", { name: new RegExp(`^${id === "mlx" ? "MLX" : "PyTorch CUDA"}`) });
      const support = list.support[id];
      assert.equal(typeof support.can_run, "boolean", `${id}: ${JSON.stringify(support)}`);
      assert.equal(await radio.isDisabled(), !support.can_run, id);
      if (!support.can_run) await radio.getByText(`Can't run here: ${support.reason}`).waitFor();
    }
    // In a source checkout PyTorch CPU runs from source: nothing to download.
    const cpuRow = list.providers.find((p) => p.id === "pytorch-cpu");
    assert.ok(cpuRow && cpuRow.source && cpuRow.can_run, JSON.stringify(list.providers));
    const cpu = group.getByRole("radio", { name: /^PyTorch CPU/ });
    await cpu.click();
    await cpu.getByText("No download").waitFor();
    await shot("02-wizard");
    await page.getByRole("button", { name: "Use PyTorch CPU" }).click();
    await page.getByRole("heading", { name: "pytorch-cpu is running and ready" }).waitFor({ timeout: 120_000 });
    await shot("03-wizard-ready");
    const after = await (await fetch(`${core.url}/providers/list`)).json();
    assert.equal(after.active, "pytorch-cpu");
    const row = after.providers.find((p) => p.id === "pytorch-cpu");
    assert.ok(row.active && row.state === "ready" && row.process.pid, JSON.stringify(row));
    await page.getByRole("button", { name: "Start using Voicebox" }).click();
    await page.getByRole("heading", { name: "Generate" }).waitFor();
  });

  test("a preset voice is created and speaks; the result plays", async () => {
    await nav("Voices");
    await page.getByRole("button", { name: "New voice" }).click();
    await page.getByLabel("Name").fill("Joe");
    await page.getByRole("button", { name: "Preset", exact: true }).click();
    const preset = page.getByLabel("Preset voice");
    await preset.locator("option", { hasText: "Joe — piper" }).first().waitFor({ state: "attached", timeout: 60_000 });
    await preset.selectOption({ label: "Joe — piper (en)" });
    await page.getByRole("button", { name: "Create voice" }).click();
    await page.getByRole("button", { name: /^Joe / }).waitFor();
    await shot("04-voice-created");

    await nav("Generate");
    await page.getByLabel("Voice").selectOption({ label: "Joe" });
    await page.getByLabel("Text").fill(SENTENCE);
    assert.match(await page.getByTestId("char-count").innerText(), new RegExp(`^${SENTENCE.length} /`));
    await page.getByLabel("Text").press("Control+Enter");
    const result = page.getByTestId("result").first();
    await result.waitFor();
    await page.locator('[data-testid="result"][data-status="completed"]').waitFor({ timeout: 180_000 });
    const play = result.getByRole("button", { name: /^Play generation/ });
    await play.waitFor();
    await page.waitForFunction(() => document.querySelector(".player")?.getAttribute("data-ready") === "true");
    await play.click();
    await page.waitForFunction(() => document.querySelector(".player")?.getAttribute("data-playing") === "true");
    await page.waitForFunction(() => {
      const s = document.querySelector('.player [role="slider"]');
      return s && Number(s.getAttribute("aria-valuenow")) >= 1;
    }, undefined, { timeout: 10_000 });
    await shot("05-generated-playing");
  });

  test("a cloned voice gets a sample by upload (server validation shown) and transcribes it", async () => {
    // The sample: the speech just generated, downloaded from the core like a user would.
    const history = await (await fetch(`${core.url}/history?limit=1`)).json();
    const gen = history.items[0];
    const wav = Buffer.from(await (await fetch(`${core.url}${gen.audio_url}`)).arrayBuffer());
    const wavPath = join(tmpdir(), `voicebox-e2e-sample-${process.pid}.wav`);
    writeFileSync(wavPath, wav);

    await nav("Voices");
    await page.getByRole("button", { name: "New voice" }).click();
    await page.getByLabel("Name").fill("Sam");
    await page.getByRole("button", { name: "Create voice" }).click();
    await page.getByRole("heading", { name: "Samples", exact: true }).waitFor();

    // Drag and drop a file that is not audio: the server's message is shown.
    await page.getByTestId("dropzone").evaluate((zone) => {
      const dt = new DataTransfer();
      dt.items.add(new File(["this is not audio"], "notes.wav", { type: "audio/wav" }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByRole("button", { name: "Add sample" }).click();
    const refused = page.getByText("The server refused this sample");
    await refused.waitFor();
    await shot("06-sample-refused");
    await page.getByRole("button", { name: "Discard" }).click();

    // Record from the microphone (chromium's fake device): a preview with a waveform appears.
    await page.getByRole("button", { name: "Record" }).click();
    await page.getByRole("button", { name: "Stop recording" }).waitFor();
    await page.waitForTimeout(2500);
    await page.getByRole("button", { name: "Stop recording" }).click();
    await page.getByText(/^New sample: recording-.*\.(webm|ogg|m4a)$/).waitFor();
    await page.waitForFunction(() => document.querySelector(".player")?.getAttribute("data-ready") === "true");
    await shot("07-sample-recorded");
    await page.getByRole("button", { name: "Discard" }).click();

    await page.getByLabel("Audio file for a new sample").setInputFiles(wavPath);
    await page.getByRole("button", { name: "Add sample" }).click();
    const card = page.getByTestId("sample").first();
    await card.waitFor();
    await card.getByRole("button", { name: "Transcribe" }).click();
    const transcript = card.getByLabel("Transcript of sample 1");
    await page.waitForFunction(
      () => /fox/i.test(document.querySelector('[data-testid="sample"] textarea')?.value ?? ""),
      undefined,
      { timeout: 120_000 },
    );
    const text = await transcript.inputValue();
    assert.match(text, /quick brown fox/i, `transcript: ${text}`);
    await shot("08-sample-transcribed");
  });

  test("the generation is found in History by search, and deleted after confirmation", async () => {
    await nav("History");
    const search = page.getByRole("searchbox");
    await search.fill("zebra");
    await page.getByText("Nothing matches").waitFor();
    await search.fill("riverbank");
    const row = page.getByTestId("history-row").filter({ hasText: "riverbank" });
    await row.waitFor();
    assert.equal(await page.getByTestId("history-row").count(), 1);
    await shot("09-history-search");

    await row.getByRole("button", { name: /^Delete generation/ }).click();
    const dialog = page.getByRole("dialog", { name: "Delete this generation?" });
    await dialog.waitFor();
    await shot("10-history-confirm-delete");
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByText("Nothing matches").waitFor();
    const left = await (await fetch(`${core.url}/history?q=riverbank`)).json();
    assert.equal(left.total, 0, "the generation is gone from the core too");
    // A deep link survives a reload: the core's SPA fallback serves the app at /app/history.
    assert.equal(new URL(page.url()).pathname, "/app/history");
    await page.reload();
    await page.getByRole("heading", { name: "History" }).waitFor();
  });

  test("every control of the Generate screen is reachable by keyboard, in order", async () => {
    await nav("Generate");
    await page.getByLabel("Text").fill("Hello");
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Generate" }).focus();
    const seen = ["Generate"];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      seen.push(await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return "";
        const id = el.getAttribute("id");
        const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : null;
        return (el.getAttribute("aria-label") ?? label ?? el.textContent ?? "").trim();
      }));
    }
    const want = ["Generate", "Voices", "History", "Settings", "Theme: system. Switch to light", "Text", "Voice", "Language",
      "Engine and model", "Seed", "Random seed", "Variations", "Generate"];
    assert.deepEqual(seen.slice(0, want.length), want);
    // And the keyboard drives navigation.
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "History" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "History" }).waitFor();
  });

  test("dark theme and settings render", async () => {
    await nav("Settings");
    await page.getByRole("button", { name: "Dark" }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), "dark");
    await page.getByRole("heading", { name: "Provider" }).waitFor();
    const cpu = page.locator('[data-provider="pytorch-cpu"]');
    await cpu.getByText("Active").waitFor();
    await cpu.getByText(/^(ready|busy)$/).waitFor();
    await cpu.getByRole("button", { name: "Recent log" }).click();
    await page.getByLabel("Recent log lines of pytorch-cpu").getByText(/Full log: .*pytorch-cpu\.log/).waitFor();
    const tiny = page.locator('[data-testid="whisper-row"][data-name="tiny.en"]');
    await tiny.getByText("In use").waitFor();
    await tiny.getByText("Built in").waitFor();
    await page.locator('[data-testid="whisper-row"][data-name="base.en"]').getByRole("button", { name: "Download base.en" }).waitFor();
    await page.waitForTimeout(300); // let the colour transitions finish before the picture
    await shot("11-settings-dark");
    await nav("Voices");
    await page.getByRole("button", { name: /^Sam / }).click();
    await shot("12-voices-dark");
  });

  test("every screen passes the accessibility audit (axe-core, WCAG 2.1 A/AA)", () => {
    assert.deepEqual(a11yProblems, []);
  });

  test("the app threw no uncaught error along the way", () => {
    assert.deepEqual(pageErrors, []);
  });
});
