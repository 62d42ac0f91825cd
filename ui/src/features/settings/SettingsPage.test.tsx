import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { useUi } from "../../store/ui";
import { renderWithClient, stubFetch } from "../../test/utils";
import SettingsPage from "./SettingsPage";

describe("SettingsPage", () => {
  it("switches the theme, shows the data folder, and says what the core lacks", async () => {
    useUi.setState({ theme: "system" });
    stubFetch({
      "GET /health": () => ({ status: "healthy", version: "0.1.0", data_dir: "/home/me/.local/share/voicebox" }),
      "GET /providers": () => [{ id: "local", kind: "local", state: "ready" }],
    });
    renderWithClient(<SettingsPage />);
    expect(await screen.findByText("/home/me/.local/share/voicebox")).toBeInTheDocument();
    expect(await screen.findByText("Provider management is not available on this core yet")).toBeInTheDocument();
    expect(await screen.findByText(/does not offer \/models\/whisper yet/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Dark" }));
    expect(useUi.getState().theme).toBe("dark");
    await waitFor(() => expect(screen.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true"));
  });
});
