import {DETECTION_SAMPLE} from '../ingest/index.js'
import type {ModelBundle} from '../model-bundle.js'
import {checkFormatSample} from '../model-fit.js'

/**
 * A live stream scored with a saved model: its first DETECTION_SAMPLE lines must be in the
 * model's format, as `detect --model` checks a file's (model-fit.ts). A log of another format
 * would otherwise be read to the end with nothing scored and every line an unseen template.
 * The lines are looked at as they pass, not held: the decision comes with the sample's last line.
 */
export class FormatGate {
  private sample: string[] | undefined = []

  constructor(
    private readonly model: ModelBundle,
    private readonly inputName: string,
    private readonly size = DETECTION_SAMPLE,
  ) {}

  /** True until the sample is decided. */
  get pending(): boolean {
    return this.sample !== undefined
  }

  /** Takes the next lines; throws the refusal (FlareError, exit 3) once the sample is complete and does not fit. */
  observe(lines: readonly string[]): void {
    if (this.sample === undefined) return
    for (const line of lines) {
      if (line.trim().length === 0) continue
      this.sample.push(line)
      if (this.sample.length >= this.size) return this.decide()
    }
  }

  /** The stream ended before a full sample: decided on the lines it had. */
  end(): void {
    if (this.sample !== undefined) this.decide()
  }

  private decide(): void {
    const sample = this.sample!
    this.sample = undefined
    checkFormatSample(this.model, sample, this.inputName, 'FILE (a stretch of this log)')
  }
}
