import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, renderWithClient, stubFetch } from "../../test/utils";
import { SampleAdder } from "./SampleAdder";

const wav = () => new File([new Uint8Array([82, 73, 70, 70])], "take.wav", { type: "audio/wav" });

describe("SampleAdder", () => {
  it("takes a dropped file, transcribes it, and uploads it with the transcript", async () => {
    URL.createObjectURL = () => "blob:preview";
    URL.revokeObjectURL = () => {};
    const api = stubFetch({
      "POST /transcribe": () => ({ text: " Hello from the sample. ", segments: [] }),
      "POST /profiles/{id}/samples": () => ({ id: 1, profile_id: 7, reference_text: "Hello from the sample.", duration: 3, sample_rate: 24000, original_format: "wav", created_at: "" }),
    });
    renderWithClient(<SampleAdder profileId={7} />);
    fireEvent.drop(screen.getByTestId("dropzone"), { dataTransfer: { files: [wav()] } });
    expect(await screen.findByText("New sample: take.wav")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Transcribe" }));
    await waitFor(() => expect(screen.getByLabelText("Transcript of the new sample")).toHaveValue("Hello from the sample."));
    const transcribeForm = api.called("POST", "/transcribe")[0]?.body as FormData;
    expect((transcribeForm.get("file") as File).name).toBe("take.wav");
    await userEvent.click(screen.getByRole("button", { name: "Add sample" }));
    await waitFor(() => expect(api.called("POST", "/profiles/7/samples")).toHaveLength(1));
    const form = api.called("POST", "/profiles/7/samples")[0]?.body as FormData;
    expect(form.get("reference_text")).toBe("Hello from the sample.");
    expect((form.get("audio") as File).name).toBe("take.wav");
    await waitFor(() => expect(screen.queryByText("New sample: take.wav")).not.toBeInTheDocument());
  });

  it("shows the server's validation message for a refused sample", async () => {
    URL.createObjectURL = () => "blob:preview";
    URL.revokeObjectURL = () => {};
    stubFetch({ "POST /profiles/{id}/samples": () => coreError(422, "the sample is 1.2 s long; use 2-30 s of speech", "audio", "invalid_audio") });
    renderWithClient(<SampleAdder profileId={7} />);
    await userEvent.upload(screen.getByLabelText("Audio file for a new sample"), wav());
    await userEvent.click(await screen.findByRole("button", { name: "Add sample" }));
    expect(await screen.findByText("the sample is 1.2 s long; use 2-30 s of speech")).toBeInTheDocument();
    expect(screen.getByText("The server refused this sample")).toBeInTheDocument();
  });

  it("does not take a file the browser knows is not audio, and says why", async () => {
    URL.createObjectURL = () => "blob:preview";
    URL.revokeObjectURL = () => {};
    const api = stubFetch({});
    renderWithClient(<SampleAdder profileId={7} />);
    fireEvent.drop(screen.getByTestId("dropzone"), { dataTransfer: { files: [new File(["just words"], "notes.txt", { type: "text/plain" })] } });
    expect(await screen.findByText("This file cannot be a sample")).toBeInTheDocument();
    expect(screen.getByText(/“notes.txt” is not audio \(it is text\/plain\)\. Use a recording in wav, flac/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Add sample" })).toBeDisabled();
    expect(screen.getByRole("button", { name: "Transcribe" })).toBeDisabled();
    expect(api.calls).toHaveLength(0);
  });

  it("says “no microphone found” when there is none", async () => {
    Object.defineProperty(navigator, "mediaDevices", {
      configurable: true,
      value: { getUserMedia: () => Promise.reject(new DOMException("Requested device not found", "NotFoundError")) },
    });
    vi.stubGlobal("MediaRecorder", class {});
    renderWithClient(<SampleAdder profileId={7} />);
    await userEvent.click(screen.getByRole("button", { name: "Record" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("No microphone found. Connect one and try again, or upload a file.");
    expect(screen.queryByText(/NotFoundError/)).not.toBeInTheDocument();
  });
});
