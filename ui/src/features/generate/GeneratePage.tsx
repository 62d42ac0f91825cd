import { useState } from "react";
import type { Generation } from "../../api/types";
import { GenerateForm } from "./GenerateForm";
import { ResultList } from "./ResultList";

export function GeneratePage() {
  const [results, setResults] = useState<Generation[]>([]);
  return (
    <div className="page">
      <header className="page-head">
        <div>
          <h1>Generate</h1>
          <p>Type text, pick a voice, and get speech.</p>
        </div>
      </header>
      <GenerateForm onCreated={(gens) => setResults((r) => [...gens, ...r].slice(0, 12))} />
      <ResultList ids={results.map((g) => g.id)} initial={results} onClear={() => setResults([])} />
    </div>
  );
}
