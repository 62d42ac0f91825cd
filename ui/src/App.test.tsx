import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { App } from "./App";
import { useUi } from "./store/ui";
import { json, renderWithClient, stubFetch } from "./test/utils";

beforeEach(() => {
  window.history.replaceState(null, "", "/");
  useUi.setState({ route: "generate", theme: "system", selectedProfileId: null });
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
      "GET /settings/first-run": () => ({ wizard_seen: true }),
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

  it("opens the first-run wizard once per data folder, even with a provider runnable from source", async () => {
    let seen = false;
    const api = stubFetch({
      "GET /health": () => ({ status: "healthy" }),
      "GET /settings/first-run": () => ({ wizard_seen: seen }),
      "POST /settings/first-run": (c) => {
        seen = (c.body as { wizard_seen: boolean }).wizard_seen;
        return { wizard_seen: seen };
      },
      "GET /providers/list": () => json({
        active: "auto", active_resolved: "pytorch-cpu", auto_reason: "no provider is installed: running pytorch-cpu from the source",
        providers: [{ id: "pytorch-cpu", state: "installed", installed: false, source: true, can_run: true }],
        remote: { configured: false }, openai: { key_set: false },
      }),
    });
    renderWithClient(<App />);
    expect(await screen.findByRole("heading", { name: "Welcome to Voicebox" })).toBeInTheDocument();
    expect(window.location.pathname).toBe("/app/setup");
    await userEvent.click(screen.getByRole("button", { name: "Skip for now" }));
    expect(await screen.findByRole("heading", { name: "Generate" })).toBeInTheDocument();
    expect(api.called("POST", "/settings/first-run")[0]?.body).toEqual({ wizard_seen: true });
  });

  it("does not open the wizard again once it was seen", async () => {
    stubFetch({
      "GET /health": () => ({ status: "healthy" }),
      "GET /settings/first-run": () => ({ wizard_seen: true }),
      "GET /providers/list": () => json({ active: "auto", providers: [], remote: { configured: false }, openai: { key_set: false } }),
      "GET /profiles": () => [],
    });
    renderWithClient(<App />);
    expect(await screen.findByRole("heading", { name: "Generate" })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: "Welcome to Voicebox" })).not.toBeInTheDocument();
  });

  it("says when the core cannot be reached", async () => {
    stubFetch({});
    renderWithClient(<App />);
    expect(await screen.findByText("Core unreachable")).toBeInTheDocument();
  });
});
