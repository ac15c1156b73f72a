import type { ComplianceEvent } from "../src/compliance/index.js";

export interface SyntheticAttack {
  readonly at: number;
  readonly count: number;
  readonly ip: string;
  readonly system: string;
  readonly spreadMs: number;
}

export interface SyntheticStreamOptions {
  readonly seed?: number;
  readonly start?: number;
  readonly eventsPerSecond?: number;
  readonly users?: number;
  readonly ips?: number;
  readonly systems?: number;
  readonly userSkew?: number;
  readonly systemSkew?: number;
  readonly disorderMs?: number;
  readonly failureRate?: number;
  readonly attack?: Partial<SyntheticAttack> | null;
}

export interface SyntheticStream {
  next(n: number): ComplianceEvent[];
  readonly produced: number;
  readonly attack: SyntheticAttack | null;
}

export function createSyntheticStream(options?: SyntheticStreamOptions): SyntheticStream;
