// Stories in the browser: a two-voice dialogue from a pasted script, a clip moved and trimmed
// on the timeline, every edit undone and redone, a story renamed and duplicated, playback of the
// mix, an MP3 + SRT export with its progress bar, and the frame time of a 100-clip timeline. The core runs for real
// and speaks through a real Piper provider process; screenshots go to test-artifacts/e2e.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ARTIFACTS, REPO, audit, launchBrowser, startCore } from "./browser.mjs";

const PYTHON = process.env.VOICEBOX_PYTHON ?? join(REPO, process.env.VENV ?? ".venv", "bin", "python");
const SCRIPT = "Alice: Good morning, Bob.\nBob: Morning. Coffee?\n[pause 1s]\nAlice: Yes please, with milk.\nBob: Coming right up.";

/** The Piper provider as its own process (the launch handshake: one JSON line with its port). */
async function startPiper() {
  const dataDir = mkdtempSync(join(tmpdir(), "voicebox-e2e-piper-"));
  const token = randomBytes(16).toString("hex");
  const child = spawn(PYTHON, ["-m", "providers.pytorch_cpu", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir, "--parent-pid", String(process.pid)], {
    cwd: REPO,
    env: { ...process.env, VOICEBOX_PROVIDER_TOKEN: token, PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const port = await new Promise((res, rej) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.includes('"listening"'));
      if (line) res(JSON.parse(line).port);
    });
    child.once("exit", (code) => rej(new Error(`the provider exited with ${code}:\n${err.slice(-3000)}`)));
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url: `http://127.0.0.1:${port}`, token, stop };
}

let piper;
let core;
let closeBrowser;
let page;
const pageErrors = [];
const a11y = [];

