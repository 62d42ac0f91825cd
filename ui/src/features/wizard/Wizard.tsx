import { useCallback, useEffect, useState } from "react";
import { useProviderAction, useProviders, useSelectProvider } from "../../api/providers";
import { useMarkWizardSeen } from "../../api/settings";
import { ErrorNotice, Notice, Skeleton, Spinner } from "../../components/Feedback";
import { Icon, Logo } from "../../components/Icon";
import { useUi } from "../../store/ui";
import { OPTIONS, autoTarget, optionState, type OptionId } from "./catalog";
import { OpenAIForm, RemoteForm } from "./ConnectForms";
import { EngineGuideList } from "./EngineGuide";
import { enginesOf } from "./engines";
import { InstallProgress } from "./InstallProgress";
import { OptionCard } from "./OptionCard";

type Step = { kind: "choose" } | { kind: "installing"; id: string } | { kind: "activating"; id: string } | { kind: "ready"; id: string };

function ActivateAfterInstall({ id, selection, onActivate, failure }: {
  id: string; selection: string; onActivate: (selection: string, id: string) => void; failure: string | null;
}) {
  const [started, setStarted] = useState(false);
  useEffect(() => {
    if (started) return;
    setStarted(true);
    onActivate(selection, id);
  }, [started, onActivate, selection, id]);
  return failure ? <Notice kind="error" title="Almost there">{failure}</Notice> : (
    <div className="row"><Spinner label="Starting the provider" /> <span>Starting {id}…</span></div>
  );
}

/** The provider picker: the first-run wizard, and Settings → Provider (embedded). */
export function ProviderPicker({ embedded = false, onFinished, onReady }: {
  embedded?: boolean;
  onFinished?: () => void;
  /** A provider was made ready here. */
  onReady?: () => void;
}) {
  const providers = useProviders();
  const action = useProviderAction();
  const select = useSelectProvider();
  const [choice, setChoice] = useState<OptionId>("auto");
  const [step, setStep] = useState<Step>({ kind: "choose" });
  const [failure, setFailure] = useState<string | null>(null);
  const option = OPTIONS.find((o) => o.id === choice) ?? OPTIONS[0]!;
  const state = optionState(option, providers.data);

  /** Make the choice the active provider and start it. */
  const activate = (selection: string, providerId: string) => {
    select.mutate(selection, {
      onSuccess: () => {
        action.mutate({ id: providerId, action: "start" }, {
          onSuccess: () => {
            setStep({ kind: "ready", id: providerId });
            onReady?.();
          },
          onError: (e) => setFailure(`Installed, but it did not start: ${e.message}`),
        });
      },
      onError: (e) => setFailure(e.message),
    });
  };

  const onInstalled = useCallback((ok: boolean, message?: string) => {
    setStep((s) => {
      if (s.kind !== "installing") return s;
      if (!ok) {
        setFailure(message ?? "The install did not finish.");
        return { kind: "choose" };
      }
      return { kind: "activating", id: s.id };
    });
  }, []);

  const target = choice === "auto" ? autoTarget(providers.data) : choice;
  const install = () => {
    setFailure(null);
    if (state.ready) activate(choice, target);
    else setStep({ kind: "installing", id: target });
  };
  const busy = select.isPending || action.isPending;

  if (step.kind === "activating") {
    return <ActivateAfterInstall id={step.id} selection={choice} onActivate={activate} failure={failure} />;
  }
  if (step.kind === "installing") {
    return <InstallProgress providerId={step.id} onDone={onInstalled} />;
  }
  if (step.kind === "ready") {
    return (
      <div className="stack" style={{ alignItems: "center", textAlign: "center", padding: "12px 0" }}>
        <span className="badge badge-success" style={{ fontSize: 13 }}><Icon name="check" /> Ready</span>
        <h2>{step.id} is running and ready</h2>
        <p className="muted">You can change this any time in Settings → Provider.</p>
        <button type="button" className="btn btn-primary btn-lg" onClick={onFinished}>Start using Voicebox</button>
      </div>
    );
  }
  return (
    <div className="stack" style={{ gap: 16 }}>
      {providers.isPending && <Skeleton lines={2} />}
      {providers.isError && <ErrorNotice error={providers.error} title="Cannot read the providers" onRetry={() => void providers.refetch()} />}
      <div className="options" role="radiogroup" aria-label="Speech provider">
        {OPTIONS.map((o) => (
          <OptionCard key={o.id} option={o} state={optionState(o, providers.data)} selected={choice === o.id} engines={enginesOf(o.id, autoTarget(providers.data))}
            onSelect={() => { setChoice(o.id); setFailure(null); action.reset(); select.reset(); }} />
        ))}
      </div>
      <EngineGuideList option={option} engines={enginesOf(choice, target)} />
      {failure && <Notice kind="error" title="Install stopped">{failure}</Notice>}
      {(select.isError || action.isError) && <ErrorNotice error={select.error ?? action.error} title={`Could not switch to ${option.title}`} />}
      {choice === "remote" && <RemoteForm onSaved={() => activate("remote", "remote")} />}
      {choice === "openai" && <OpenAIForm onSaved={() => activate("openai", "openai")} />}
      {option.installs && (
        <div className="row" style={{ justifyContent: embedded ? "flex-end" : "space-between" }}>
          {!embedded && <span className="faint">{state.reason ?? ""}</span>}
          <button type="button" className="btn btn-primary btn-lg" onClick={install}
            disabled={busy || state.canRun === false}>
            {busy ? "Starting…" : state.ready ? `Use ${option.title}` : `Install ${option.title}`}
          </button>
        </div>
      )}
    </div>
  );
}

const RUNNING = new Set(["ready", "busy"]);

/** The first-run wizard, shown once per data folder: finishing or skipping it marks it seen. */
export default function Wizard() {
  const navigate = useUi((s) => s.navigate);
  const seen = useMarkWizardSeen();
  const providers = useProviders();
  const [madeReady, setMadeReady] = useState(false);
  // Once a provider runs there is nothing to skip: the wizard ends with "Start using Voicebox".
  const running = madeReady || Boolean(providers.data?.providers.some((p) => RUNNING.has(p.state)));
  const finish = () => {
    seen.mutate();
    navigate("generate");
  };
  return (
    <div className="wizard">
      <div className="card wizard-card">
        <div className="card-body stack" style={{ gap: 18, padding: 28 }}>
          <div className="row" style={{ gap: 14, flexWrap: "nowrap" }}>
            <span style={{ width: 44, height: 44, display: "inline-flex", flex: "none" }}><Logo /></span>
            <div>
              <h1>Welcome to Voicebox</h1>
              <p className="muted">Choose where speech is generated. Everything stays on your machine unless you pick a remote server or OpenAI.</p>
            </div>
          </div>
          <ProviderPicker onFinished={finish} onReady={() => setMadeReady(true)} />
          {!madeReady && (
            <div className="row" style={{ justifyContent: "flex-end" }}>
              {running
                ? <button type="button" className="btn btn-sm" onClick={finish}>Keep the running provider</button>
                : <button type="button" className="btn btn-ghost btn-sm" onClick={finish}>Skip for now</button>}
            </div>
          )}
        </div>
      </div>
    </div>
  );
}
