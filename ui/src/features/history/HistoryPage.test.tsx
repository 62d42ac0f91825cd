import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { makeGeneration, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import HistoryPage from "./HistoryPage";

describe("HistoryPage", () => {
  it("searches, groups variations, and deletes only after confirmation", async () => {
    let items = [
      makeGeneration({ id: 3, text: "Second take", group_id: "g1", source: "api" }),
      makeGeneration({ id: 2, text: "First take", group_id: "g1" }),
      makeGeneration({ id: 1, text: "Failed one", status: "failed", error: "provider crashed", audio_url: null }),
      makeGeneration({ id: 4, text: "Never works", status: "failed", error: "Piper does not speak German; choose English.", audio_url: null, retryable: false }),
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
    expect(rows.map((r) => r.getAttribute("data-id"))).toEqual(["2", "3", "1", "4"]);
    // A failure that cannot succeed again offers neither Retry nor a new take.
    expect(screen.queryByRole("button", { name: "Retry generation 4" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Regenerate generation 4/ })).not.toBeInTheDocument();
    expect(within(rows[0]!).getByText("Take 1/2")).toBeInTheDocument();
    // Where a take was asked for shows when it was not this app (here the OpenAI-compatible API).
    expect(within(rows[1]!).getByText("API")).toBeInTheDocument();
    expect(within(rows[0]!).queryByText("API")).not.toBeInTheDocument();
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

  it("filters by engine (engines found in history) and by a date range of local days", async () => {
    const api = stubFetch({
      "GET /profiles": () => [makeProfile()],
      "GET /history/stats": () => ({ total: 3, by_engine: { qwen: 1, piper: 2 }, by_status: {} }),
      "GET /history": (c) => {
        const items = [makeGeneration({ id: 1, text: "Piper line", engine: "piper" }), makeGeneration({ id: 2, text: "Qwen line", engine: "qwen" })];
        const engine = c.query.get("engine");
        const hits = engine ? items.filter((g) => g.engine === engine) : items;
        return { items: hits, total: hits.length, limit: 20, offset: 0 };
      },
    });
    renderWithClient(<HistoryPage />);
    expect(await screen.findAllByTestId("history-row")).toHaveLength(2);
    const engine = screen.getByLabelText("Filter by engine");
    await waitFor(() => expect(within(engine).getAllByRole("option").map((o) => o.textContent)).toEqual(["Any engine", "piper", "qwen"]));
    await userEvent.selectOptions(engine, "qwen");
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(1));
    expect(api.calls.at(-1)?.query.get("engine")).toBe("qwen");

    fireEvent.change(screen.getByLabelText("From"), { target: { value: "2026-03-01" } });
    fireEvent.change(screen.getByLabelText("To"), { target: { value: "2026-03-31" } });
    await waitFor(() => expect(api.calls.at(-1)?.query.get("until")).toBe(new Date(2026, 2, 31, 23, 59, 59, 999).toISOString()));
    const last = api.calls.at(-1)!;
    expect(last.query.get("since")).toBe(new Date(2026, 2, 1).toISOString());
    expect(last.query.get("engine")).toBe("qwen");
    expect(last.query.get("offset")).toBe("0");

    await userEvent.click(screen.getByRole("button", { name: "Clear filters" }));
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(2));
    const cleared = api.calls.at(-1)!;
    expect([cleared.query.get("engine"), cleared.query.get("since"), cleared.query.get("until")]).toEqual([null, null, null]);
  });

  it("does not promise a new seed for a model that takes none", async () => {
    const caps = { clone: false, preset: true, design: false, instruct: false, streaming: true };
    const api = stubFetch({
      "GET /profiles": () => [makeProfile()],
      "GET /history": () => ({ items: [makeGeneration({ id: 7, engine: "piper", model_size: "medium" }), makeGeneration({ id: 8, engine: "qwen", model_size: "0.6B" })], total: 2, limit: 20, offset: 0 }),
      "GET /describe": () => ({ provider: "pytorch-cpu", engines: [
        { name: "piper", display_name: "Piper", default_model_size: "medium", models: [{ model_size: "medium", display_name: "Piper Joe", size_mb: 63, languages: ["en"], sample_rate: 22050, capabilities: { ...caps, reproducible: false }, preset_voices: [], downloaded: true }] },
        { name: "qwen", display_name: "Qwen3-TTS", default_model_size: "0.6B", models: [{ model_size: "0.6B", display_name: "Qwen3-TTS 0.6B", size_mb: 2520, languages: ["en"], sample_rate: 24000, capabilities: { ...caps, preset: false, clone: true, reproducible: true }, preset_voices: [], downloaded: true }] },
      ] }),
      "POST /generations/{id}/regenerate": (c) => makeGeneration({ id: Number(c.path.split("/")[2]), status: "queued" }),
    });
    renderWithClient(<HistoryPage />);
    expect(await screen.findByRole("button", { name: "Regenerate generation 7" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Regenerate generation 8 with a new seed" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Regenerate generation 7" }));
    await waitFor(() => expect(api.called("POST", "/generations/7/regenerate")).toHaveLength(1));
  });
});
