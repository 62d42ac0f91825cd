import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import { GeneratePage } from "./GeneratePage";

describe("GeneratePage", () => {
  it("lists the takes of a variation group with their live status", async () => {
    const takes = [1, 2, 3].map((i) => makeGeneration({ id: 10 + i, seed: 100 + i, group_id: "g", status: i === 1 ? "completed" : "queued" }));
    const api = stubFetch({
      "GET /profiles": () => [makeProfile()],
      "POST /generate": () => ({ group_id: "g", generations: takes }),
      "GET /generations/{id}": (c) => takes.find((t) => c.path.endsWith(`/${t.id}`)),
    });
    renderWithClient(<GeneratePage />);
    await screen.findByRole("option", { name: "Joe" });
    await userEvent.type(screen.getByLabelText("Text"), "Three ways");
    await userEvent.selectOptions(screen.getByLabelText("Variations"), "3");
    await userEvent.click(screen.getByRole("button", { name: "Generate 3 takes" }));
    const cards = await screen.findAllByTestId("result");
    expect(cards).toHaveLength(3);
    expect(screen.getByText("Take 1/3")).toBeInTheDocument();
    expect(screen.getByText("Take 3/3")).toBeInTheDocument();
    expect(cards.map((c) => c.getAttribute("data-status"))).toEqual(["completed", "queued", "queued"]);
    expect(api.called("POST", "/generate")[0]?.body).toMatchObject({ variations: 3, text: "Three ways" });
  });
});

describe("ResultList", () => {
  it("offers Retry only for a failure that can succeed on retry, and shows progress while a take is made", async () => {
    const { ResultList } = await import("./ResultList");
    const gens = [
      makeGeneration({ id: 21, status: "failed", error: "Piper does not speak German; choose English.", retryable: false, audio_url: null }),
      makeGeneration({ id: 22, status: "failed", error: "The provider stopped while speaking; try again.", retryable: true, audio_url: null }),
      makeGeneration({ id: 23, status: "generating", audio_url: null, started_at: new Date(Date.now() - 65_000).toISOString() }),
      makeGeneration({ id: 24, status: "completed" }),
    ];
    stubFetch({ "GET /generations/{id}": (c) => gens.find((g) => c.path.endsWith(`/${g.id}`)) });
    renderWithClient(<ResultList ids={gens.map((g) => g.id)} initial={gens} onClear={() => {}} />);
    const cards = await screen.findAllByTestId("result");
    expect(within(cards[0]!).queryByRole("button", { name: /Retry/ })).not.toBeInTheDocument();
    expect(within(cards[1]!).getByRole("button", { name: /Retry/ })).toBeInTheDocument();
    expect(within(cards[2]!).getByText(/^Working · 1:0\d elapsed/)).toBeInTheDocument();
    expect(within(cards[3]!).getByRole("button", { name: "Stop generation 24" })).toBeInTheDocument();
    await userEvent.click(within(cards[3]!).getByRole("button", { name: "Download generation 24" }));
    expect(within(cards[3]!).getByRole("link", { name: /^MP3/ })).toHaveAttribute("href", "/generations/1/audio?format=mp3");
  });
});
