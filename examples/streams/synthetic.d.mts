export declare const SYSTEMS: readonly string[];
export declare const SERVICES: readonly string[];
export declare const ATTACKER_BRUTE_FORCE: string;
export declare const ATTACKER_SPRAY: string;
export interface SyntheticStream {
  readonly records: Record<string, unknown>[];
  readonly scenario: {
    readonly bruteForce: { readonly ip: string; readonly from: number; readonly failures: number };
    readonly passwordSpray: { readonly ip: string; readonly from: number; readonly users: number };
    readonly errorSpike: { readonly service: string; readonly from: number; readonly errors: number };
    readonly incident: { readonly service: string; readonly from: number };
    readonly largeTransaction: { readonly user: string; readonly amount: number };
    readonly transactionBurst: { readonly user: string; readonly count: number };
    readonly duplicates: number;
  };
  readonly start: number;
  readonly end: number;
}
export declare function generateStream(options?: { seed?: number; start?: number; minutes?: number; loginsPerMinute?: number; users?: number; duplicateRate?: number }): SyntheticStream;
