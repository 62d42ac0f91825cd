// End to end, in a real browser against a real core and a real provider (Piper, and Qwen3-TTS
// with tiny random-weight models served by a local stand-in for the model hub), from a fresh
// data folder: the provider wizard (once), a preset voice heard and made, a cloned voice with a
// sample uploaded and transcribed, its model downloaded from the inline offer with progress,
// speech generated and played as one player, found in History by search, downloaded in every
// format, deleted. Prints the UI's performance figures.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { ARTIFACTS, REPO, audit, launchBrowser, startCore, startQwenHub } from "./browser.mjs";

const DIST = join(REPO, "ui", "dist");
const SENTENCE = "The quick brown fox jumps over the lazy dog near the riverbank.";
// Several sentences: the tiny Qwen model speaks about a second per sentence, so the take is long
// enough to pause and stop while it plays.
const CLONE_TEXT = "One small step. Two quiet birds. Three green hills. Four bright stars. Five calm seas. Six old trees.";
/** Internal strings that must never reach the screen. */
const INTERNALS = /Errno|PipelineStatus|DEMUXER|Traceback|GET \/profiles|NotFoundError|NotAllowedError|\bNone\b|undefined|\[object /;
let core;
let hub;
let browser;
let closeBrowser;
let page;
const consoleErrors = [];
const pageErrors = [];

const nav = (name) => page.getByRole("navigation", { name: "Main" }).getByRole("button", { name }).click();
/** What the person reads contains no internal string. */
const assertNoInternals = async (where) => {
  const text = await page.evaluate(() => document.body.innerText);
  const hit = text.match(INTERNALS);
  assert.equal(hit, null, `${where}: internal string on screen: ${hit?.[0]} in …${text.slice(Math.max(0, (hit?.index ?? 0) - 120), (hit?.index ?? 0) + 120)}…`);
};
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

describe("Voicebox UI end to end", { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(DIST, "index.html")), "ui/dist is missing: run `npm run build` in ui/ first");
    // A small delay per 256 KiB served: the download's progress is visible for a moment.
    hub = await startQwenHub({ delayS: 0.05 });
    core = await startCore({ env: { HF_ENDPOINT: hub.url } });
    ({ browser, close: closeBrowser } = await launchBrowser());
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
    page.on("console", (m) => {
      if (m.type() === "error") consoleErrors.push(m.text());
    });
    // How many players ever played at once (two copies of a take must never overlap).
    await page.addInitScript(() => {
      window.__maxPlaying = 0;
      const count = () => {
        window.__maxPlaying = Math.max(window.__maxPlaying, document.querySelectorAll('[data-playing="true"]').length);
      };
      new MutationObserver(count).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-playing"], childList: true });
    });
  });

  afterEach(async (t) => {
    // Keep a picture of the screen whenever a step fails.
    if (page && t.passed === false) await shot(`failed-${t.name.replace(/\W+/g, "-").slice(0, 50)}`).catch(() => {});
  });

  after(async () => {
    await closeBrowser?.();
    await core?.stop();
    await hub?.stop();
    if (consoleErrors.length) console.log(`# browser console errors (4xx from the refusal steps are expected):\n#   ${consoleErrors.join("\n#   ")}`);
  });

  test("the app shell renders fast from the core, with a small initial bundle", async () => {
    const { total, files } = initialJsGzipBytes();
    await page.goto(`${core.url}/`);
    // A fresh data folder: the first screen is the provider wizard.
    await page.getByRole("heading", { name: "Welcome to Voicebox" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/app/setup");
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

  test("the provider wizard offers every option, picks PyTorch CPU, it becomes ready, and is not shown again", async () => {
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
    // No card contradicts itself or says "No download" twice.
    for (const card of await group.getByRole("radio").all()) {
      const text = await card.innerText();
      assert.ok((text.match(/no download|nothing to download/gi) ?? []).length <= 1, text);
      assert.ok(!(/Installed/.test(text) && /not installed|no provider is installed/i.test(text)), text);
    }
    await shot("02-wizard");
    await page.getByRole("button", { name: "Use PyTorch CPU" }).click();
    await page.getByRole("heading", { name: "pytorch-cpu is running and ready" }).waitFor({ timeout: 120_000 });
    assert.equal(await page.getByRole("button", { name: "Skip for now" }).count(), 0, "no Skip once a provider is ready");
    await shot("03-wizard-ready");
    const after = await (await fetch(`${core.url}/providers/list`)).json();
    assert.equal(after.active, "pytorch-cpu");
    const row = after.providers.find((p) => p.id === "pytorch-cpu");
    assert.ok(row.active && row.state === "ready" && row.process.pid, JSON.stringify(row));
    await page.getByRole("button", { name: "Start using Voicebox" }).click();
    await page.getByRole("heading", { name: "Generate" }).waitFor();
    // Seen once: a reload (or a new start on this data folder) goes straight to the app.
    await page.goto(`${core.url}/`);
    await page.getByRole("navigation", { name: "Main" }).waitFor();
    await page.getByRole("heading", { name: "Generate" }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Welcome to Voicebox" }).count(), 0);
    assert.deepEqual(await (await fetch(`${core.url}/settings/first-run`)).json(), { wizard_seen: true });
  });

  test("a preset voice is heard before it is made, speaks, and its take plays as one player", async () => {
    await nav("Voices");
    await page.getByRole("button", { name: "New voice" }).click();
    await page.getByRole("button", { name: "Preset", exact: true }).click();
    const preset = page.getByLabel("Preset voice");
    await preset.locator("option", { hasText: "Joe — piper" }).first().waitFor({ state: "attached", timeout: 60_000 });
    await preset.selectOption({ label: "Joe — piper (en)" });
    assert.equal(await page.getByLabel("Name").inputValue(), "Joe", "picking a preset fills the name");
    await page.getByRole("button", { name: "Listen to Joe" }).click();
    const sample = page.getByRole("button", { name: /^(Play|Pause) the Joe sample$/ });
    await sample.waitFor({ timeout: 60_000 });
    await page.waitForFunction(() => [...document.querySelectorAll(".player")].some((p) => p.getAttribute("data-ready") === "true"));
    await shot("04a-preset-preview");
    await page.getByRole("button", { name: "Create voice" }).click();
    await page.getByRole("button", { name: /^Joe / }).waitFor();
    await shot("04-voice-created");

    await nav("Generate");
    await page.getByLabel("Voice").selectOption({ label: "Joe" });
    // The controls follow the model: Piper speaks English only and takes no seed.
    const languages = await page.getByLabel("Language").locator("option").allInnerTexts();
    assert.ok(languages.includes("English") && !languages.includes("German"), languages.join(", "));
    assert.ok(await page.getByLabel("Seed", { exact: true }).isDisabled(), "Piper takes no seed");
    await page.getByText(/takes no seed/).waitFor();
    await page.getByLabel("Text").fill(SENTENCE);
    assert.match(await page.getByTestId("char-count").innerText(), new RegExp(`^${SENTENCE.length} /`));
    await page.getByLabel("Text").press("Control+Enter");
    const result = page.getByTestId("result").first();
    await result.waitFor();
    await page.locator('[data-testid="result"][data-status="completed"]').waitFor({ timeout: 180_000 });
    // The finished clip: one player in the card, no streamed copy left.
    await page.waitForFunction(() => document.querySelector('[data-testid="result"] .player')?.getAttribute("data-ready") === "true");
    assert.equal(await result.locator(".player").count(), 1);
    assert.equal(await page.locator('[data-live="true"]').count(), 0);
    const play = result.getByRole("button", { name: /^Play generation/ });
    if (await play.count()) await play.click();
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid="result"] .player [role="slider"]');
      return s && Number(s.getAttribute("aria-valuenow")) >= 1;
    }, undefined, { timeout: 10_000 });
    await shot("05-generated-playing");
    await result.getByRole("button", { name: /^Stop generation/ }).click();
    await result.getByRole("button", { name: /^Play generation/ }).waitFor();
    await assertNoInternals("preset voice");
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
    // The cloning model is not on this machine yet: the page says so and offers it.
    await page.getByTestId("model-needed").getByText(/^Voice cloning needs Qwen3-TTS 0\.6B \(≈ [\d.]+ GB\)$/).waitFor();
    await page.getByRole("button", { name: "Create voice" }).click();
    await page.getByRole("heading", { name: "Samples", exact: true }).waitFor();

    // Drag and drop a file that is not audio: the browser knows, says why, and Add is off.
    await page.getByTestId("dropzone").evaluate((zone) => {
      const dt = new DataTransfer();
      dt.items.add(new File(["this is not audio"], "notes.wav", { type: "audio/wav" }));
      zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.getByText("This file cannot be a sample").waitFor();
    await page.getByText(/“notes.wav” is not audio we can read\. Use a recording in wav/).waitFor();
    assert.ok(await page.getByRole("button", { name: "Add sample" }).isDisabled());
    await assertNoInternals("sample refused");
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

  test("the cloned voice's model is downloaded from the inline offer with progress, then the take is made and plays as one player", async () => {
    await nav("Generate");
    await page.getByLabel("Voice").selectOption({ label: "Sam" });
    await page.getByLabel("Text").fill(CLONE_TEXT);
    const offer = page.getByTestId("model-needed");
    await offer.getByText(/^Voice cloning needs Qwen3-TTS 0\.6B/).waitFor();
    // The engine menu lists the models that are not here yet, with their size.
    const engineOptions = await page.getByLabel("Engine and model").locator("option").allInnerTexts();
    assert.ok(engineOptions.some((o) => /not downloaded \([\d.]+ GB\)/.test(o)), engineOptions.join(" | "));
    await page.getByRole("form", { name: "Generate speech" }).getByRole("button", { name: "Generate", exact: true }).click();
    // The core answers 409 model_not_downloaded: the same offer, and the generation waits for it.
    await offer.getByText(/the generation then goes ahead/).waitFor();
    await assertNoInternals("model offer");
    await shot("08b-model-offer");
    await offer.getByRole("button", { name: "Download" }).click();
    const bar = page.getByRole("progressbar", { name: /^Downloading Qwen3-TTS 0\.6B/ });
    await bar.waitFor();
    await page.getByTestId("model-download").getByText("Time left").waitFor();
    // A picture once bytes flow (or the download is over already).
    await page.waitForFunction(() => {
      const b = document.querySelector('[data-testid="model-download"] [role="progressbar"]');
      return !b || Number(b.getAttribute("aria-valuenow") ?? 0) > 0;
    }, undefined, { timeout: 120_000 });
    await shot("08c-model-downloading");
    // Done: the request that needed the model goes ahead by itself.
    const result = page.getByTestId("result").first();
    await result.waitFor({ timeout: 300_000 });
    assert.match(await result.innerText(), /Sam/);

    // While the take is made: elapsed time and share of the text, then the streamed audio as one
    // player that plays by itself, pauses, stops back to the start and plays again.
    await result.getByText(/(Working|Waiting in the queue) · \d+:\d\d elapsed/).waitFor();
    const live = result.locator('[data-live="true"]');
    await live.waitFor({ timeout: 300_000 });
    await result.getByText(/about \d+ % of the text spoken/).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-live="true"]')?.getAttribute("data-playing") === "true");
    assert.ok(Number(await live.locator("canvas").getAttribute("data-peaks")) > 0, "the waveform grows as audio arrives");
    await shot("08d-take-streaming");
    const steps = await page.evaluate(async () => {
      // One pass in the page (the take may finish any moment on a fast machine); after each
      // click the page yields once so that React commits what the click changed.
      const player = () => document.querySelector('[data-live="true"]');
      const press = async (name) => {
        player()?.querySelector(`button[aria-label^="${name} "]`)?.click();
        await new Promise((r) => setTimeout(r, 0));
      };
      const state = () => player()?.getAttribute("data-playing") ?? "gone";
      await press("Pause");
      const paused = state();
      await press("Stop");
      const stopped = [state(), player()?.querySelector('[role="slider"]')?.getAttribute("aria-valuenow")];
      await press("Play");
      return { paused, stopped, playing: state() };
    });
    assert.deepEqual(steps, { paused: "false", stopped: ["false", "0"], playing: "true" });
    await page.locator('[data-testid="result"][data-status="completed"]').first().waitFor({ timeout: 300_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="result"] .player')?.getAttribute("data-ready") === "true");
    assert.equal(await result.locator(".player").count(), 1, "one player per take");
    assert.equal(await page.locator('[data-live="true"]').count(), 0, "the streamed copy stopped");
    assert.equal(await page.getByTestId("model-needed").count(), 0, "the model is here now");
    const models = await (await fetch(`${core.url}/models/tts`)).json();
    assert.equal(models.for_voice_type.cloned.downloaded, true);

    // The finished clip took over from the stream; it stops (back to the start), plays, pauses.
    await result.getByRole("button", { name: /^Stop generation/ }).click();
    await result.getByRole("button", { name: /^Play generation/ }).click();
    await result.getByRole("button", { name: /^Pause generation/ }).click();
    await result.getByRole("button", { name: /^Play generation/ }).waitFor();
    assert.equal(await result.locator(".player").getAttribute("data-playing"), "false");
    await shot("08e-clone-finished");
    await result.getByRole("button", { name: /^Stop generation/ }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="result"] .player [role="slider"]')?.getAttribute("aria-valuenow") === "0");
    assert.ok(await page.evaluate(() => window.__maxPlaying) <= 1, "two players never played at once");
    await assertNoInternals("clone take");
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

    // Every format the core encodes, from the row's download menu.
    await row.getByRole("button", { name: /^Download generation/ }).click();
    for (const [name, type] of [["WAV", "audio/wav"], ["MP3", "audio/mpeg"], ["FLAC", "audio/flac"], ["Opus", "audio/ogg"]]) {
      const link = row.getByRole("link", { name: new RegExp(`^${name}\\b`) });
      const res = await fetch(`${core.url}${await link.getAttribute("href")}`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get("content-type") ?? "", new RegExp(type.split("/")[1]), name);
      assert.ok((await res.arrayBuffer()).byteLength > 1000, name);
    }
    // (No audit of this picture: the open menu covers the rows beneath it on purpose.)
    await page.screenshot({ path: join(ARTIFACTS, "09b-history-formats.png") });
    await page.keyboard.press("Escape");

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
    await page.getByLabel("Voice").selectOption({ label: "Joe" });
    await page.getByLabel("Text").fill("Hello");
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Generate" }).focus();
    const seen = ["Generate"];
    for (let i = 0; i < 14; i++) {
      await page.keyboard.press("Tab");
      seen.push(await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return "";
        const id = el.getAttribute("id");
        const label = id ? document.querySelector(`label[for="${id}"]`)?.textContent : null;
        return (el.getAttribute("aria-label") ?? label ?? el.textContent ?? "").trim();
      }));
    }
    // Piper takes no seed: the seed controls are off, so the keyboard skips them.
    const screens = (await page.getByRole("navigation", { name: "Main" }).getByRole("button").allInnerTexts())
      .map((t) => t.trim()).filter((t) => !t.startsWith("Theme"));
    assert.deepEqual(screens.slice(0, 3), ["Generate", "Voices", "History"]);
    const want = [...screens, "Theme: system. Switch to light", "Text", "Voice", "Language", "Engine and model", "Variations", "Generate"];
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
