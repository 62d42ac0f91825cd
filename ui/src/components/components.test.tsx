import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { AudioPlayer } from "./AudioPlayer";
import { ConfirmDialog } from "./ConfirmDialog";
import { Field } from "./Field";

describe("AudioPlayer", () => {
  it("plays and pauses from its labelled button once the audio is ready, and offers a download", async () => {
    render(<AudioPlayer src="/generations/3/audio" label="generation 3" downloadName="voicebox-3.wav" />);
    const play = screen.getByRole("button", { name: "Play generation 3" });
    await waitFor(() => expect(play).toBeEnabled());
    await userEvent.click(play);
    expect(screen.getByRole("button", { name: "Pause generation 3" })).toHaveAttribute("aria-pressed", "true");
    const slider = screen.getByRole("slider", { name: "Position in generation 3" });
    expect(slider).toHaveAttribute("aria-valuetext", "0:00 of 0:03");
    fireEvent.keyDown(slider, { key: " " });
    expect(screen.getByRole("button", { name: "Play generation 3" })).toHaveAttribute("aria-pressed", "false");
    expect(screen.getByRole("link", { name: "Download generation 3" })).toHaveAttribute("download", "voicebox-3.wav");
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
