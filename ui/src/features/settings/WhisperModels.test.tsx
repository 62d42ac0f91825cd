import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import type { WhisperModel } from "../../api/types";
import { coreError, renderWithClient, stubFetch } from "../../test/utils";
import { WhisperModels } from "./WhisperModels";

const MB = 1024 * 1024;

function row(name: string, extra: Partial<WhisperModel> = {}): WhisperModel {
  return { name, repo_id: `Systran/faster-whisper-${name}`, size_mb: 145, languages: "English", packaged: false,
    downloaded: false, downloading: false, active: false, ...extra };
}

function fakeCore(streams: Record<string, () => Response>) {
  let models = [
    row("tiny.en", { packaged: true, downloaded: true, active: true, size_mb: 75 }),
    row("base.en", { downloaded: true }),
    row("small.en", { size_mb: 486 }),
    row("large-v3", { languages: "99", size_mb: 3090 }),
  ];
  const list = () => ({ models, active: models.find((m) => m.active)?.name ?? "", models_dir: "/data/models/whisper" });
  const api = stubFetch({
    "GET /models/whisper": list,
    "PUT /models/whisper/active": (c) => {
      const name = (c.body as { name: string }).name;
      models = models.map((m) => ({ ...m, active: m.name === name }));
      return list();
    },
    "DELETE /models/whisper/{name}": (c) => {
      const name = c.path.split("/").pop();
      models = models.map((m) => (m.name === name ? { ...m, downloaded: false } : m));
      return new Response(null, { status: 204 });
    },
    "POST /models/whisper/{name}/download": (c) => {
      const name = c.path.split("/")[3]!;
      const make = streams[name];
      if (!make) return coreError(503, `cannot download Systran/faster-whisper-${name}: the Hugging Face hub did not answer`, "name", "model_unavailable");
      if (name === "small.en") models = models.map((m) => (m.name === name ? { ...m, downloaded: true } : m));
      return make();
    },
  });
  return api;
}

const sse = (events: [string, unknown][], keepOpen = false) => () =>
  new Response(new ReadableStream({
    start: (c) => {
      for (const [event, data] of events) c.enqueue(new TextEncoder().encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      if (!keepOpen) c.close();
    },
  }), { headers: { "content-type": "text/event-stream" } });

const rowOf = (name: string) => screen.getAllByTestId("whisper-row").find((r) => r.getAttribute("data-name") === name)!;

describe("WhisperModels", () => {
  it("lists the models, switches the active one and deletes only after confirmation", async () => {
    const api = fakeCore({});
    renderWithClient(<WhisperModels />);
    await screen.findByRole("table", { name: "Transcription models" });
    expect(within(rowOf("tiny.en")).getByText("In use")).toBeInTheDocument();
    expect(within(rowOf("tiny.en")).getByText("Built in")).toBeInTheDocument();
    expect(within(rowOf("tiny.en")).queryByRole("button")).toBeNull();
    expect(within(rowOf("large-v3")).getByText("99 languages")).toBeInTheDocument();
    expect(within(rowOf("small.en")).getByText("Not downloaded")).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Use base.en" }));
    await waitFor(() => expect(within(rowOf("base.en")).getByText("In use")).toBeInTheDocument());
    expect(api.called("PUT", "/models/whisper/active")[0]?.body).toEqual({ name: "base.en" });
    expect(screen.queryByRole("button", { name: "Delete base.en" })).toBeNull();

    await userEvent.click(screen.getByRole("button", { name: "Use tiny.en" }));
    await userEvent.click(await screen.findByRole("button", { name: "Delete base.en" }));
    const dialog = await screen.findByRole("dialog", { name: "Delete base.en?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.called("DELETE", "/models/whisper/base.en")).toHaveLength(0);
    await userEvent.click(screen.getByRole("button", { name: "Delete base.en" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(api.called("DELETE", "/models/whisper/base.en")).toHaveLength(1));
    await waitFor(() => expect(within(rowOf("base.en")).getByText("Not downloaded")).toBeInTheDocument());
  });

  it("shows the core's message when the hub cannot be reached", async () => {
    const api = fakeCore({});
    renderWithClient(<WhisperModels />);
    await screen.findByRole("table", { name: "Transcription models" });
    await userEvent.click(screen.getByRole("button", { name: "Download large-v3" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("cannot download Systran/faster-whisper-large-v3: the Hugging Face hub did not answer");
    expect(api.called("POST", "/models/whisper/large-v3/download")).toHaveLength(1);
    expect(screen.queryByTestId("whisper-download")).toBeNull();
  });

  it("downloads with a progress bar, then marks the model downloaded; a cancel aborts the stream", async () => {
    const api = fakeCore({
      "small.en": sse([
        ["progress", { name: "small.en", downloaded_bytes: 100 * MB, total_bytes: 300 * MB, file: "model.bin" }],
      ], true),
    });
    renderWithClient(<WhisperModels />);
    await screen.findByRole("table", { name: "Transcription models" });
    await userEvent.click(screen.getByRole("button", { name: "Download small.en" }));
    expect(await screen.findByText("100 MB")).toBeInTheDocument();
    expect(screen.getByText("300 MB")).toBeInTheDocument();
    expect(screen.getByText(/Downloading small.en \(model.bin\)/)).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Downloading small.en" })).toHaveAttribute("aria-valuenow", "33");
    expect(screen.getByRole("button", { name: "Download large-v3" })).toBeDisabled();
    const init = api.fn.mock.calls.find(([url]) => String(url).endsWith("/small.en/download"))?.[1];
    expect(init?.signal?.aborted).toBe(false);
    await userEvent.click(screen.getByRole("button", { name: "Cancel download" }));
    expect(init?.signal?.aborted).toBe(true);
    expect(await screen.findByText(/Download of small.en cancelled/)).toBeInTheDocument();
    expect(screen.queryByTestId("whisper-download")).toBeNull();
  });

  it("finishes a download and shows the core's error event where it happened", async () => {
    fakeCore({
      "small.en": sse([
        ["progress", { name: "small.en", downloaded_bytes: 300 * MB, total_bytes: 300 * MB, file: "model.bin" }],
        ["done", { name: "small.en" }],
      ]),
      "large-v3": sse([["error", { name: "large-v3", code: "model_unavailable", message: "downloading Systran/faster-whisper-large-v3 failed (disk full)" }]]),
    });
    renderWithClient(<WhisperModels />);
    await screen.findByRole("table", { name: "Transcription models" });
    await userEvent.click(screen.getByRole("button", { name: "Download small.en" }));
    await waitFor(() => expect(within(rowOf("small.en")).getByText("Downloaded")).toBeInTheDocument());
    expect(screen.getByRole("button", { name: "Use small.en" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Download large-v3" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("failed (disk full)");
  });
});
