import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import { ProfileEditor } from "./ProfileEditor";

const presets = [{ provider: "local", engine: "piper", model_size: "medium", voice: "joe", name: "Joe", language: "en", description: "US English" }];

describe("ProfileEditor", () => {
  it("creates a preset voice from the provider's presets", async () => {
    const api = stubFetch({ "GET /presets": () => presets, "POST /profiles": (c) => makeProfile({ id: 4, ...(c.body as object) }) });
    const onSaved = vi.fn();
    renderWithClient(<ProfileEditor profile={null} onSaved={onSaved} onDeleted={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "Narrator");
    await userEvent.click(screen.getByRole("button", { name: "Preset" }));
    await screen.findByRole("option", { name: "Joe — piper (en)" });
    await userEvent.selectOptions(screen.getByLabelText("Preset voice"), "piper::joe");
    await userEvent.click(screen.getByRole("button", { name: "Create voice" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(api.called("POST", "/profiles")[0]?.body).toMatchObject({
      name: "Narrator", voice_type: "preset", preset_engine: "piper", preset_voice: "joe", language: "en",
    });
  });

  it("takes the language of a picked preset voice (a Hindi voice makes a Hindi profile)", async () => {
    const hindi = { provider: "local", engine: "kokoro", model_size: "v1.0", voice: "hf_alpha", name: "Alpha", language: "hi", description: "Hindi, female" };
    const british = { ...hindi, voice: "bf_emma", name: "Emma", language: "en-gb", description: "British English, female" };
    const api = stubFetch({ "GET /presets": () => [...presets, hindi, british], "POST /profiles": (c) => makeProfile({ id: 5, ...(c.body as object) }) });
    const onSaved = vi.fn();
    renderWithClient(<ProfileEditor profile={null} onSaved={onSaved} onDeleted={() => {}} />);
    await userEvent.click(screen.getByRole("button", { name: "Preset" }));
    await screen.findByRole("option", { name: "Alpha — kokoro (hi)" });
    await userEvent.selectOptions(screen.getByLabelText("Preset voice"), "kokoro::bf_emma");
    expect(screen.getByLabelText("Language")).toHaveValue("en-gb");
    await userEvent.selectOptions(screen.getByLabelText("Preset voice"), "kokoro::hf_alpha");
    expect(screen.getByLabelText("Language")).toHaveValue("hi");
    expect(screen.getByRole("option", { name: "Hindi" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Create voice" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(api.called("POST", "/profiles")[0]?.body).toMatchObject({ preset_voice: "hf_alpha", language: "hi" });
  });

  it("shows the server's message under the field it names", async () => {
    stubFetch({ "GET /presets": () => [], "POST /profiles": () => coreError(409, "a profile named 'Joe' already exists; pick another name", "name", "conflict") });
    renderWithClient(<ProfileEditor profile={null} onSaved={() => {}} onDeleted={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "Joe");
    await userEvent.click(screen.getByRole("button", { name: "Create voice" }));
    expect(await screen.findByText("a profile named 'Joe' already exists; pick another name")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
  });

  it("deletes a voice only after confirmation", async () => {
    const api = stubFetch({
      "GET /presets": () => presets,
      "GET /profiles/{id}/samples": () => [],
      "DELETE /profiles/{id}": () => new Response(null, { status: 204 }),
    });
    const onDeleted = vi.fn();
    renderWithClient(<ProfileEditor profile={makeProfile({ id: 3, name: "Sam", voice_type: "cloned" })} onSaved={() => {}} onDeleted={onDeleted} />);
    await userEvent.click(screen.getByRole("button", { name: "Delete voice" }));
    expect(api.called("DELETE", "/profiles/3")).toHaveLength(0);
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(api.called("DELETE", "/profiles/3")).toHaveLength(1);
  });

  it("fills the name from a picked preset and plays a sample of it before the voice is made", async () => {
    URL.createObjectURL = () => "blob:preset-sample";
    URL.revokeObjectURL = () => {};
    const api = stubFetch({
      "GET /presets": () => presets,
      "POST /presets/preview": () => new Response(new Uint8Array([82, 73, 70, 70]), { headers: { "content-type": "audio/wav" } }),
    });
    renderWithClient(<ProfileEditor profile={null} onSaved={() => {}} onDeleted={() => {}} />);
    await userEvent.click(screen.getByRole("button", { name: "Preset" }));
    await screen.findByRole("option", { name: "Joe — piper (en)" });
    expect(screen.getByRole("button", { name: "Listen to the chosen voice" })).toBeDisabled();
    await userEvent.selectOptions(screen.getByLabelText("Preset voice"), "piper::joe");
    expect(screen.getByLabelText("Name")).toHaveValue("Joe");
    await userEvent.click(screen.getByRole("button", { name: "Listen to Joe" }));
    expect(await screen.findByRole("button", { name: "Pause the Joe sample" })).toBeInTheDocument();
    expect(api.called("POST", "/presets/preview")[0]?.body).toEqual({ engine: "piper", model_size: "medium", voice: "joe", language: "en" });
  });

  it("says which model a cloned voice needs when it is not on this machine, and offers it", async () => {
    stubFetch({
      "GET /presets": () => presets,
      "GET /models/tts": () => ({
        provider: "pytorch-cpu", engines: [],
        for_voice_type: { cloned: { engine: "qwen", model_size: "0.6B", display_name: "Qwen3-TTS 0.6B Base", size_mb: 2400, downloaded: false, downloading: false }, designed: null, preset: null },
        unavailable: { cloned: null, designed: "No model of this provider designs voices. Choose 'This computer' in Settings → Provider.", preset: null },
      }),
    });
    renderWithClient(<ProfileEditor profile={null} onSaved={() => {}} onDeleted={() => {}} />);
    expect(await screen.findByText("Voice cloning needs Qwen3-TTS 0.6B Base (≈ 2.3 GB)")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Designed" }));
    expect(await screen.findByText("No model of this provider designs voices. Choose 'This computer' in Settings → Provider.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Settings → Provider" })).toBeInTheDocument();
  });
});
