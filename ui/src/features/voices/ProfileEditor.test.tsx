import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { coreError, makeProfile, renderWithClient, stubFetch } from "../../test/utils";
import { ProfileEditor } from "./ProfileEditor";

const presets = [{ provider: "local", engine: "piper", model_size: "medium", voice: "joe", name: "Joe", language: "en", description: "US English" }];

describe("ProfileEditor", () => {
  it("creates a preset voice from the provider's presets", async () => {
    const api = stubFetch({ "GET /presets": () => presets, "POST /profiles": (c) => makeProfile({ id: 4, ...(c.body as object) }) });
    const onSaved = vi.fn();
    renderWithClient(<ProfileEditor profile={null} onSaved={onSaved} onDeleted={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "Narrator");
    await userEvent.click(screen.getByRole("button", { name: "Preset" }));
    await screen.findByRole("option", { name: "Joe — piper (en)" });
    await userEvent.selectOptions(screen.getByLabelText("Preset voice"), "piper::joe");
    await userEvent.click(screen.getByRole("button", { name: "Create voice" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(api.called("POST", "/profiles")[0]?.body).toMatchObject({
      name: "Narrator", voice_type: "preset", preset_engine: "piper", preset_voice: "joe", language: "en",
    });
  });

  it("shows the server's message under the field it names", async () => {
    stubFetch({ "GET /presets": () => [], "POST /profiles": () => coreError(409, "a profile named 'Joe' already exists; pick another name", "name", "conflict") });
    renderWithClient(<ProfileEditor profile={null} onSaved={() => {}} onDeleted={() => {}} />);
    await userEvent.type(screen.getByLabelText("Name"), "Joe");
    await userEvent.click(screen.getByRole("button", { name: "Create voice" }));
    expect(await screen.findByText("a profile named 'Joe' already exists; pick another name")).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveAttribute("aria-invalid", "true");
  });

  it("deletes a voice only after confirmation", async () => {
    const api = stubFetch({
      "GET /presets": () => presets,
      "GET /profiles/{id}/samples": () => [],
      "DELETE /profiles/{id}": () => new Response(null, { status: 204 }),
    });
    const onDeleted = vi.fn();
    renderWithClient(<ProfileEditor profile={makeProfile({ id: 3, name: "Sam", voice_type: "cloned" })} onSaved={() => {}} onDeleted={onDeleted} />);
    await userEvent.click(screen.getByRole("button", { name: "Delete voice" }));
    expect(api.called("DELETE", "/profiles/3")).toHaveLength(0);
    await userEvent.click(await screen.findByRole("button", { name: "Delete" }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
    expect(api.called("DELETE", "/profiles/3")).toHaveLength(1);
  });
});
