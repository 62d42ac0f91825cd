// Helpers for the browser end-to-end tests: Debian's chromium driven by playwright-core,
// and a real Voicebox core started on a free port with a temporary data folder.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(REPO, "test-artifacts", "e2e");
const require = createRequire(join(REPO, "ui", "package.json"));
const { chromium } = require("playwright-core");

export const CHROMIUM = process.env.VOICEBOX_CHROMIUM ?? "/usr/bin/chromium";

export async function launchBrowser() {
  // playwright-core gives every launch a fresh, empty --user-data-dir of its own (it refuses
  // one passed in args), which it removes on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      // Let the test's fake microphone stand in for a real one.
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    ],
  });
  const close = async () => {
    await browser.close().catch(() => {});
  };
  return { browser, close };
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

const PYTHON = process.env.VOICEBOX_PYTHON ?? join(REPO, process.env.VENV ?? ".venv", "bin", "python");

/** Start `python -m tests.e2e.qwen_hub`: tiny random-weight Qwen3-TTS models served like the
 * Hugging Face hub on 127.0.0.1 (`delayS` per 256 KiB makes download progress visible).
 * Resolves with its URL once it prints it; `stop()` closes its stdin and waits for it. */
export async function startQwenHub({ delayS = 0, timeoutMs = 180_000 } = {}) {
  const child = spawn(PYTHON, ["-m", "tests.e2e.qwen_hub", "--port", "0", "--delay-s", String(delayS)], {
    cwd: REPO,
    env: { ...process.env, PYTHONUNBUFFERED: "1" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const url = await new Promise((res, rej) => {
    let out = "";
    const timer = setTimeout(() => rej(new Error(`the Qwen hub did not start in ${timeoutMs} ms:\n${err.slice(-3000)}`)), timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearTimeout(timer);
        res(JSON.parse(line).url);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`the Qwen hub exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.stdin.end();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { url, stop };
}

/** Start `voicebox serve` (the real core, which spawns the real provider on demand) with a fresh
 * data folder; `env` is added to its environment (the provider inherits it). */
export async function startCore({ timeoutMs = 60_000, env = {} } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "voicebox-e2e-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  const port = await freePort();
  const child = spawn(PYTHON, ["-m", "core.cli", "serve", "--port", String(port), "--data-dir", dataDir], {
    cwd: REPO,
    env: { ...process.env, ...env, VOICEBOX_DATA_DIR: dataDir, VOICEBOX_UI_DIR: join(REPO, "ui", "dist"), PYTHONUNBUFFERED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const url = `http://127.0.0.1:${port}`;
  const t0 = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`core exited with ${child.exitCode}:\n${log.slice(-4000)}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`core did not become healthy in ${timeoutMs} ms:\n${log.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  const stop = async () => {
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const deadline = Date.now() + 10_000;
      while (child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, port, dataDir, stop, log: () => log };
}

const AXE = require.resolve("axe-core/axe.min.js");

/** Run axe-core (WCAG 2 A/AA rules) on the page; return the serious and critical violations. */
export async function audit(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}
