import { useHealth } from "../../api/settings";
import { ErrorNotice, Skeleton } from "../../components/Feedback";
import { Icon } from "../../components/Icon";
import { useUi, type Theme } from "../../store/ui";
import { ModelsSection } from "./ModelsSection";
import { ProviderSection } from "./ProviderSection";

const THEMES: { value: Theme; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

function Appearance() {
  const theme = useUi((s) => s.theme);
  const setTheme = useUi((s) => s.setTheme);
  return (
    <section className="card" aria-labelledby="appearance-title">
      <div className="card-head"><h2 id="appearance-title">Appearance</h2></div>
      <div className="card-body row-between">
        <span className="muted">Theme</span>
        <div className="segmented" role="group" aria-label="Theme">
          {THEMES.map((t) => (
            <button key={t.value} type="button" aria-pressed={theme === t.value} onClick={() => setTheme(t.value)}>{t.label}</button>
          ))}
        </div>
      </div>
    </section>
  );
}

function DataFolder() {
  const health = useHealth();
  const dir = typeof health.data?.data_dir === "string" ? health.data.data_dir : null;
  return (
    <section className="card" aria-labelledby="data-title">
      <div className="card-head"><h2 id="data-title">Data folder</h2></div>
      <div className="card-body stack">
        {health.isPending ? <Skeleton lines={1} /> : health.isError ? <ErrorNotice error={health.error} /> : (
          <div className="row" style={{ flexWrap: "nowrap" }}>
            <Icon name="folder" />
            <code className="mono grow" style={{ overflowWrap: "anywhere" }}>{dir ?? "The core does not report its data folder yet."}</code>
            {dir && (
              <button type="button" className="btn btn-sm" onClick={() => void navigator.clipboard?.writeText(dir)}>Copy path</button>
            )}
          </div>
        )}
        <p className="faint">
          Voices, samples, generated audio and the database live here. To move it, stop Voicebox and start it with
          <code className="mono"> VOICEBOX_DATA_DIR</code> set to the new folder.
        </p>
      </div>
    </section>
  );
}

export default function SettingsPage() {
  const health = useHealth();
  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Settings</h1>
          <p>Provider, models, storage and appearance.</p>
        </div>
        {health.data?.version && <span className="badge" style={{ textTransform: "none" }}>Voicebox {String(health.data.version)}</span>}
      </header>
      <ProviderSection />
      <ModelsSection />
      <DataFolder />
      <Appearance />
    </div>
  );
}
