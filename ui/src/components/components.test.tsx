import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AudioPlayer } from "./AudioPlayer";
import { ConfirmDialog } from "./ConfirmDialog";
import { DownloadMenu } from "./DownloadMenu";
import { Field } from "./Field";

describe("AudioPlayer", () => {
  it("plays, pauses and stops from its labelled buttons once the audio is ready", async () => {
    render(<AudioPlayer src="/generations/3/audio" label="generation 3" stoppable />);
    const play = screen.getByRole("button", { name: "Play generation 3" });
    await waitFor(() => expect(play).toBeEnabled());
    await userEvent.click(play);
    expect(screen.getByRole("button", { name: "Pause generation 3" })).toHaveAttribute("aria-pressed", "true");
    const slider = screen.getByRole("slider", { name: "Position in generation 3" });
    expect(slider).toHaveAttribute("aria-valuetext", "0:00 of 0:03");
    fireEvent.keyDown(slider, { key: " " });
    expect(screen.getByRole("button", { name: "Play generation 3" })).toHaveAttribute("aria-pressed", "false");
    await userEvent.click(screen.getByRole("button", { name: "Play generation 3" }));
    await userEvent.click(screen.getByRole("button", { name: "Stop generation 3" }));
    expect(screen.getByRole("button", { name: "Play generation 3" })).toHaveAttribute("aria-pressed", "false");
  });

  it("starts where a streamed take handed over, and starting one player pauses the other", async () => {
    const takeOver = vi.fn(() => ({ at: 1.5, play: true }));
    const a = <AudioPlayer key="a" src="/a" label="take A" takeOver={takeOver} />;
    const { rerender } = render(<>{a}</>);
    expect(await screen.findByRole("button", { name: "Pause take A" })).toBeInTheDocument();
    rerender(<>{a}<AudioPlayer key="b" src="/b" label="take B" /></>);
    expect(takeOver).toHaveBeenCalledOnce();
    expect(screen.getByRole("slider", { name: "Position in take A" })).toHaveAttribute("aria-valuetext", "0:02 of 0:03");
    const playB = screen.getByRole("button", { name: "Play take B" });
    await waitFor(() => expect(playB).toBeEnabled());
    await userEvent.click(playB);
    expect(screen.getByRole("button", { name: "Pause take B" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Play take A" })).toHaveAttribute("aria-pressed", "false");
  });
});

describe("DownloadMenu", () => {
  it("offers every format the core encodes, as download links", async () => {
    render(<DownloadMenu href={(f) => `/generations/3/audio?format=${f}`} baseName="voicebox-3" label="generation 3" />);
    await userEvent.click(screen.getByRole("button", { name: "Download generation 3" }));
    for (const [name, f] of [["WAV", "wav"], ["MP3", "mp3"], ["FLAC", "flac"], ["Opus", "opus"]] as const) {
      const link = screen.getByRole("link", { name: new RegExp(`^${name} `) });
      expect(link).toHaveAttribute("href", `/generations/3/audio?format=${f}`);
      expect(link).toHaveAttribute("download", `voicebox-3.${f}`);
    }
  });
});

describe("ConfirmDialog", () => {
  it("confirms with its button and cancels with Escape", async () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(<ConfirmDialog open title="Delete it?" message="Gone for good." onConfirm={onConfirm} onCancel={onCancel} />);
    const dialog = screen.getByRole("dialog", { name: "Delete it?" });
    expect(dialog).toHaveAccessibleDescription("Gone for good.");
    await userEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(onConfirm).toHaveBeenCalledOnce();
    fireEvent(dialog, new Event("cancel", { cancelable: true }));
    expect(onCancel).toHaveBeenCalledOnce();
  });
});

describe("Field", () => {
  it("labels its control and ties the error to it", () => {
    render(<Field label="Name" error="already taken">{(p) => <input {...p} />}</Field>);
    const input = screen.getByLabelText("Name");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("already taken");
  });
});
