import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import HistoryPage from "./HistoryPage";

describe("HistoryPage", () => {
  it("searches, groups variations, and deletes only after confirmation", async () => {
    let items = [
      makeGeneration({ id: 3, text: "Second take", group_id: "g1" }),
      makeGeneration({ id: 2, text: "First take", group_id: "g1" }),
      makeGeneration({ id: 1, text: "Failed one", status: "failed", error: "provider crashed", audio_url: null }),
    ];
    const api = stubFetch({
      "GET /profiles": () => [makeProfile()],
      "GET /history": (c) => {
        const q = c.query.get("q");
        const hits = q ? items.filter((g) => g.text.toLowerCase().includes(q.toLowerCase())) : items;
        return { items: hits, total: hits.length, limit: 20, offset: 0 };
      },
      "DELETE /generations/{id}": (c) => {
        items = items.filter((g) => `/generations/${g.id}` !== c.path);
        return new Response(null, { status: 204 });
      },
    });
    renderWithClient(<HistoryPage />);
    const rows = await screen.findAllByTestId("history-row");
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["2", "3", "1"]);
    expect(within(rows[0]!).getByText("Take 1/2")).toBeInTheDocument();
    expect(screen.getByText("provider crashed")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry generation 1" })).toBeInTheDocument();

    await userEvent.type(screen.getByRole("searchbox"), "failed");
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(1));
    expect(api.calls.some((c) => c.path === "/history" && c.query.get("q") === "failed")).toBe(true);

    await userEvent.click(screen.getByRole("button", { name: "Delete generation 1" }));
    expect(api.called("DELETE", "/generations/1")).toHaveLength(0);
    const dialog = await screen.findByRole("dialog", { name: "Delete this generation?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.called("DELETE", "/generations/1")).toHaveLength(0);

    await userEvent.click(screen.getByRole("button", { name: "Delete generation 1" }));
    await userEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "Delete" }));
    await waitFor(() => expect(api.called("DELETE", "/generations/1")).toHaveLength(1));
    expect(await screen.findByText("Nothing matches")).toBeInTheDocument();
  });

  it("shows the empty state and the server's error", async () => {
    stubFetch({ "GET /profiles": () => [], "GET /history": () => ({ items: [], total: 0 }) });
    const { unmount } = renderWithClient(<HistoryPage />);
    expect(await screen.findByText("Nothing generated yet")).toBeInTheDocument();
    unmount();
    stubFetch({ "GET /profiles": () => [], "GET /history": () => new Response(JSON.stringify({ error: { code: "x", message: "database is locked" } }), { status: 503, headers: { "content-type": "application/json" } }) });
    renderWithClient(<HistoryPage />);
    expect(await screen.findByText("database is locked")).toBeInTheDocument();
  });
});
