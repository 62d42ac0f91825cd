// UI-only state (server state lives in TanStack Query): theme, route, toasts, and the
// handoff from History's "regenerate" to the Generate screen.
import { create } from "zustand";
import { persist } from "zustand/middleware";

export type Theme = "system" | "light" | "dark";
export type Route = "voices" | "generate" | "history" | "stories" | "settings" | "setup";
export const ROUTES: Route[] = ["voices", "generate", "history", "stories", "settings", "setup"];

export interface Toast {
  id: number;
  kind: "info" | "success" | "error";
  text: string;
}

export interface GenerateDraft {
  profileId?: string;
  text?: string;
  language?: string;
  seed?: number | null;
  instruct?: string;
}

interface UiState {
  theme: Theme;
  route: Route;
  selectedProfileId: string | null;
  toasts: Toast[];
  draft: GenerateDraft | null;
  setTheme: (t: Theme) => void;
  navigate: (r: Route, opts?: { replace?: boolean }) => void;
  selectProfile: (id: string | null) => void;
  toast: (text: string, kind?: Toast["kind"]) => void;
  dismissToast: (id: number) => void;
  setDraft: (d: GenerateDraft | null) => void;
}

/** Screens live under /app/ so a reload never collides with an API route (GET /history…). */
export const APP_PREFIX = "/app/";
export const pathOf = (route: Route) => `${APP_PREFIX}${route}`;

export function routeFromPath(pathname: string): Route {
  const seg = pathname.startsWith(APP_PREFIX) ? (pathname.slice(APP_PREFIX.length).split("/")[0] ?? "") : "";
  return (ROUTES as string[]).includes(seg) ? (seg as Route) : "generate";
}

let toastSeq = 0;

export const useUi = create<UiState>()(
  persist(
    (set) => ({
      theme: "system",
      route: typeof window === "undefined" ? "generate" : routeFromPath(window.location.pathname),
      selectedProfileId: null,
      toasts: [],
      draft: null,
      setTheme: (theme) => set({ theme }),
      navigate: (route, opts) => {
        const path = pathOf(route);
        if (typeof window !== "undefined" && window.location.pathname !== path) {
          if (opts?.replace) window.history.replaceState(null, "", path);
          else window.history.pushState(null, "", path);
        }
        set({ route });
      },
      selectProfile: (selectedProfileId) => set({ selectedProfileId }),
      toast: (text, kind = "info") => {
        const id = ++toastSeq;
        set((s) => ({ toasts: [...s.toasts.slice(-3), { id, kind, text }] }));
        setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), kind === "error" ? 8000 : 4000);
      },
      dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
      setDraft: (draft) => set({ draft }),
    }),
    {
      name: "voicebox-ui",
      partialize: (s) => ({ theme: s.theme, selectedProfileId: s.selectedProfileId }),
    },
  ),
);

/** Keep the store's route in step with the browser's back/forward buttons. */
export function bindHistory(): () => void {
  const onPop = () => useUi.setState({ route: routeFromPath(window.location.pathname) });
  window.addEventListener("popstate", onPop);
  return () => window.removeEventListener("popstate", onPop);
}

export function resolveTheme(theme: Theme): "light" | "dark" {
  if (theme !== "system") return theme;
  return typeof window !== "undefined" && window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}
