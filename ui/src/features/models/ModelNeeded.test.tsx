import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { ModelNeed } from "../../api/modelNeeds";
import { renderWithClient, stubFetch } from "../../test/utils";
import { ModelNeeded } from "./ModelNeeded";

const need = (over: Partial<ModelNeed> = {}): ModelNeed => ({
  engine: "qwen", modelSize: "0.6B", displayName: "Qwen3-TTS 0.6B (voice cloning)", sizeMb: 2520,
  downloaded: false, downloading: false, purpose: "clone", localDir: null, message: null, ...over,
});

function sse(events: [string, unknown][]): Response {
  const body = events.map(([e, d]) => `event: ${e}\ndata: ${JSON.stringify(d)}\n\n`).join("");
  return new Response(body, { headers: { "content-type": "text/event-stream" } });
}

describe("ModelNeeded", () => {
  it("follows a download running elsewhere (the POST joins it), then calls onReady", async () => {
    const api = stubFetch({
      "POST /models/tts/{engine}/{size}/download": () => sse([["progress", { downloaded_bytes: 5, total_bytes: 10 }], ["done", {}]]),
    });
    const onReady = vi.fn();
    renderWithClient(<ModelNeeded need={need({ downloading: true })} onReady={onReady} />);
    expect(screen.getByText("Voice cloning needs Qwen3-TTS 0.6B (≈ 2.5 GB)")).toBeInTheDocument();
    expect(screen.getByText("It is being downloaded already; follow that download here.")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Follow the download" }));
    await waitFor(() => expect(onReady).toHaveBeenCalledOnce());
    expect(api.called("POST", "/models/tts/qwen/0.6B/download")).toHaveLength(1);
  });

  it("says why a download stopped and offers it again", async () => {
    stubFetch({
      "POST /models/tts/{engine}/{size}/download": () => sse([["error", { code: "offline", message: "The model hub cannot be reached; check the connection, or copy the files by hand." }]]),
    });
    const onReady = vi.fn();
    renderWithClient(<ModelNeeded need={need()} onReady={onReady} />);
    await userEvent.click(screen.getByRole("button", { name: "Download" }));
    expect(await screen.findByText("The model hub cannot be reached; check the connection, or copy the files by hand.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Download" })).toBeInTheDocument();
    expect(onReady).not.toHaveBeenCalled();
  });
});
