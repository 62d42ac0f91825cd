import { screen } from "@testing-library/react";
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
