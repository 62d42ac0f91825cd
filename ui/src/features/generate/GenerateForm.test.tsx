import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, json, makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import { GenerateForm } from "./GenerateForm";

const profiles = [makeProfile({ id: 1, name: "Joe" }), makeProfile({ id: 2, name: "Sam", voice_type: "cloned", preset_engine: null, preset_voice: null })];

describe("GenerateForm", () => {
  it("counts characters and generates with Ctrl+Enter", async () => {
    const api = stubFetch({
      "GET /profiles": () => profiles,
      "GET /describe": () => new Response("<html>", { headers: { "content-type": "text/html" } }),
      "POST /generate": () => ({ group_id: null, generations: [makeGeneration({ id: 5, status: "queued" })] }),
    });
    const onCreated = vi.fn();
    renderWithClient(<GenerateForm onCreated={onCreated} />);
    await screen.findByRole("option", { name: "Sam" });
    await userEvent.selectOptions(screen.getByLabelText("Voice"), "2");
    const text = screen.getByLabelText("Text");
    await userEvent.type(text, "Hello there");
    expect(screen.getByTestId("char-count")).toHaveTextContent("11 / 5,000 characters");
    await userEvent.type(screen.getByLabelText("Seed"), "7");
    fireEvent.keyDown(text, { key: "Enter", ctrlKey: true });
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(api.called("POST", "/generate")[0]?.body).toEqual({
      profile_id: 2, text: "Hello there", language: null, seed: 7, engine: null, model_size: null, instruct: null, variations: 1,
    });
    expect(onCreated.mock.calls[0]?.[0][0].id).toBe(5);
  });

  it("shows the server's message under the text and refuses a bad seed", async () => {
    stubFetch({
      "GET /profiles": () => profiles,
      "POST /generate": () => coreError(422, "text is 6000 characters; the limit is 5000", "text"),
    });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    await screen.findByRole("option", { name: "Joe" });
    await userEvent.type(screen.getByLabelText("Seed"), "-3");
    expect(screen.getByText("A whole number from 0 to 4294967295.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Generate" })).toBeDisabled();
    await userEvent.clear(screen.getByLabelText("Seed"));
    await userEvent.type(screen.getByLabelText("Text"), "Hi");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByText("text is 6000 characters; the limit is 5000")).toBeInTheDocument();
    expect(screen.getByLabelText("Text")).toHaveAttribute("aria-invalid", "true");
  });

  it("asks for a voice first when there is none", async () => {
    stubFetch({ "GET /profiles": () => [] });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    expect(await screen.findByText("Create a voice first")).toBeInTheDocument();
  });
});

describe("GenerateForm with a draft", () => {
  it("starts with the voice chosen elsewhere (Voices → Use in Generate)", async () => {
    const { useUi } = await import("../../store/ui");
    useUi.setState({ draft: { profileId: "2" } });
    stubFetch({ "GET /profiles": () => profiles });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    await screen.findByRole("option", { name: "Sam" });
    await waitFor(() => expect(screen.getByLabelText("Voice")).toHaveValue("2"));
    expect(useUi.getState().draft).toBeNull();
  });
});

const caps = { clone: false, preset: false, design: false, instruct: false, streaming: false, reproducible: false };
const describeOut = (qwenDownloaded: boolean) => ({
  provider: "pytorch-cpu", version: "1.0.0", spec_version: "1.0",
  engines: [
    { name: "piper", display_name: "Piper", default_model_size: "medium", models: [
      { model_size: "medium", display_name: "Medium", size_mb: 60, languages: ["en"], sample_rate: 22050, capabilities: { ...caps, preset: true }, preset_voices: [], downloaded: true },
    ] },
    { name: "qwen", display_name: "Qwen3-TTS", default_model_size: "0.6B", models: [
      { model_size: "0.6B", display_name: "0.6B Base", size_mb: 2400, languages: ["en", "zh"], sample_rate: 24000, capabilities: { ...caps, clone: true, instruct: true, reproducible: true }, preset_voices: [], downloaded: qwenDownloaded },
    ] },
  ],
});
const sam = makeProfile({ id: 2, name: "Sam", voice_type: "cloned", preset_engine: null, preset_voice: null });
const qwenRef = { engine: "qwen", model_size: "0.6B", display_name: "Qwen3-TTS 0.6B Base", size_mb: 2400, downloaded: false, downloading: false };

