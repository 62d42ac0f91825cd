import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useUi } from "../../store/ui";
import { renderWithClient, stubFetch } from "../../test/utils";
import SettingsPage from "./SettingsPage";

describe("SettingsPage", () => {
  it("switches the theme, shows the data folder and the provider, and the voice and transcription models", async () => {
    useUi.setState({ theme: "system" });
    const api = stubFetch({
      "GET /health": () => ({ status: "healthy", version: "0.1.0", data_dir: "/home/me/.local/share/voicebox" }),
      "GET /providers/list": () => ({
        active: "pytorch-cpu", active_resolved: "pytorch-cpu",
        providers: [{ id: "pytorch-cpu", state: "ready", installed: false, source: true, active: true, can_run: true,
          process: { failure: null, log_path: "/data/logs/providers/pytorch-cpu.log" } }],
        support: {}, remote: { configured: false }, openai: { key_set: false },
      }),
      "GET /providers/{id}/log": () => ({ provider: "pytorch-cpu", path: "/data/logs/providers/pytorch-cpu.log", lines: ["piper loaded", "listening"] }),
      "POST /providers/{id}/restart": () => ({ provider: "pytorch-cpu", state: "ready" }),
      "GET /models/tts": () => ({
        provider: "pytorch-cpu",
        engines: [{ provider: "pytorch-cpu", provider_kind: "local", name: "piper", display_name: "Piper", default_model_size: "medium",
          models: [{ model_size: "medium", display_name: "Piper Joe", size_mb: 63, languages: ["en"], availability: "packaged",
            downloaded: true, loaded: false, downloading: false }] }],
      }),
      "GET /models/whisper": () => ({
        active: "tiny.en", models_dir: "/data/models/whisper",
        models: [{ name: "tiny.en", repo_id: "Systran/faster-whisper-tiny.en", size_mb: 75, languages: "English",
          packaged: true, downloaded: true, downloading: false, active: true }],
      }),
    });
    renderWithClient(<SettingsPage />);
    expect(await screen.findByText("/home/me/.local/share/voicebox")).toBeInTheDocument();
    const row = await screen.findByText("from source");
    expect(row).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Recent log" }));
    expect(await screen.findByLabelText("Recent log lines of pytorch-cpu")).toHaveTextContent(/piper loaded\s*listening/);
    expect(api.called("GET", "/providers/pytorch-cpu/log")[0]?.query.get("lines")).toBe("50");
    await userEvent.click(screen.getByRole("button", { name: "Restart pytorch-cpu" }));
    await waitFor(() => expect(api.called("POST", "/providers/pytorch-cpu/restart")).toHaveLength(1));
    const voices = await screen.findByRole("table", { name: "Piper models" });
    expect(within(voices).getByText("Piper Joe")).toBeInTheDocument();
    expect(within(voices).getByText("Included")).toBeInTheDocument();
    const whisper = await screen.findByRole("table", { name: "Transcription models" });
    expect(within(whisper).getByText("tiny.en")).toBeInTheDocument();
    expect(within(whisper).getByText("In use")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Dark" }));
    expect(useUi.getState().theme).toBe("dark");
    await waitFor(() => expect(screen.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true"));
  });
});