const json = async (path, init = {}) => {
  const r = await fetch(`${core.url}${path}`, { ...init, headers: { "content-type": "application/json", ...(init.headers ?? {}) } });
  assert.ok(r.ok, `${path}: ${r.status} ${await r.clone().text()}`);
  return r.status === 204 ? null : r.json();
};
const shot = async (name) => {
  await page.screenshot({ path: join(ARTIFACTS, `stories-${name}.png`) });
  for (const v of await audit(page)) a11y.push(`${name}: ${v}`);
};
/** Poll the core (not a fixed sleep) until `check(story)` holds. */
async function storyWhere(id, check, what, timeoutMs = 120_000) {
  const t0 = Date.now();
  for (;;) {
    const story = await json(`/stories/${id}`);
    if (check(story)) return story;
    assert.ok(Date.now() - t0 < timeoutMs, `timed out waiting for ${what}: ${JSON.stringify(story).slice(0, 800)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("Stories in the browser", { timeout: 600_000 }, () => {
  before(async () => {
    assert.ok(existsSync(join(REPO, "ui", "dist", "index.html")), "ui/dist is missing: run `npm run build` in ui/ first");
    piper = await startPiper();
    core = await startCore({ env: { VOICEBOX_PROVIDER_URL: piper.url, VOICEBOX_PROVIDER_TOKEN: piper.token } });
    await json("/settings/first-run", { method: "POST", body: JSON.stringify({ wizard_seen: true }) });
    for (const name of ["Ann", "Ben"]) {
      await json("/profiles", { method: "POST", body: JSON.stringify({ name, voice_type: "preset", preset_engine: "piper", preset_voice: "joe" }) });
    }
    let browser;
    ({ browser, close: closeBrowser } = await launchBrowser());
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on("pageerror", (e) => pageErrors.push(e.stack ?? e.message));
  });

  after(async () => {
    await closeBrowser?.();
    await core?.stop();
    await piper?.stop();
  });

  let storyId;

  test("a pasted two-person script becomes a story of clips on two tracks", async () => {
    await page.goto(`${core.url}/app/stories`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Stories" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("Morning");
    await page.getByLabel(/^Script/).fill(SCRIPT);
    await page.getByLabel("Voice for Alice").selectOption({ label: "Ann" });
    await page.getByLabel("Voice for Bob").selectOption({ label: "Ben" });
    await page.getByLabel(/Pause between turns/).fill("0.5");
    await shot("script");
    await page.getByRole("button", { name: "Create story" }).click();
    await page.getByRole("heading", { name: "Morning" }).waitFor();
    const [listed] = await json("/stories");
    storyId = listed.id;
    const story = await storyWhere(storyId, (s) => s.clips.length === 4 && s.clips.every((c) => c.status === "completed") && Math.max(...s.clips.map((c) => c.start)) > 0, "the lines to be spoken and laid out");
    assert.deepEqual(story.tracks.map((t) => t.name), ["Alice", "Bob"]);
    await page.locator('[data-testid="clip"]').nth(3).waitFor();
    await page.waitForFunction(() => document.querySelectorAll(".story-wave").length === 4 && [...document.querySelectorAll(".story-wave")].every((w) => w.shadowRoot || w.children.length));
    assert.equal(await page.locator('[data-testid="track"]').count(), 2);
    await shot("timeline");
  });

  test("a clip moves and trims by dragging, and undo puts the trim back", async () => {
    const before = await json(`/stories/${storyId}`);
    const target = [...before.clips].sort((a, b) => a.start - b.start)[1];
    const clip = page.locator(`[data-clip-id="${target.id}"]`);
    const box = await clip.boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2, { steps: 6 });
    await page.mouse.move(box.x + box.width / 2 + 120, box.y + box.height / 2, { steps: 6 });
    await page.mouse.up();
    const moved = await storyWhere(storyId, (s) => s.clips.find((c) => c.id === target.id).start > target.start + 1, "the clip to move");
    const movedClip = moved.clips.find((c) => c.id === target.id);
    assert.ok(Math.abs(movedClip.start - (target.start + 1.5)) < 0.2, `moved to ${movedClip.start} from ${target.start}`);

    // The dropped clip stays where it was dropped (no snap back while the edit is saved).
    assert.ok(Math.abs(Number(await clip.getAttribute("data-start")) - movedClip.start) < 0.2);
    await page.waitForFunction(
      ([id, start]) => Number(document.querySelector(`[data-clip-id="${id}"]`).dataset.start) === start,
      [target.id, movedClip.start],
    );
    const handle = clip.locator('[data-testid="trim-end"]');
    const hb = await handle.boundingBox();
    await page.mouse.move(hb.x + hb.width / 2, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x - 40, hb.y + hb.height / 2, { steps: 8 });
    await page.mouse.up();
    const trimmed = await storyWhere(storyId, (s) => s.clips.find((c) => c.id === target.id).trim_end > movedClip.trim_end + 0.3, "the trim");
    const trimmedClip = trimmed.clips.find((c) => c.id === target.id);
    assert.ok(Math.abs(trimmedClip.trim_end - movedClip.trim_end - 0.5) < 0.1, `trim_end ${trimmedClip.trim_end}`);
    await shot("moved-and-trimmed");

    await page.locator(".story-ruler").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("Control+z");
    await storyWhere(storyId, (s) => Math.abs(s.clips.find((c) => c.id === target.id).trim_end - movedClip.trim_end) < 1e-6, "undo of the trim");
    assert.equal(pageErrors.length, 0, pageErrors.join("\n"));
  });

  test("a clip's gain is set in the inspector, and undone", async () => {
    const story = await json(`/stories/${storyId}`);
    const first = [...story.clips].sort((a, b) => a.start - b.start)[0];
    const box = await page.locator(`[data-clip-id="${first.id}"]`).boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + 10);
    await page.getByLabel("Gain (dB)").fill("-6");
    await page.getByLabel("Gain (dB)").blur();
    await storyWhere(storyId, (s) => s.clips.find((c) => c.id === first.id).gain_db === -6, "the gain");
    await shot("inspector");
    await page.locator(".story-ruler").click({ position: { x: 2, y: 5 } });
    await page.keyboard.press("Control+z");
    await storyWhere(storyId, (s) => s.clips.find((c) => c.id === first.id).gain_db === 0, "undo of the gain");
  });

  test("the selected clip's words are listed, clicking one moves the playhead there, and a word is re-taken", async () => {
    const story = await json(`/stories/${storyId}`);
    const last = [...story.clips].sort((a, b) => a.start - b.start)[3];
    const words = await json(`/stories/${storyId}/clips/${last.id}/words`);
    assert.deepEqual(words.map((w) => w.word), ["Coming", "right", "up."]);
    const box = await page.locator(`[data-clip-id="${last.id}"]`).boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + 10);
    const up = page.getByTestId("word").filter({ hasText: "up." });
    await up.click();
    const expected = last.start - last.trim_start + Math.max(words[2].start, last.trim_start);
    await page.waitForFunction((t) => Math.abs(parseFloat(document.querySelector('[data-testid="playhead"]').textContent) - t) < 0.01, expected);
    await page.waitForFunction(() => document.querySelector('.story-word[aria-current="true"]')?.textContent === "up.");
    await shot("transcript");
    // Re-take the word "right": its sentence is spoken again, a new version the clip plays.
    await page.getByTestId("word").filter({ hasText: "right" }).click();
    await page.getByRole("button", { name: "Re-take the selected words" }).click();
    const refused = page.locator(".story-transcript [role=alert]");
    await Promise.race([
      storyWhere(storyId, (s) => s.clips.find((c) => c.id === last.id).version === 2, "the re-take"),
      refused.waitFor({ timeout: 120_000 }).then(async () => assert.fail(`re-take refused: ${await refused.innerText()}\n${core.log().slice(-4000)}`)),
    ]);
    await page.getByRole("button", { name: "Re-take the selected words" }).waitFor();
    await page.locator(".story-ruler").click({ position: { x: 2, y: 5 } });
  });

  test("the mix plays from the playhead with a moving cursor, and frames stay smooth", async () => {
    await page.getByRole("button", { name: "Play from the playhead" }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="mix"]').currentTime > 0.5, undefined, { timeout: 60_000 });
    const frames = await page.evaluate(
      () =>
        new Promise((res) => {
          const times = [];
          const tick = (t) => {
            times.push(t);
            if (times.length < 90) requestAnimationFrame(tick);
            else res(times.slice(1).map((v, i) => v - times[i]));
          };
          requestAnimationFrame(tick);
        }),
    );
    const cursor = await page.locator('[data-testid="cursor"]').evaluate((el) => parseFloat(el.style.left));
    assert.ok(cursor > 0, `cursor at ${cursor}`);
    const mean = frames.reduce((a, b) => a + b, 0) / frames.length;
    console.log(`# timeline frame time while playing (${(await page.locator('[data-testid="clip"]').count())} clips): mean ${mean.toFixed(1)} ms, worst ${Math.max(...frames).toFixed(1)} ms`);
    await shot("playing");
    await page.getByRole("button", { name: "Pause" }).click();
  });

  test("a take joins the latest story from History in one click", async () => {
    const before = await json(`/stories/${storyId}`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "History" }).click();
    const [gen] = (await json("/history?limit=1")).items;
    await page.getByRole("button", { name: `Add generation ${gen.id} to a story` }).click();
    const after = await storyWhere(storyId, (s) => s.clips.length === before.clips.length + 1, "the added clip");
    const added = after.clips.find((c) => !before.clips.some((b) => b.id === c.id));
    const end = Math.max(...before.clips.map((c) => c.start + c.duration - c.trim_start - c.trim_end));
    assert.equal(added.generation_id, gen.id);
    assert.ok(Math.abs(added.start - (end + 0.3)) < 1e-6, `added at ${added.start}, story ended at ${end}`);
    await page.screenshot({ path: join(ARTIFACTS, "stories-history-add.png") }); // History's own audit is app.e2e's
    await page.getByRole("navigation", { name: "Main" }).getByRole("button", { name: "Stories" }).click();
    await page.getByRole("button", { name: "Morning", exact: true }).click();
    await page.getByRole("heading", { name: "Morning" }).waitFor();
    await page.locator('[data-testid="clip"]').nth(before.clips.length).waitFor();
  });


  test("split, delete, duplicate and a track's mute are undone and redone from the keyboard", async () => {
    const clipCount = async () => (await json(`/stories/${storyId}`)).clips.length;
    const before = await json(`/stories/${storyId}`);
    const n = before.clips.length;
    const first = [...before.clips].sort((a, b) => a.start - b.start)[0];
    const fields = (c) => ({ track_id: c.track_id, generation_id: c.generation_id, version: c.version, start: c.start, trim_start: c.trim_start, trim_end: c.trim_end, gain_db: c.gain_db, fade_in: c.fade_in, fade_out: c.fade_out, muted: c.muted });
    const clipBox = async (id) => page.locator(`[data-clip-id="${id}"]`).boundingBox();
    // Split: select the first clip, put the playhead in its middle, press S.
    let box = await clipBox(first.id);
    await page.mouse.click(box.x + box.width / 2, box.y + 10);
    const ruler = await page.locator(".story-ruler").boundingBox();
    await page.mouse.click(box.x + box.width / 2, ruler.y + ruler.height / 2);
    await page.keyboard.press("s");
    await storyWhere(storyId, (s) => s.clips.length === n + 1, "the split");
    await shot("split");
    await page.keyboard.press("Control+z");
    // Undo deletes the second half, then gives the first its trim back: wait for both.
    const unsplit = await storyWhere(storyId, (s) => s.clips.length === n && s.clips.find((c) => c.id === first.id).trim_end === first.trim_end, "undo of the split");
    assert.deepEqual(fields(unsplit.clips.find((c) => c.id === first.id)), fields(first));
    await page.keyboard.press("Shift+Control+z");
    await storyWhere(storyId, (s) => s.clips.length === n + 1, "redo of the split");
    await page.keyboard.press("Control+z");
    await storyWhere(storyId, (s) => s.clips.length === n && s.clips.find((c) => c.id === first.id).trim_end === first.trim_end, "undo of the redone split");
    // Delete: the clip goes, and undo makes it again with the same fields.
    box = await clipBox(first.id);
    await page.mouse.click(box.x + box.width / 2, box.y + 10);
    await page.keyboard.press("Delete");
    await storyWhere(storyId, (s) => !s.clips.some((c) => c.id === first.id), "the delete");
    await page.keyboard.press("Control+z");
    const back = await storyWhere(storyId, (s) => s.clips.length === n && s.clips.some((c) => c.trim_start === first.trim_start && c.start === first.start && c.id !== first.id), "undo of the delete");
    const remade = back.clips.find((c) => !before.clips.some((b) => b.id === c.id));
    assert.deepEqual(fields(remade), fields(first));
    // Duplicate from the inspector, undone and redone.
    box = await clipBox(remade.id);
    await page.mouse.click(box.x + box.width / 2, box.y + 10);
    await page.getByRole("group", { name: "Selected clip" }).getByRole("button", { name: "Duplicate" }).click();
    await storyWhere(storyId, (s) => s.clips.length === n + 1, "the duplicate");
    await page.keyboard.press("Control+z");
    await storyWhere(storyId, (s) => s.clips.length === n, "undo of the duplicate");
    await page.getByRole("button", { name: "Redo" }).click();
    await storyWhere(storyId, (s) => s.clips.length === n + 1, "redo of the duplicate");
    await page.getByRole("button", { name: "Undo" }).click();
    assert.equal((await storyWhere(storyId, (s) => s.clips.length === n, "undo again")).clips.length, await clipCount());
    // A track's mute.
    await page.getByTestId("track").first().getByRole("button", { name: "Mute" }).click();
    await storyWhere(storyId, (s) => s.tracks[0].muted, "the track mute");
    await page.keyboard.press("Control+z");
    await storyWhere(storyId, (s) => !s.tracks[0].muted, "undo of the track mute");
    assert.equal(pageErrors.length, 0, pageErrors.join("\n"));
  });

  test("a story is renamed and duplicated from its title bar", async () => {
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Story name").fill("Morning show");
    await shot("rename");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("heading", { name: "Morning show" }).waitFor();
    assert.equal((await json(`/stories/${storyId}`)).name, "Morning show");
    await page.getByRole("button", { name: "Duplicate", exact: true }).first().click();
    await page.getByRole("heading", { name: "Morning show (copy)" }).waitFor();
    const all = await json("/stories");
    const copy = all.find((s) => s.name === "Morning show (copy)");
    assert.ok(copy && copy.id !== storyId, JSON.stringify(all));
    assert.equal((await json(`/stories/${copy.id}`)).clips.length, (await json(`/stories/${storyId}`)).clips.length);
    await page.getByRole("button", { name: "Morning show", exact: true }).click();
    await page.getByRole("heading", { name: "Morning show" }).waitFor();
  });

  test("the story exports as MP3 with a progress bar, and SRT captions", async () => {
    await page.evaluate(() => {
      window.__progress = { shown: false, max: 0 };
      new MutationObserver(() => {
        const bar = document.querySelector('[data-testid="render-progress"]');
        if (bar) {
          window.__progress.shown = true;
          window.__progress.max = Math.max(window.__progress.max, Number(bar.getAttribute("aria-valuenow")));
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    const [mp3] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export audio" }).click()]);
    const progress = await page.evaluate(() => window.__progress);
    assert.ok(progress.shown, "no progress bar while rendering");
    console.log(`# export progress bar shown, highest value seen ${progress.max}%`);
    const mp3Path = join(ARTIFACTS, "stories-export.mp3");
    await mp3.saveAs(mp3Path);
    const bytes = readFileSync(mp3Path);
    assert.ok(bytes.length > 10_000, `mp3 of ${bytes.length} bytes`);
    assert.ok(bytes.subarray(0, 3).toString() === "ID3" || (bytes[0] === 0xff && (bytes[1] & 0xe0) === 0xe0), "not an MP3");
    const [srt] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Captions (SRT)" }).click()]);
    const srtPath = join(ARTIFACTS, "stories-export.srt");
    await srt.saveAs(srtPath);
    const text = readFileSync(srtPath, "utf8");
    assert.match(text, /^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
    for (const words of ["Good morning", "Coffee", "with milk", "Coming right up"]) assert.ok(text.includes(words) || text.replace(/\n\d+\n[^\n]+\n/g, " ").includes(words), `${words} missing from:\n${text}`);
    assert.deepEqual(a11y, [], a11y.join("\n"));
  });

  test("the timeline's frame time while playing a story of 100 clips is printed", async () => {
    const source = await json(`/stories/${storyId}`);
    const gens = [...new Set(source.clips.map((c) => c.generation_id).filter((g) => g !== null))];
    const big = await json("/stories", { method: "POST", body: JSON.stringify({ name: "Hundred" }) });
    const tracks = [];
    for (const name of ["A", "B", "C", "D"]) tracks.push(await json(`/stories/${big.id}/tracks`, { method: "POST", body: JSON.stringify({ name }) }));
    for (let i = 0; i < 100; i++) {
      const body = { track_id: tracks[i % 4].id, generation_id: gens[i % gens.length], start: i * 0.4, trim_end: 0.2 };
      await json(`/stories/${big.id}/clips`, { method: "POST", body: JSON.stringify(body) });
    }
    await page.reload();
    await page.getByRole("button", { name: "Hundred", exact: true }).click();
    await page.locator('[data-testid="clip"]').nth(99).waitFor();
    await page.locator(".story-ruler").click({ position: { x: 2, y: 5 } });
    await page.getByRole("button", { name: "Play from the playhead" }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="mix"]').currentTime > 0.2, undefined, { timeout: 60_000 });
    const frames = await page.evaluate(
      () =>
        new Promise((res) => {
          const times = [];
          const tick = (t) => {
            times.push(t);
            if (t - times[0] < 4000) requestAnimationFrame(tick);
            else res(times.slice(1).map((v, i) => v - times[i]));
          };
          requestAnimationFrame(tick);
        }),
    );
    const clips = await page.locator('[data-testid="clip"]').count();
    assert.equal(clips, 100);
    const mean = frames.reduce((a, b) => a + b, 0) / frames.length;
    const over50 = frames.filter((f) => f > 50).length;
    console.log(`# timeline frame time while playing ${clips} clips over ${frames.length} frames: mean ${mean.toFixed(1)} ms (${(1000 / mean).toFixed(0)} fps), worst ${Math.max(...frames).toFixed(1)} ms, ${over50} frames over 50 ms`);
    await shot("hundred-clips");
    await page.getByRole("button", { name: "Pause" }).click();
    assert.deepEqual(a11y, [], a11y.join("\n"));
    assert.equal(pageErrors.length, 0, pageErrors.join("\n"));
  });
});
