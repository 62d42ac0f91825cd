import { useLink } from "../api/events";
import { useHealth } from "../api/settings";
import { useUi, type Route, type Theme } from "../store/ui";
import { Icon, Logo, type IconName } from "./Icon";

const NAV: { route: Route; label: string; icon: IconName }[] = [
  { route: "generate", label: "Generate", icon: "generate" },
  { route: "voices", label: "Voices", icon: "voices" },
  { route: "history", label: "History", icon: "history" },
  { route: "stories", label: "Stories", icon: "wave" },
  { route: "settings", label: "Settings", icon: "settings" },
];

function CoreStatus() {
  const health = useHealth();
  const link = useLink((s) => s.state);
  const ok = health.isSuccess;
  const text = health.isPending ? "Connecting…" : ok ? (link === "open" ? "Core connected" : "Core online") : "Core unreachable";
  return (
    <div className={`badge ${ok ? "badge-success" : health.isPending ? "" : "badge-danger"}`} role="status" aria-live="polite" style={{ textTransform: "none" }}>
      <span className="dot" aria-hidden="true" />
      <span className="label">{text}</span>
    </div>
  );
}

export function ThemeToggle() {
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  const next: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };
  return (
    <button
      type="button"
      className="nav-item"
      onClick={() => setTheme(next[theme])}
      aria-label={`Theme: ${theme}. Switch to ${next[theme]}`}
    >
      <Icon name={theme === "dark" ? "moon" : "sun"} />
      <span>Theme: {theme[0]?.toUpperCase() + theme.slice(1)}</span>
    </button>
  );
}

export function Sidebar() {
  const route = useUi((s) => s.route);
  const navigate = useUi((s) => s.navigate);
  return (
    <nav className="sidebar" aria-label="Main">
      <div className="brand">
        <Logo />
        <span>Voicebox</span>
      </div>
      {NAV.map((item) => (
        <button
          key={item.route}
          type="button"
          className="nav-item"
          aria-current={route === item.route ? "page" : undefined}
          onClick={() => navigate(item.route)}
        >
          <Icon name={item.icon} />
          <span>{item.label}</span>
        </button>
      ))}
      <div className="sidebar-foot">
        <ThemeToggle />
        <CoreStatus />
      </div>
    </nav>
  );
}
