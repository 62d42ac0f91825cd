import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
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

describe("GenerateForm with the provider's describe()", () => {
  it("offers the engines and models that fit the voice, their languages, and instruct where supported", async () => {
    const caps = { clone: false, preset: false, design: false, instruct: false, streaming: false };
    const api = stubFetch({
      "GET /profiles": () => [makeProfile({ id: 2, name: "Sam", voice_type: "cloned", preset_engine: null, preset_voice: null })],
      "GET /describe": () => ({
        provider: "pytorch-cpu", version: "1.0.0", spec_version: "1.0",
        engines: [
          { name: "piper", display_name: "Piper", default_model_size: "medium", models: [
            { model_size: "medium", display_name: "Medium", size_mb: 60, languages: ["en"], sample_rate: 22050, capabilities: { ...caps, preset: true }, preset_voices: [], downloaded: true },
          ] },
          { name: "qwen", display_name: "Qwen3-TTS", default_model_size: "0.6B", models: [
            { model_size: "0.6B", display_name: "0.6B Base", size_mb: 1200, languages: ["en", "zh"], sample_rate: 24000, capabilities: { ...caps, clone: true, instruct: true }, preset_voices: [], downloaded: false },
          ] },
        ],
      }),
      "POST /generate": () => ({ group_id: null, generations: [makeGeneration({ id: 9, status: "queued" })] }),
    });
    renderWithClient(<GenerateForm onCreated={() => {}} />);
    const engine = await screen.findByLabelText("Engine and model");
    await screen.findByRole("option", { name: "Qwen3-TTS · 0.6B Base" });
    expect(screen.queryByRole("option", { name: /Piper/ })).not.toBeInTheDocument();
    expect(screen.queryByLabelText("Instruction")).not.toBeInTheDocument();
    await userEvent.selectOptions(engine, "qwen/0.6B");
    expect(screen.getByRole("option", { name: "Chinese" })).toBeInTheDocument();
    expect(screen.queryByRole("option", { name: "German" })).not.toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Instruction"), "whisper");
    await userEvent.type(screen.getByLabelText("Text"), "Quiet now");
    await userEvent.click(screen.getByRole("button", { name: "Generate" }));
    await waitFor(() => expect(api.called("POST", "/generate")).toHaveLength(1));
    expect(api.called("POST", "/generate")[0]?.body).toMatchObject({ engine: "qwen", model_size: "0.6B", instruct: "whisper", text: "Quiet now" });
  });
});
