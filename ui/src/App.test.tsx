import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { useUi } from "./store/ui";
import { json, renderWithClient, stubFetch } from "./test/utils";

beforeEach(() => {
  window.history.replaceState(null, "", "/");
  useUi.setState({ route: "generate", theme: "system", wizardSkipped: false, selectedProfileId: null });
});

describe("App", () => {
  it("navigates with the sidebar, keeps the URL in step, and switches theme", async () => {
    stubFetch({
      "GET /health": () => ({ status: "healthy", version: "0.1.0" }),
      "GET /providers/list": () => ({
        active: "auto", active_resolved: "pytorch-cpu", providers: [{ id: "pytorch-cpu", state: "ready", installed: true }],
        remote: { configured: false }, openai: { key_set: false },
      }),
      "GET /profiles": () => [],
      "GET /history": () => ({ items: [], total: 0 }),
    });
    renderWithClient(<App />);
    expect(await screen.findByRole("heading", { name: "Generate" })).toBeInTheDocument();
    expect(await screen.findByText(/^Core (connected|online)$/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "History" }));
    expect(await screen.findByRole("heading", { name: "History" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/history");
    expect(screen.getByRole("button", { name: "History" })).toHaveAttribute("aria-current", "page");
    await userEvent.click(screen.getByRole("button", { name: /^Theme: system/ }));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("light"));
    await userEvent.click(screen.getByRole("button", { name: /^Theme: light/ }));
    await waitFor(() => expect(document.documentElement.dataset.theme).toBe("dark"));
  });

  it("opens the first-run wizard while no provider is configured", async () => {
    stubFetch({
      "GET /health": () => ({ status: "healthy" }),
      "GET /providers/list": () => json({
        active: "auto", active_resolved: "pytorch-cpu", auto_reason: "no GPU found",
        providers: [{ id: "pytorch-cpu", state: "not_installed", installed: false, source: false }],
        remote: { configured: false }, openai: { key_set: false },
      }),
    });
    renderWithClient(<App />);
    expect(await screen.findByRole("heading", { name: "Welcome to Voicebox" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/setup");
    await userEvent.click(screen.getByRole("button", { name: "Skip for now" }));
    expect(await screen.findByRole("heading", { name: "Generate" })).toBeInTheDocument();
  });

  it("says when the core cannot be reached", async () => {
    stubFetch({});
    renderWithClient(<App />);
    expect(await screen.findByText("Core unreachable")).toBeInTheDocument();
  });
});
