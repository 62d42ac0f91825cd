import { Component, type ErrorInfo, type ReactNode } from "react";
import { Notice } from "./Feedback";

/** A screen that throws says so and offers a way back, instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Voicebox screen crashed:", error, info.componentStack);
  }

  override componentDidUpdate(prev: { resetKey: string }) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="page">
        <Notice kind="error" title="This screen stopped working"
          action={<button type="button" className="btn btn-sm" onClick={() => this.setState({ error: null })}>Try again</button>}>
          {/* The program's own error text means nothing to the person; it goes to the console. */}
          {this.state.error.name === "ChunkLoadError" || /dynamically imported module|Loading chunk/i.test(this.state.error.message)
            ? "This screen could not be loaded (the app was updated, or the core stopped). Reload the page."
            : "Something in this screen went wrong; the details are in the browser console."}{" "}
          Your data is safe in the core; other screens still work.
        </Notice>
      </div>
    );
  }
}
