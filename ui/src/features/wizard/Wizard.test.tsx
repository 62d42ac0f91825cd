import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, json, renderWithClient, stubFetch } from "../../test/utils";
import Wizard, { ProviderPicker } from "./Wizard";

const MB = 1024 * 1024;
const overview = {
  active: "auto",
  active_resolved: "pytorch-cpu",
  auto_reason: "no NVIDIA GPU or Apple Silicon found",
  providers: [
    { id: "pytorch-cpu", state: "not_installed", installed: false, can_run: true, download_bytes: 300 * MB },
    { id: "pytorch-cuda", state: "not_installed", installed: false, can_run: false, reason: "no NVIDIA GPU found", download_bytes: 2500 * MB },
    { id: "mlx", state: "not_installed", installed: false, can_run: false, reason: "MLX runs only on Apple Silicon" },
  ],
  remote: { configured: false, url: null, state: "stopped", error: null },
  openai: { key_set: false, base_url: null, state: "stopped", error: null },
};

function sse(events: [string, unknown][]): Response {
  const body = events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join("");
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      const bytes = new TextEncoder().encode(body);
      c.enqueue(bytes.slice(0, 40)); // split mid-event on purpose
      c.enqueue(bytes.slice(40));
      c.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream" } });
}

describe("ProviderPicker", () => {
  it("shows sizes and what this machine can run, with the reason", async () => {
    stubFetch({ "GET /providers/list": () => overview });
    renderWithClient(<ProviderPicker />);
    const cuda = await screen.findByRole("radio", { name: /^PyTorch CUDA/ });
    await waitFor(() => expect(cuda).toBeDisabled());
    expect(within(cuda).getByText("Can't run here: no NVIDIA GPU found")).toBeInTheDocument();
    expect(within(cuda).getByText("2.4 GB download")).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /^MLX/ })).toBeDisabled();
    const cpu = screen.getByRole("radio", { name: /^PyTorch CPU/ });
    expect(cpu).toBeEnabled();
    expect(within(cpu).getByText("300 MB download")).toBeInTheDocument();
    expect(within(screen.getByRole("radio", { name: /^Auto/ })).getByText(/Picks pytorch-cpu: no NVIDIA GPU/)).toBeInTheDocument();
  });

  it("says what each choice brings: its engines, what each is for, languages and size", async () => {
    stubFetch({ "GET /providers/list": () => overview });
    renderWithClient(<ProviderPicker />);
    const cpu = await screen.findByRole("radio", { name: /^PyTorch CPU/ });
    expect(within(cpu).getByText("Engines: Piper, Qwen3-TTS, Kokoro, Pocket TTS")).toBeInTheDocument();
    expect(within(screen.getByRole("radio", { name: /^MLX/ })).getByText("Engines: Qwen3-TTS (MLX), Piper")).toBeInTheDocument();
    // Auto stands for pytorch-cpu on this machine: the guide lists what that brings.
    const guide = await screen.findByRole("list", { name: "Engines of Auto" });
    const kokoro = within(guide).getByText("Kokoro").closest("li")!;
    expect(kokoro).toHaveTextContent("54 preset voices, small and fast on an ordinary CPU; no cloning.");
    expect(kokoro).toHaveTextContent("English, British English, Spanish + 6 more · 120 to 350 MB");
    expect(within(guide).getByText("Pocket TTS").closest("li")).toHaveTextContent("Voice cloning faster than real time on an ordinary CPU");
    expect(within(guide).getByText("Piper").closest("li")).toHaveTextContent("English · 63 MB, included");
    await userEvent.click(screen.getByRole("radio", { name: /^Remote server/ }));
    expect(screen.getByTestId("engine-guide")).toHaveTextContent("The engines are those of the server you connect to");
    await userEvent.click(screen.getByRole("radio", { name: /^OpenAI/ }));
    expect(screen.getByRole("list", { name: "Engines of OpenAI" })).toHaveTextContent("no cloning; text leaves this machine");
  });

  it("installs with live progress, selects and starts the provider, then shows ready", async () => {
    const api = stubFetch({
      "GET /providers/list": () => overview,
      "POST /providers/{id}/install": () => sse([
        ["progress", { provider: "pytorch-cpu", state: "downloading", step: "downloading", done: 100 * MB, total: 300 * MB, speed: 50 * MB }],
        ["progress", { provider: "pytorch-cpu", state: "verifying", step: "verifying", done: 300 * MB, total: 300 * MB, speed: 50 * MB }],
        ["done", { provider: "pytorch-cpu", version: "1.0.0", engines: ["piper"] }],
      ]),
      "PUT /providers/selection": () => ({ active: "pytorch-cpu" }),
      "POST /providers/{id}/start": () => ({ provider: "pytorch-cpu", state: "ready" }),
    });
    const onFinished = vi.fn();
    renderWithClient(<ProviderPicker onFinished={onFinished} />);
    await userEvent.click(await screen.findByRole("radio", { name: /^PyTorch CPU/ }));
    await userEvent.click(screen.getByRole("button", { name: "Install PyTorch CPU" }));
    expect(await screen.findByRole("heading", { name: "pytorch-cpu is running and ready" })).toBeInTheDocument();
    expect(api.called("POST", "/providers/pytorch-cpu/install")).toHaveLength(1);
    expect(api.called("PUT", "/providers/selection")[0]?.body).toEqual({ provider: "pytorch-cpu" });
    expect(api.called("POST", "/providers/pytorch-cpu/start")).toHaveLength(1);
    await userEvent.click(screen.getByRole("button", { name: "Start using Voicebox" }));
    expect(onFinished).toHaveBeenCalled();
  });

  it("shows the install's error and goes back to the choice", async () => {
    stubFetch({
      "GET /providers/list": () => overview,
      "POST /providers/{id}/install": () => sse([["error", { provider: "pytorch-cpu", code: "checksum", message: "sha256 mismatch: the download is corrupt" }]]),
    });
    renderWithClient(<ProviderPicker />);
    await userEvent.click(await screen.findByRole("radio", { name: /^PyTorch CPU/ }));
    await userEvent.click(screen.getByRole("button", { name: "Install PyTorch CPU" }));
    expect(await screen.findByText("sha256 mismatch: the download is corrupt")).toBeInTheDocument();
    expect(screen.getByRole("radiogroup", { name: "Speech provider" })).toBeInTheDocument();
  });

  it("in a source checkout, uses PyTorch CPU without a download and starts it", async () => {
    const source = {
      active: "auto", active_resolved: "pytorch-cpu", auto_reason: "no provider is installed: running pytorch-cpu from the source",
      providers: [{ id: "pytorch-cpu", state: "installed", installed: false, source: true, can_run: true, reason: "runs from the source checkout (nothing to download)" }],
      support: {
        "pytorch-cpu": { can_run: true, reason: "runs on any CPU" },
        "pytorch-cuda": { can_run: false, reason: "needs an NVIDIA GPU with its driver installed (nvidia-smi not found)" },
        mlx: { can_run: false, reason: "needs a Mac with Apple Silicon (M1 or later); this machine is linux/x86_64" },
      },
      remote: overview.remote, openai: overview.openai,
    };
    const api = stubFetch({
      "GET /providers/list": () => source,
      "PUT /providers/selection": () => ({ active: "pytorch-cpu" }),
      "POST /providers/{id}/start": () => ({ provider: "pytorch-cpu", state: "ready" }),
    });
    renderWithClient(<ProviderPicker />);
    const cuda = await screen.findByRole("radio", { name: /^PyTorch CUDA/ });
    await waitFor(() => expect(cuda).toBeDisabled());
    expect(within(cuda).getByText(/Can't run here: needs an NVIDIA GPU/)).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: /^MLX/ })).toBeDisabled();
    const cpu = screen.getByRole("radio", { name: /^PyTorch CPU/ });
    expect(within(cpu).getByText("No download")).toBeInTheDocument();
    expect(within(cpu).getByText("Ready")).toBeInTheDocument();
    // Each card says "No download" once, and never "Installed" beside "no provider is installed".
    for (const card of screen.getAllByRole("radio")) {
      expect(within(card).queryAllByText(/no download|nothing to download/i).length).toBeLessThanOrEqual(1);
      expect(card.textContent?.includes("Installed") && /not installed|no provider is installed/i.test(card.textContent)).toBe(false);
    }
    expect(within(screen.getByRole("radio", { name: /^Auto/ })).getByText("Picks pytorch-cpu: runs from the source checkout")).toBeInTheDocument();
    await userEvent.click(cpu);
    await userEvent.click(screen.getByRole("button", { name: "Use PyTorch CPU" }));
    expect(await screen.findByRole("heading", { name: "pytorch-cpu is running and ready" })).toBeInTheDocument();
    expect(api.called("POST", "/providers/pytorch-cpu/install")).toHaveLength(0);
    expect(api.called("PUT", "/providers/selection")[0]?.body).toEqual({ provider: "pytorch-cpu" });
    expect(api.called("POST", "/providers/pytorch-cpu/start")).toHaveLength(1);
  });

  it("masks the OpenAI key and tests a remote server's connection", async () => {
    const api = stubFetch({
      "GET /providers/list": () => overview,
      "PUT /providers/remote": () => json({ saved: true }),
      "POST /providers/remote/test": () => coreError(401, "the remote provider refused the token; check it", null, "unauthorized"),
    });
    renderWithClient(<ProviderPicker />);
    await userEvent.click(await screen.findByRole("radio", { name: /^OpenAI/ }));
    const key = screen.getByLabelText("OpenAI API key");
    expect(key).toHaveAttribute("type", "password");
    await userEvent.click(screen.getByRole("button", { name: "Show" }));
    expect(key).toHaveAttribute("type", "text");

    await userEvent.click(screen.getByRole("radio", { name: /^Remote server/ }));
    await userEvent.type(screen.getByLabelText("Server URL"), "https://gpu.example:8100");
    await userEvent.type(screen.getByLabelText("Access token"), "secret");
    await userEvent.click(screen.getByRole("button", { name: "Test connection" }));
    expect(await screen.findByText("the remote provider refused the token; check it")).toBeInTheDocument();
    expect(api.called("PUT", "/providers/remote")[0]?.body).toEqual({ url: "https://gpu.example:8100", token: "secret" });
  });
});

describe("Wizard", () => {
  it("offers Skip only until a provider is ready, and marks itself seen when left", async () => {
    const api = stubFetch({
      "GET /providers/list": () => overview,
      "POST /providers/{id}/install": () => sse([["done", { provider: "pytorch-cpu", version: "1.0.0", engines: ["piper", "qwen"] }]]),
      "PUT /providers/selection": () => ({ active: "pytorch-cpu" }),
      "POST /providers/{id}/start": () => ({ provider: "pytorch-cpu", state: "ready" }),
      "POST /settings/first-run": () => ({ wizard_seen: true }),
    });
    renderWithClient(<Wizard />);
    expect(await screen.findByRole("button", { name: "Skip for now" })).toBeInTheDocument();
    await userEvent.click(await screen.findByRole("radio", { name: /^PyTorch CPU/ }));
    await userEvent.click(screen.getByRole("button", { name: "Install PyTorch CPU" }));
    await screen.findByRole("heading", { name: "pytorch-cpu is running and ready" });
    expect(screen.queryByRole("button", { name: "Skip for now" })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Start using Voicebox" }));
    await waitFor(() => expect(api.called("POST", "/settings/first-run")).toHaveLength(1));
  });
});
