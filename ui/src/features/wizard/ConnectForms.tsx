import { useState, type FormEvent } from "react";
import { useSetOpenAI, useSetRemote, useTestConnection } from "../../api/providers";
import { ErrorNotice, Notice } from "../../components/Feedback";
import { Field } from "../../components/Field";

function TestResult({ test }: { test: ReturnType<typeof useTestConnection> }) {
  if (test.isError) return <ErrorNotice error={test.error} title="Connection test failed" />;
  if (!test.data) return null;
  return (
    <Notice kind={test.data.ok ? "info" : "error"} title={test.data.ok ? "Connected" : "Cannot use this server"}>
      {test.data.message}
    </Notice>
  );
}

export function RemoteForm({ onSaved }: { onSaved: () => void }) {
  const [url, setUrl] = useState("");
  const [token, setToken] = useState("");
  const test = useTestConnection();
  const save = useSetRemote();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ url: url.trim(), token }, { onSuccess: onSaved });
  };
  const validUrl = /^https?:\/\/\S+$/.test(url.trim());
  return (
    <form className="stack" onSubmit={submit} aria-label="Remote server">
      <div className="grid-2">
        <Field label="Server URL" hint="e.g. https://gpu-box.local:8100" error={url && !validUrl ? "Start with http:// or https://" : null}>
          {(p) => <input {...p} className="input" type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://" required />}
        </Field>
        <Field label="Access token" hint="The token the provider was started with.">
          {(p) => <input {...p} className="input" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />}
        </Field>
      </div>
      <TestResult test={test} />
      {save.isError && <ErrorNotice error={save.error} title="Could not save the remote server" />}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn" disabled={!validUrl || test.isPending}
          onClick={() => test.mutate({ kind: "remote", url: url.trim(), token })}>
          {test.isPending ? "Testing…" : "Test connection"}
        </button>
        <button type="submit" className="btn btn-primary" disabled={!validUrl || save.isPending}>Use this server</button>
      </div>
    </form>
  );
}

export function OpenAIForm({ onSaved }: { onSaved: () => void }) {
  const [key, setKey] = useState("");
  const [show, setShow] = useState(false);
  const [baseUrl, setBaseUrl] = useState("");
  const test = useTestConnection();
  const save = useSetOpenAI();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate({ api_key: key.trim(), ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}) }, { onSuccess: onSaved });
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="OpenAI">
      <div className="grid-2">
        <Field label="OpenAI API key" hint="Kept in the system keyring when available.">
          {(p) => (
            <div className="row" style={{ flexWrap: "nowrap", gap: 6 }}>
              <input {...p} className="input mono" type={show ? "text" : "password"} autoComplete="off" spellCheck={false}
                value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk-…" required />
              <button type="button" className="btn btn-sm" aria-pressed={show} onClick={() => setShow((s) => !s)}>{show ? "Hide" : "Show"}</button>
            </div>
          )}
        </Field>
        <Field label="Base URL (optional)" hint="For any OpenAI-compatible server.">
          {(p) => <input {...p} className="input" type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} placeholder="https://api.openai.com/v1" />}
        </Field>
      </div>
      <TestResult test={test} />
      {save.isError && <ErrorNotice error={save.error} title="Could not save the key" />}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <button type="button" className="btn" disabled={!key.trim() || test.isPending}
          onClick={() => test.mutate({ kind: "openai", api_key: key.trim(), ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}) })}>
          {test.isPending ? "Testing…" : "Test connection"}
        </button>
        <button type="submit" className="btn btn-primary" disabled={!key.trim() || save.isPending}>Use OpenAI</button>
      </div>
    </form>
  );
}
