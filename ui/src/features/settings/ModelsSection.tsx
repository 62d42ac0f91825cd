import { VoiceModels } from "./VoiceModels";
import { WhisperModels } from "./WhisperModels";

export function ModelsSection() {
  return (
    <section className="card" aria-labelledby="models-title">
      <div className="card-head">
        <div>
          <h2 id="models-title">Models</h2>
          <p className="faint">Voice models come from the speech provider; transcription runs in the core.</p>
        </div>
      </div>
      <div className="card-body stack">
        <h3 id="voice-models-title">Voice models</h3>
        <VoiceModels />
        <h3 id="whisper-title">Transcription models</h3>
        <WhisperModels />
      </div>
    </section>
  );
}
