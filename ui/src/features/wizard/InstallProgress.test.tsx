import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { renderWithClient, stubFetch } from "../../test/utils";
import { InstallProgress } from "./InstallProgress";

const MB = 1024 * 1024;

describe("InstallProgress", () => {
  it("shows bytes, speed and time left while downloading, and cancels", async () => {
    const line = `event: progress\ndata: ${JSON.stringify({ provider: "pytorch-cpu", state: "downloading", step: "downloading", done: 100 * MB, total: 300 * MB, speed: 50 * MB })}\n\n`;
    const api = stubFetch({
      // The stream stays open: the download is still running.
      "POST /providers/{id}/install": () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(line)) }), { headers: { "content-type": "text/event-stream" } }),
      "POST /providers/{id}/cancel": () => ({ provider: "pytorch-cpu", cancelling: true }),
    });
    const onDone = vi.fn();
    renderWithClient(<InstallProgress providerId="pytorch-cpu" onDone={onDone} />);
    expect(await screen.findByText("100 MB")).toBeInTheDocument();
    expect(screen.getByText("300 MB")).toBeInTheDocument();
    expect(screen.getByText("50.0 MB/s")).toBeInTheDocument();
    expect(screen.getByText("4 s")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "Installing pytorch-cpu" })).toHaveAttribute("aria-valuenow", "33");
    await userEvent.click(screen.getByRole("button", { name: "Cancel download" }));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith(false, "Download cancelled; nothing was changed."));
    expect(api.called("POST", "/providers/pytorch-cpu/cancel")).toHaveLength(1);
  });
});
