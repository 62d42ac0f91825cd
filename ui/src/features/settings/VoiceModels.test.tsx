import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { TtsModel, TtsModelList } from "../../api/types";
import { coreError, renderWithClient, stubFetch } from "../../test/utils";
import { VoiceModels } from "./VoiceModels";

const MB = 1024 * 1024;

function model(size: string, extra: Partial<TtsModel> = {}): TtsModel {
  return { model_size: size, display_name: `Qwen3-TTS ${size}`, size_mb: 2520, languages: ["en", "zh"],
    availability: "downloadable", downloaded: false, loaded: false, downloading: false, capabilities: { clone: true }, local_dir: null, speed: null, ...extra };
}

function fakeCore(streams: Record<string, () => Response> = {}) {
  let qwen = [model("0.6B", { downloaded: true, loaded: true, speed: { rtf: 2.5, takes: 7 } }), model("1.7B", { size_mb: 4540 }), model("1.7B-VoiceDesign")];
  const list = (): TtsModelList => ({
    provider: "pytorch-cpu",
    for_voice_type: { cloned: null, designed: null, preset: null },
    unavailable: { cloned: null, designed: null, preset: null },
    engines: [
      { provider: "pytorch-cpu", provider_kind: "local", name: "piper", display_name: "Piper", description: "", default_model_size: "medium",
        models: [model("medium", { display_name: "Piper Joe", size_mb: 63, availability: "packaged", downloaded: true, languages: ["en"], speed: { rtf: 0.05, takes: 1 } })] },
      { provider: "pytorch-cpu", provider_kind: "local", name: "qwen", display_name: "Qwen3-TTS", default_model_size: "0.6B", models: qwen,
        description: "Voice cloning in ten languages; best quality, slow without a GPU." },
    ],
  });
  return stubFetch({
    "GET /models/tts": list,
    "DELETE /models/tts/{engine}/{size}": (c) => {
      const size = decodeURIComponent(c.path.split("/").pop()!);
      qwen = qwen.map((m) => (m.model_size === size ? { ...m, downloaded: false, loaded: false } : m));
      return { engine: "qwen", model_size: size, deleted: true, unloaded: true, downloaded: false, message: "deleted" };
    },
    "POST /models/tts/{engine}/{size}/download": (c) => {
      const size = decodeURIComponent(c.path.split("/")[4]!);
      const make = streams[size];
      if (!make) return coreError(503, `the speech provider said: model Qwen/Qwen3-TTS-12Hz-${size} is not on this machine and cannot be downloaded`, null, "model_unavailable");
      if (size === "1.7B") qwen = qwen.map((m) => (m.model_size === size ? { ...m, downloaded: true } : m));
      return make();
    },
    "POST /models/tts/{engine}/{size}/cancel": (c) => ({ engine: "qwen", model_size: decodeURIComponent(c.path.split("/")[4]!), cancelled: true }),
  });
}

const sse = (events: [string, unknown][], keepOpen = false) => () =>
  new Response(new ReadableStream({
    start: (c) => {
      for (const [event, data] of events) c.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      if (!keepOpen) c.close();
    },
  }), { headers: { "content-type": "text/event-stream" } });

const rowOf = (key: string) => screen.getAllByTestId("voice-model-row").find((r) => r.getAttribute("data-key") === key)!;

