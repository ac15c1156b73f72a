// C2SP signed notes and tlog-checkpoints (src/compliance/node/signed-note.ts,
// signed-checkpoint.ts, src/compliance/checkpoint.ts).
//
// Golden vectors: the example of Go's golang.org/x/mod/sumdb/note package
// documentation (example_test.go, ExampleSign and ExampleOpen): the signer
// key PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz,
// its verifier key, the text and the signed note Go prints. Ed25519 is
// deterministic, so signing that text with that key here must give Go's
// note byte for byte: the proof that Go's note.Open accepts our notes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError, checkpointBody, merkleRoot, parseCheckpoint } from "../src/compliance/index.js";
import { NoteSigner, NoteVerifier, generateNoteKey, openCheckpoint, openNote, signCheckpoint, signNote } from "../src/compliance/node/index.js";

const GO_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VERIFIER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

describe("Go's published note example (golden)", () => {
  it("opens Go's signed note with Go's verifier key", () => {
    const opened = openNote(GO_NOTE, [NoteVerifier.fromKey(GO_VERIFIER_KEY)]);
    expect(opened.text).toBe(GO_TEXT);
    expect(opened.verified).toEqual([{ name: "PeterNeumann", keyId: 0xc74f20a3 }]);
  });

  it("signs Go's text with Go's signer key into Go's note, byte for byte", () => {
    const signer = NoteSigner.fromKey(GO_SIGNER_KEY);
    expect(signer.keyId).toBe(0xc74f20a3);
    expect(signer.verifierKey).toBe(GO_VERIFIER_KEY);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
  });

  it("refuses Go's note once a byte of text or signature changes", () => {
    const verifier = NoteVerifier.fromKey(GO_VERIFIER_KEY);
    expect(() => openNote(GO_NOTE.replace("answer", "Answer"), [verifier])).toThrow(/does not verify/);
    expect(() => openNote(GO_NOTE.replace("x08go", "x08gp"), [verifier])).toThrow(DecodeError);
  });
});

describe("signatures and keys", () => {
  const ours = generateNoteKey("example.com/audit");
  const signer = NoteSigner.fromKey(ours.signerKey);
  const go = NoteSigner.fromKey(GO_SIGNER_KEY);

  it("key IDs are SHA-256(name ‖ \\n ‖ 0x01 ‖ public key)[0:4]", async () => {
    const { createHash } = await import("node:crypto");
    // The key data is everything after the second "+" (base64 may hold "+" itself).
    const [name, hash, ...rest] = ours.verifierKey.split("+");
    const data = Buffer.from(rest.join("+"), "base64");
    expect([name, hash?.length]).toEqual(["example.com/audit", 8]);
    const id = createHash("sha256").update("example.com/audit\n").update(data).digest().readUInt32BE(0);
    expect(signer.keyId).toBe(id);
    expect(ours.verifierKey.split("+")[1]).toBe(id.toString(16).padStart(8, "0"));
  });

  it("accepts several signatures and ignores unknown keys", () => {
    const note = signNote("hello\n", go, signer);
    const onlyOurs = openNote(note, [NoteVerifier.fromKey(ours.verifierKey)]);
    expect(onlyOurs.verified.map((s) => s.name)).toEqual(["example.com/audit"]);
    expect(onlyOurs.unverified.map((s) => s.name)).toEqual(["PeterNeumann"]);
    const both = openNote(note, [NoteVerifier.fromKey(ours.verifierKey), NoteVerifier.fromKey(GO_VERIFIER_KEY)]);
    expect(both.verified.length).toBe(2);
    // A third, unknown signature line (well-formed) is ignored.
    const extra = `${note}— someone.else ${Buffer.alloc(68, 7).toString("base64")}\n`;
    expect(openNote(extra, [NoteVerifier.fromKey(GO_VERIFIER_KEY)]).unverified.length).toBe(2);
  });

  it("needs one signature from a known key", () => {
    expect(() => openNote(signNote("hello\n", signer), [NoteVerifier.fromKey(GO_VERIFIER_KEY)])).toThrow(/no signature from a known key/);
  });

  it("refuses a bad signature from a known key even beside a good one", () => {
    const good = signNote("hello\n", go);
    const sigLine = good.split("\n").at(-2) as string;
    const forgedSig = Buffer.from(sigLine.split(" ")[2] as string, "base64");
    forgedSig[10] = (forgedSig[10] as number) ^ 1;
    const note = `${good}— PeterNeumann ${forgedSig.toString("base64")}\n`;
    // Same key twice: Go checks one signature per key (the first); a bad first one fails.
    const reversed = `hello\n\n— PeterNeumann ${forgedSig.toString("base64")}\n${sigLine}\n`;
    expect(openNote(note, [NoteVerifier.fromKey(GO_VERIFIER_KEY)]).verified.length).toBe(1);
    expect(() => openNote(reversed, [NoteVerifier.fromKey(GO_VERIFIER_KEY)])).toThrow(/does not verify/);
  });

  it("refuses malformed key texts and key IDs that do not match", () => {
    for (const text of ["", "PRIVATE+KEY+", "PRIVATE+KEY+a+b+c", GO_SIGNER_KEY.replace("c74f20a3", "c74f20a4"), GO_SIGNER_KEY.replace("AYEK", "AgEK")]) {
      expect(() => NoteSigner.fromKey(text), text).toThrow(DecodeError);
    }
    for (const text of ["", "a+b", GO_VERIFIER_KEY.replace("c74f20a3", "C74F20A3"), GO_VERIFIER_KEY.replace("PeterNeumann", "Peter"), `${GO_VERIFIER_KEY}=`]) {
      expect(() => NoteVerifier.fromKey(text), text).toThrow(DecodeError);
    }
  });

  it("refuses text a note cannot carry", () => {
    expect(() => signNote("no newline", signer)).toThrow(/newline/);
    expect(() => signNote("tab\there\n", signer)).toThrow(/control characters/);
    expect(() => generateNoteKey("has space")).toThrow(/name/);
  });
});

