import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ErrorBoundary } from "./ErrorBoundary";

let explode = true;
function Fragile() {
  if (explode) throw new Error("profile.name is undefined");
  return <p>All good</p>;
}

describe("ErrorBoundary", () => {
  it("says the screen broke, without the program's own text, and recovers on Try again", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    render(<ErrorBoundary resetKey="voices"><Fragile /></ErrorBoundary>);
    expect(screen.getByText("This screen stopped working")).toBeInTheDocument();
    expect(screen.getByText(/the details are in the browser console/)).toBeInTheDocument();
    expect(screen.queryByText(/profile.name is undefined/)).not.toBeInTheDocument(); // no program text on screen
    explode = false;
    await userEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(screen.getByText("All good")).toBeInTheDocument();
  });
});
