import { lazy, Suspense, useEffect } from "react";
import { useLiveEvents } from "./api/events";
import { useFirstRun } from "./api/settings";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { Spinner } from "./components/Feedback";
import { Sidebar } from "./components/Sidebar";
import { Toasts } from "./components/Toasts";
import { GeneratePage } from "./features/generate/GeneratePage";
import { bindHistory, resolveTheme, useUi, type Route } from "./store/ui";

// Screens other than the landing one load on demand: the initial bundle stays small.
const VoicesPage = lazy(() => import("./features/voices/VoicesPage"));
const HistoryPage = lazy(() => import("./features/history/HistoryPage"));
const StoriesPage = lazy(() => import("./features/stories/StoriesPage"));
const SettingsPage = lazy(() => import("./features/settings/SettingsPage"));
const Wizard = lazy(() => import("./features/wizard/Wizard"));

function useThemeEffect() {
  const theme = useUi((s) => s.theme);
  useEffect(() => {
    const apply = () => {
      document.documentElement.dataset.theme = resolveTheme(theme);
    };
    apply();
    if (theme !== "system" || !window.matchMedia) return;
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    mq.addEventListener?.("change", apply);
    return () => mq.removeEventListener?.("change", apply);
  }, [theme]);
}

function Screen({ route }: { route: Route }) {
  switch (route) {
    case "voices":
      return <VoicesPage />;
    case "history":
      return <HistoryPage />;
    case "stories":
      return <StoriesPage />;
    case "settings":
      return <SettingsPage />;
    case "setup":
      return <Wizard />;
    default:
      return <GeneratePage />;
  }
}

/** The first-run wizard is shown once per data folder: until the core says it was seen. */
function useNeedsSetup(): boolean {
  const firstRun = useFirstRun();
  return firstRun.isSuccess && !firstRun.data.wizard_seen;
}

export function App() {
  const route = useUi((s) => s.route);
  const navigate = useUi((s) => s.navigate);
  const needsSetup = useNeedsSetup();
  useThemeEffect();
  useLiveEvents();
  useEffect(() => bindHistory(), []);
  useEffect(() => {
    if (needsSetup && route !== "setup") navigate("setup", { replace: true });
  }, [needsSetup, route, navigate]);

  const fallback = (
    <div className="page" aria-busy="true">
      <Spinner label="Loading screen" />
    </div>
  );
  if (route === "setup") {
    return (
      <>
        <Suspense fallback={fallback}>
          <Wizard />
        </Suspense>
        <Toasts />
      </>
    );
  }
  return (
    <div className="shell">
      <Sidebar />
      <main className="main" id="main">
        <ErrorBoundary resetKey={route}>
          <Suspense fallback={fallback}>
            <Screen route={route} />
          </Suspense>
        </ErrorBoundary>
      </main>
      <Toasts />
    </div>
  );
}