describe("VoiceModels", () => {
  it("says what each engine is for, and each model's languages by name and its speed here", async () => {
    fakeCore();
    renderWithClient(<VoiceModels />);
    const qwen = await screen.findByRole("table", { name: "Qwen3-TTS models" });
    expect(screen.getByTestId("engine-description")).toHaveTextContent("Qwen3-TTS: Voice cloning in ten languages; best quality, slow without a GPU.");
    expect(screen.getAllByTestId("engine-description")).toHaveLength(1); // Piper says nothing: no empty line
    expect(within(qwen).getByRole("columnheader", { name: "Speed here" })).toBeInTheDocument();
    expect(within(rowOf("qwen/0.6B")).getByText("English, Chinese")).toBeInTheDocument();
    expect(within(rowOf("qwen/0.6B")).getByText("2.5× slower than real time (7 takes)")).toBeInTheDocument();
    expect(within(rowOf("qwen/1.7B")).getByText("not measured yet")).toBeInTheDocument();
    expect(within(rowOf("piper/medium")).getByText("20× faster than real time (1 take)")).toBeInTheDocument();
  });

  it("lists each engine's models; packaged ones are Included; delete asks first and says the loaded model is unloaded", async () => {
    const api = fakeCore();
    renderWithClient(<VoiceModels />);
    const piper = await screen.findByRole("table", { name: "Piper models" });
    expect(within(piper).getByText("Included")).toBeInTheDocument();
    expect(within(piper).queryByRole("button")).toBeNull();
    expect(screen.getByRole("table", { name: "Qwen3-TTS models" })).toBeInTheDocument();
    expect(within(rowOf("qwen/0.6B")).getByText("Loaded")).toBeInTheDocument();
    expect(within(rowOf("qwen/0.6B")).getByText("Downloaded")).toBeInTheDocument();
    expect(within(rowOf("qwen/1.7B")).getByText("Not downloaded")).toBeInTheDocument();
    expect(within(rowOf("qwen/1.7B")).getByText("4.4 GB")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Delete Qwen3-TTS 0.6B" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete Qwen3-TTS 0.6B?" });
    expect(dialog).toHaveTextContent("the provider unloads it first");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.called("DELETE", "/models/tts/qwen/0.6B")).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Delete Qwen3-TTS 0.6B" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(api.called("DELETE", "/models/tts/qwen/0.6B")).toHaveLength(1));
    await waitFor(() => expect(within(rowOf("qwen/0.6B")).getByText("Not downloaded")).toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Download Qwen3-TTS 0.6B" })).toBeInTheDocument();
  });

  it("downloads with a progress bar, then marks the model downloaded", async () => {
    fakeCore({
      "1.7B": sse([
        ["progress", { engine: "qwen", model_size: "1.7B", downloaded_bytes: 1000 * MB, total_bytes: 4000 * MB, message: "" }],
        ["done", { engine: "qwen", model_size: "1.7B", message: "qwen/1.7B is downloaded", packaged: false }],
      ]),
    });
    renderWithClient(<VoiceModels />);
    await screen.findByRole("table", { name: "Qwen3-TTS models" });
    await userEvent.click(screen.getByRole("button", { name: "Download Qwen3-TTS 1.7B" }));
    await waitFor(() => expect(within(rowOf("qwen/1.7B")).getByText("Downloaded")).toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Delete Qwen3-TTS 1.7B" })).toBeInTheDocument();
    expect(screen.queryByTestId("voice-download")).toBeNull();
  });

  it("shows bytes, speed and a cancel that aborts the stream and the download", async () => {
    const api = fakeCore({
      "1.7B": sse([["progress", { engine: "qwen", model_size: "1.7B", downloaded_bytes: 100 * MB, total_bytes: 400 * MB, message: "" }]], true),
    });
    renderWithClient(<VoiceModels />);
    await screen.findByRole("table", { name: "Qwen3-TTS models" });
    await userEvent.click(screen.getByRole("button", { name: "Download Qwen3-TTS 1.7B" }));
    expect(await screen.findByText("100 MB")).toBeInTheDocument();
    expect(screen.getByText("400 MB")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Downloading Qwen3-TTS 1.7B" })).toHaveAttribute("aria-valuenow", "25");
    expect(within(rowOf("qwen/1.7B")).getByText("Downloading…")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download Qwen3-TTS 1.7B-VoiceDesign" })).toBeDisabled();
    const init = api.fn.mock.calls.find(([url]) => String(url).endsWith("/qwen/1.7B/download"))?.[1];
    expect(init?.signal?.aborted).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Cancel download" }));
    expect(init?.signal?.aborted).toBe(true);
    expect(await screen.findByText(/Download of Qwen3-TTS 1.7B cancelled/)).toBeInTheDocument();
    // Cancelled for every follower too (a download joined from Generate or the CLI stops).
    await waitFor(() => expect(api.called("POST", "/models/tts/qwen/1.7B/cancel")).toHaveLength(1));
    expect(screen.queryByTestId("voice-download")).toBeNull();
  });

  it("shows the provider's refusal and error events where they happened", async () => {
    fakeCore({
      "1.7B-VoiceDesign": sse([["error", { engine: "qwen", model_size: "1.7B-VoiceDesign", code: "model_unavailable", message: "downloading failed (disk full)" }]]),
    });
    renderWithClient(<VoiceModels />);
    await screen.findByRole("table", { name: "Qwen3-TTS models" });
    await userEvent.click(screen.getByRole("button", { name: "Download Qwen3-TTS 1.7B-VoiceDesign" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("failed (disk full)");
  });

  it("follows a download started elsewhere (the POST joins it) and says where offline files go", async () => {
    const api = fakeCore({ "1.7B": sse([["progress", { downloaded_bytes: 10 * MB, total_bytes: 40 * MB }]], true) });
    const list = await api.fn("/models/tts").then((r) => r.json()) as TtsModelList;
    const qwen = list.engines[1]!;
    qwen.models = qwen.models.map((m) => (m.model_size === "1.7B" ? { ...m, downloading: true, local_dir: "/data/qwen/Qwen3-TTS-12Hz-1.7B-Base" } : m));
    stubFetch({ "GET /models/tts": () => list, "POST /models/tts/{engine}/{size}/download": sse([["progress", { downloaded_bytes: 10 * MB, total_bytes: 40 * MB }]], true) });
    renderWithClient(<VoiceModels />);
    await userEvent.click(await screen.findByRole("button", { name: "Follow the download of Qwen3-TTS 1.7B" }));
    expect(await screen.findByRole("progressbar", { name: "Downloading Qwen3-TTS 1.7B" })).toHaveAttribute("aria-valuenow", "25");
    expect(screen.getByText("/data/qwen/Qwen3-TTS-12Hz-1.7B-Base")).toBeInTheDocument();
  });

  it("says why when the list cannot be had, and lets one retry", async () => {
    let calls = 0;
    stubFetch({
      "GET /models/tts": () => (++calls === 1
        ? coreError(503, "no speech provider answered (pytorch-cpu: could not start)", null, "provider_unavailable")
        : { provider: null, engines: [] }),
    });
    renderWithClient(<VoiceModels />);
    expect(await screen.findByRole("alert")).toHaveTextContent("could not start");
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(await screen.findByText("The active speech provider offers no models.")).toBeInTheDocument();
  });
});
