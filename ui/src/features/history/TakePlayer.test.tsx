import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import HistoryPage from "./HistoryPage";

const WORDS = [
  { word: "Hello", start: 0.2, end: 0.6 },
  { word: "there,", start: 0.6, end: 1.1 },
  { word: "world.", start: 1.4, end: 2.2 },
];

describe("History: a take's words", () => {
  it("shows the words under the player, follows playback and seeks where a word is clicked", async () => {
    const api = stubFetch({
      "GET /profiles": () => [makeProfile()],
      "GET /history": () => ({ items: [makeGeneration({ id: 7, text: "Hello there, world.", version_count: 2 })], total: 1, limit: 20, offset: 0 }),
      "GET /history/{id}/words": () => WORDS,
    });
    renderWithClient(<HistoryPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Play generation 7" }));
    const words = await screen.findByRole("group", { name: "Words of generation 7" });
    expect(within(words).getAllByTestId("word").map((w) => w.textContent)).toEqual(["Hello", "there,", "world."]);
    expect(api.called("GET", "/history/7/words")).toHaveLength(1);
    await waitFor(() => expect(screen.getByRole("button", { name: "Pause generation 7" })).toBeEnabled());

    // Clicking a word moves the player there (its position reads 0:01), and that word lights up.
    await userEvent.click(within(words).getByText("world."));
    const position = screen.getByRole("slider", { name: "Position in generation 7" });
    await waitFor(() => expect(position).toHaveAttribute("aria-valuenow", "1"));
    expect(within(words).getByText("world.")).toHaveAttribute("aria-current", "true");
    expect(within(words).getByText("Hello")).not.toHaveAttribute("aria-current");
    // Stop: back to the start, before the first word, so none is lit.
    await userEvent.click(screen.getByRole("button", { name: "Stop generation 7" }));
    await waitFor(() => expect(within(words).queryAllByTestId("word").filter((w) => w.getAttribute("aria-current"))).toHaveLength(0));

    const srt = screen.getByRole("link", { name: "Captions (SRT) of generation 7" });
    expect(srt).toHaveAttribute("href", "/history/7/captions?format=srt");
    expect(srt).toHaveAttribute("download", "voicebox-7.srt");
    expect(screen.getByRole("link", { name: "Captions (WebVTT) of generation 7" })).toHaveAttribute("href", "/history/7/captions?format=vtt");
  });

  it("says why when the words cannot be found", async () => {
    stubFetch({
      "GET /profiles": () => [makeProfile()],
      "GET /history": () => ({ items: [makeGeneration({ id: 8 })], total: 1, limit: 20, offset: 0 }),
      "GET /history/{id}/words": () =>
        new Response(JSON.stringify({ error: { code: "provider_unavailable", message: "the transcription model 'tiny.en' could not be loaded" } }), { status: 503, headers: { "content-type": "application/json" } }),
    });
    renderWithClient(<HistoryPage />);
    await userEvent.click(await screen.findByRole("button", { name: "Play generation 8" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("could not be loaded");
  });
});