function sse(events: [string, unknown][]): Response {
  const body = events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join("");
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

describe("GenerateForm with the provider's describe()", () => {
  it("offers the engines and models that fit the voice, not-downloaded ones with their size, their languages, and instruct where supported", async () => {
    const api = stubFetch({
      "GET /profiles": () => [sam],
      "GET /describe": () => describeOut(true),
      "POST /generate": () => ({ group_id: null, generations: [makeGeneration({ id: 9, status: "queued" })] }),
    });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    const engine = await screen.findByLabelText("Engine and model");
    await screen.findByRole("option", { name: "0.6B Base" });
    expect(screen.getByRole("option", { name: "Automatic (Qwen3-TTS 0.6B Base)" })).toBeInTheDocument();
    expect(screen.getByRole("group", { name: "Qwen3-TTS" })).toBeInTheDocument();
    expect(screen.queryByRole("group", { name: "Piper" })).not.toBeInTheDocument();
    // The languages of the model that will be used, even on Automatic.
    expect(screen.getByRole("option", { name: "Chinese" })).toBeInTheDocument();
    expect(screen.queryByRole("option", { name: "German" })).not.toBeInTheDocument();
    await userEvent.selectOptions(engine, "qwen/0.6B");
    await userEvent.type(screen.getByLabelText("Instruction"), "whisper");
    await userEvent.type(screen.getByLabelText("Text"), "Quiet now");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    await waitFor(() => expect(api.called("POST", "/generate")).toHaveLength(1));
    expect(api.called("POST", "/generate")[0]?.body).toMatchObject({ engine: "qwen", model_size: "0.6B", instruct: "whisper", text: "Quiet now" });
  });

  it("says under the menu what the chosen model is for: description, languages, size and its speed here", async () => {
    const base = describeOut(true);
    const about = "Voice cloning in ten languages; best quality, slow without a GPU.";
    const described = { ...base, engines: base.engines.map((e) => (e.name === "qwen" ? { ...e, description: about } : e)) };
    const row = { model_size: "0.6B", display_name: "0.6B Base", size_mb: 2400, languages: ["en", "zh"], availability: "downloadable", downloaded: true,
      loaded: false, downloading: false, capabilities: { ...caps, clone: true }, local_dir: null, speed: { rtf: 0.33, takes: 12 } };
    stubFetch({
      "GET /profiles": () => [makeProfile({ id: 1, name: "Joe", preset_engine: "piper" }), sam],
      "GET /describe": () => described,
      "GET /models/tts": () => ({ provider: "pytorch-cpu", for_voice_type: { cloned: null, designed: null, preset: null }, unavailable: { cloned: null, designed: null, preset: null },
        engines: [
          { provider: "pytorch-cpu", provider_kind: "local", name: "qwen", display_name: "Qwen3-TTS", description: "", default_model_size: "0.6B", models: [row] },
          { provider: "pytorch-cpu", provider_kind: "local", name: "piper", display_name: "Piper", description: "", default_model_size: "medium",
            models: [{ ...row, model_size: "medium", display_name: "Medium", size_mb: 60, languages: ["en"], availability: "packaged", speed: null }] },
        ] }),
    });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    await screen.findByRole("option", { name: "Sam" });
    await userEvent.selectOptions(screen.getByLabelText("Voice"), "2");
    const facts = await screen.findByTestId("model-facts");
    expect(facts).toHaveTextContent("Qwen3-TTS: Voice cloning in ten languages; best quality, slow without a GPU.");
    await waitFor(() => expect(facts).toHaveTextContent("English, Chinese · ≈ 2.3 GB · about 3× faster than real time here (12 takes)"));
    // A preset voice of the packaged Piper model, never used here yet.
    await userEvent.selectOptions(screen.getByLabelText("Voice"), "1");
    await waitFor(() => expect(screen.getByTestId("model-facts")).toHaveTextContent("English · packaged · speed not measured on this machine yet"));
    expect(screen.getByTestId("model-facts")).not.toHaveTextContent("Voice cloning");
  });

  it("marks a model that is not downloaded in the menu, and turns the seed off with its reason on a model that takes none", async () => {
    stubFetch({ "GET /profiles": () => [makeProfile({ id: 1, name: "Joe" }), sam], "GET /describe": () => describeOut(false) });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    await screen.findByRole("option", { name: "Joe" });
    await waitFor(() => expect(screen.getByLabelText("Seed")).toBeDisabled());
    expect(screen.getByText("Medium takes no seed: each take is new.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Random seed" })).toBeDisabled();
    await userEvent.selectOptions(screen.getByLabelText("Voice"), "2");
    expect(await screen.findByRole("option", { name: "0.6B Base — not downloaded (2.3 GB)" })).toBeInTheDocument();
    expect(screen.getByLabelText("Seed")).toBeEnabled();
  });

  it("on a 409 model_not_downloaded shows the download inline with its progress, then generates", async () => {
    let downloaded = false;
    const api = stubFetch({
      "GET /profiles": () => [sam],
      "GET /describe": () => describeOut(downloaded),
      "GET /models/tts": () => ({ provider: "pytorch-cpu", engines: [], for_voice_type: { cloned: qwenRef, designed: null, preset: null }, unavailable: { cloned: null, designed: null, preset: null } }),
      "POST /generate": () => downloaded
        ? { group_id: null, generations: [makeGeneration({ id: 9, status: "queued" })] }
        : json({ error: { code: "model_not_downloaded", param: "model_size", type: "invalid_request_error",
          message: "Voice cloning needs Qwen3-TTS 0.6B Base (about 2.4 GB), which is not on this machine.",
          model: { ...qwenRef, purpose: "clone", download: "/models/tts/qwen/0.6B/download", cli: "voicebox models download qwen 0.6B", local_dir: "/data/models/Qwen3-TTS-12Hz-0.6B-Base" } } }, 409),
      "POST /models/tts/{engine}/{size}/download": () => {
        downloaded = true;
        return sse([["progress", { downloaded_bytes: 1024, total_bytes: 4096 }], ["done", {}]]);
      },
    });
    const onCreated = vi.fn();
    renderWithClient(<GenerateForm onCreated={onCreated} />);
    await screen.findByRole("option", { name: "Sam" });
    await userEvent.type(screen.getByLabelText("Text"), "Hello");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    const notice = await screen.findByText("Voice cloning needs Qwen3-TTS 0.6B Base (≈ 2.3 GB)");
    expect(notice).toBeInTheDocument();
    expect(screen.getByText("/data/models/Qwen3-TTS-12Hz-0.6B-Base")).toBeInTheDocument();
    expect(screen.queryByText("Could not generate")).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Download" }));
    await waitFor(() => expect(onCreated).toHaveBeenCalled());
    expect(api.called("POST", "/models/tts/qwen/0.6B/download")).toHaveLength(1);
    const posts = api.called("POST", "/generate");
    expect(posts).toHaveLength(2);
    expect(posts[1]?.body).toEqual(posts[0]?.body);
  });

  it("on a 409 capability_unavailable shows the provider's message with a link to Settings → Provider", async () => {
    const { useUi } = await import("../../store/ui");
    stubFetch({
      "GET /profiles": () => [sam],
      "POST /generate": () => json({ error: { code: "capability_unavailable", param: "provider", type: "invalid_request_error", settings: "provider",
        message: "OpenAI cannot clone voices. Choose 'This computer' in Settings → Provider." } }, 409),
    });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    await screen.findByRole("option", { name: "Sam" });
    await userEvent.type(screen.getByLabelText("Text"), "Hello");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    expect(await screen.findByText("OpenAI cannot clone voices. Choose 'This computer' in Settings → Provider.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Settings → Provider" }));
    expect(useUi.getState().route).toBe("settings");
  });
});
