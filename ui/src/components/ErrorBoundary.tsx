import { Component, type ErrorInfo, type ReactNode } from "react";
import { Notice } from "./Feedback";

/** A screen that throws shows what broke and a way back, instead of a blank window. */
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
          {this.state.error.message}. Your data is safe in the core; other screens still work.
        </Notice>
      </div>
    );
  }
}