describe("malformed notes are refused with DecodeError, never another error (fuzz)", () => {
  const verifiers = [NoteVerifier.fromKey(GO_VERIFIER_KEY)];
  const refusesCleanly = (note: string): void => {
    try {
      openNote(note, verifiers);
    } catch (error) {
      // A plain check: expect() per run is slow in a 1000-run property.
      if (!(error instanceof DecodeError)) throw error;
    }
  };

  it("random strings", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), refusesCleanly), { numRuns: 500 });
  });

  it("every truncation of Go's note", () => {
    for (let i = 0; i < GO_NOTE.length; i++) {
      expect(() => openNote(GO_NOTE.slice(0, i), verifiers), `cut at ${i}`).toThrow(DecodeError);
    }
  });

  it("single-character edits of Go's note", () => {
    fc.assert(
      fc.property(fc.nat(GO_NOTE.length - 1), fc.string({ unit: "binary", minLength: 1, maxLength: 2 }), (at, insert) => {
        const edited = GO_NOTE.slice(0, at) + insert + GO_NOTE.slice(at + 1);
        if (edited === GO_NOTE) return;
        expect(() => openNote(edited, verifiers)).toThrow(DecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it("the named malformations", () => {
    const cases: Record<string, string> = {
      "no blank line": GO_NOTE.replace("\n\n", "\n"),
      "no final newline": GO_NOTE.slice(0, -1),
      "hyphen for em dash": GO_NOTE.replace("— ", "- "),
      "short signature": `${GO_TEXT}\n— PeterNeumann AAAA\n`,
      "empty signature": `${GO_TEXT}\n— PeterNeumann \n`,
      "control character": GO_NOTE.replace("If", "I\u0001f"),
      "too many signatures": `${GO_TEXT}\n${`— x AAAAAAA=\n`.repeat(101)}`,
    };
    for (const [name, note] of Object.entries(cases)) expect(() => openNote(note, verifiers), name).toThrow(DecodeError);
  });
});

describe("checkpoints (C2SP tlog-checkpoint)", () => {
  const signer = NoteSigner.fromKey(GO_SIGNER_KEY);
  const root = merkleRoot([new Uint8Array([1])]);

  it("formats origin, decimal size and base64 root, one per line", () => {
    expect(checkpointBody("example.com/audit", 1, root)).toBe(`example.com/audit\n1\n${Buffer.from(root).toString("base64")}\n`);
    expect(checkpointBody("o", 2, root, ["ext one"])).toMatch(/\next one\n$/);
  });

  it("round-trips through a signed note", () => {
    const signed = signCheckpoint({ origin: "example.com/audit", size: 123456, root }, signer);
    const opened = openCheckpoint(signed.note, [GO_VERIFIER_KEY], { origin: "example.com/audit" });
    expect(opened.size).toBe(123456);
    expect(Buffer.from(opened.root).equals(root)).toBe(true);
    expect(() => openCheckpoint(signed.note, [GO_VERIFIER_KEY], { origin: "other" })).toThrow(/origin/);
  });

  it("refuses malformed bodies", () => {
    const r = Buffer.from(root).toString("base64");
    for (const body of [`o\n01\n${r}\n`, `o\n-1\n${r}\n`, `o\n1\n${r}`, `o\n1\n${r.slice(1)}\n`, `\n1\n${r}\n`, `o\n1\n${r}\n\n`, `o\n99999999999999999\n${r}\n`, `o\n1\n${r.replace("=", "")}\n`]) {
      expect(() => parseCheckpoint(body), JSON.stringify(body)).toThrow(DecodeError);
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), (text) => {
        try {
          parseCheckpoint(text);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
