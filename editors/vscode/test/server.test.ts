// The extension's messages against the real server, without VS Code: the settings the
// extension sends (toServerSettings) change what the server reports, and the
// test-connection arguments and report summary work with a real probe.
// Needs MAILPORT_BIN (the server binary); skipped without it.

import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import {
  CodeAction,
  CodeActionRequest,
  CompletionItem,
  CompletionRequest,
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InlayHintRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-languageserver-protocol/node";
import { ServerSettings, summarizeProbeReport, testConnectionArguments, toServerSettings } from "../src/config";

const bin = process.env.MAILPORT_BIN;
const skip = bin && fs.existsSync(bin) ? false : "MAILPORT_BIN is not set to a mailport binary";

const DJANGO_ENV = "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=587\nEMAIL_HOST_USER=app\nEMAIL_USE_SSL=True\n";

/** One `mailport lsp` process with a minimal client around it. */
class Session {
  readonly proc: ChildProcess;
  readonly conn: ProtocolConnection;
  readonly published = new Map<string, PublishDiagnosticsParams[]>();
  /** What the client answers to workspace/configuration for the `mailport` section. */
  settings: ServerSettings;

  constructor(settings: ServerSettings) {
    this.settings = settings;
    this.proc = spawn(bin as string, ["lsp"], { stdio: ["pipe", "pipe", "inherit"] });
    this.conn = createProtocolConnection(
      new StreamMessageReader(this.proc.stdout!),
      new StreamMessageWriter(this.proc.stdin!),
    );
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      const list = this.published.get(p.uri) ?? [];
      list.push(p);
      this.published.set(p.uri, list);
    });
    this.conn.onRequest(ConfigurationRequest.type, (p) =>
      p.items.map((item) => (item.section === "mailport" ? this.settings : null)),
    );
    // What VS Code accepts without a word.
    for (const method of ["client/registerCapability", "window/workDoneProgress/create", "workspace/codeLens/refresh", "workspace/inlayHint/refresh"]) {
      this.conn.onRequest(method, () => null);
    }
    for (const method of ["window/showMessage", "window/logMessage", "$/progress"]) {
      this.conn.onNotification(method, () => undefined);
    }
    this.conn.listen();
  }

  async start(rootDir: string): Promise<void> {
    await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(rootDir).toString(),
      workspaceFolders: [{ uri: pathToFileURL(rootDir).toString(), name: "w" }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } },
        window: { workDoneProgress: true },
      },
      initializationOptions: this.settings,
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
  }

  async open(file: string, text: string, languageId = "dotenv"): Promise<string> {
    const uri = pathToFileURL(file).toString();
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version: 1, text },
    });
    return uri;
  }

  /** Waits for a publish for `uri` (after `count` earlier ones) that satisfies `pred`. */
  async diagnostics(uri: string, pred: (d: Diagnostic[]) => boolean, after = 0): Promise<Diagnostic[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const list = (this.published.get(uri) ?? []).slice(after);
      const hit = list.reverse().find((p) => pred(p.diagnostics));
      if (hit) return hit.diagnostics;
      if (Date.now() > deadline) {
        throw new Error(`no matching diagnostics for ${uri}; got ${JSON.stringify(list.map((p) => p.diagnostics.map((d) => d.code)))}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async preferredFix(uri: string, diag: Diagnostic): Promise<CodeAction> {
    const actions = await this.conn.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: diag.range,
      context: { diagnostics: [diag], only: ["quickfix"] },
    });
    const preferred = (actions ?? []).filter((a): a is CodeAction => "isPreferred" in a && a.isPreferred === true);
    assert.equal(preferred.length, 1, `one preferred quick fix, got ${JSON.stringify(actions)}`);
    return preferred[0];
  }

  async stop(): Promise<void> {
    try {
      await this.conn.sendRequest(ShutdownRequest.type);
      await this.conn.sendNotification(ExitNotification.type);
    } finally {
      this.conn.dispose();
      this.proc.kill();
    }
  }
}

function newTexts(action: CodeAction): string[] {
  const changes = action.edit?.changes ?? {};
  const fromChanges = Object.values(changes).flat().map((e) => e.newText);
  const fromDocChanges = (action.edit?.documentChanges ?? []).flatMap((c) =>
    "edits" in c ? c.edits.map((e) => ("newText" in e ? e.newText : e.snippet.value)) : [],
  );
  return [...fromChanges, ...fromDocChanges];
}

const isMP003 = (d: Diagnostic) => d.code === "MP003" && d.source === "mailport";

describe("extension settings and commands against the real server", { skip }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailport-vscode-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("default settings: MP003, and the preferred fix moves to port 465", async () => {
    const s = new Session(toServerSettings({ debounceMs: 0 }));
    try {
      await s.start(dir);
      const uri = await s.open(path.join(dir, ".env"), DJANGO_ENV);
      const diags = await s.diagnostics(uri, (d) => d.some(isMP003));
      const fix = await s.preferredFix(uri, diags.find(isMP003)!);
      assert.deepEqual(newTexts(fix), ["465"]);
    } finally {
      await s.stop();
    }
  });

  // VS Code has no language of its own for Emacs Lisp or Hjson: without an extension for them the
  // document comes as plaintext, with one as emacs-lisp / hjson. The file name decides either way.
  const byName: [string, string, string[], string][] = [
    [
      "init.el",
      '(setq smtpmail-smtp-server "smtp.example.com"\n      smtpmail-smtp-service 587\n      smtpmail-stream-type \'ssl)\n',
      ["plaintext", "emacs-lisp"],
      "465",
    ],
    [
      "lemmy.hjson",
      '{\n  # Lemmy\n  email: {\n    smtp_server: "smtp.example.com:587"\n    tls_type: "tls"\n  }\n}\n',
      ["plaintext", "hjson"],
      "465",
    ],
  ];
  for (const [name, text, languageIds, fixed] of byName) {
    for (const languageId of languageIds) {
      it(`${name} opened as ${languageId}: MP003, and the preferred fix moves to port ${fixed}`, async () => {
        const s = new Session(toServerSettings({ debounceMs: 0 }));
        try {
          await s.start(dir);
          const sub = fs.mkdtempSync(path.join(dir, "byname-"));
          const uri = await s.open(path.join(sub, name), text, languageId);
          const diags = await s.diagnostics(uri, (d) => d.some(isMP003));
          const fix = await s.preferredFix(uri, diags.find(isMP003)!);
          assert.ok(newTexts(fix).some((t) => t.includes(fixed)), JSON.stringify(newTexts(fix)));
        } finally {
          await s.stop();
        }
      });
    }
  }

  it("mailport.rules from VS Code turns a rule off (initializationOptions)", async () => {
    const s = new Session(toServerSettings({ debounceMs: 0, rules: { MP003: "off" } }));
    try {
      await s.start(dir);
      const uri = await s.open(path.join(dir, ".env"), DJANGO_ENV);
      const diags = await s.diagnostics(uri, () => true);
      assert.ok(!diags.some(isMP003), `MP003 still reported: ${JSON.stringify(diags)}`);
    } finally {
      await s.stop();
    }
  });

  it("a changed mailport.prefer reaches the running server (didChangeConfiguration)", async () => {
    const s = new Session(toServerSettings({ debounceMs: 0 }));
    try {
      await s.start(dir);
      const uri = await s.open(path.join(dir, ".env"), DJANGO_ENV);
      await s.diagnostics(uri, (d) => d.some(isMP003));
      const seen = s.published.get(uri)?.length ?? 0;
      // What extension.ts sends when a setting that needs no restart changes.
      s.settings = toServerSettings({ debounceMs: 0, prefer: "starttls" });
      await s.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { mailport: s.settings } });
      const diags = await s.diagnostics(uri, (d) => d.some(isMP003), seen);
      const fix = await s.preferredFix(uri, diags.find(isMP003)!);
      assert.ok(!newTexts(fix).includes("465"), `prefer = starttls still prefers 465: ${fix.title}`);
    } finally {
      await s.stop();
    }
  });

  it("an inlay hint after the port says the mode; mailport.inlayHints turns it off", async () => {
    const s = new Session(toServerSettings({ debounceMs: 0 }));
    try {
      await s.start(dir);
      const uri = await s.open(path.join(dir, ".env"), "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=465\nEMAIL_USE_SSL=True\n");
      await s.diagnostics(uri, () => true);
      const range = { start: { line: 0, character: 0 }, end: { line: 3, character: 0 } };
      const hints = await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range });
      assert.deepEqual(
        (hints ?? []).map((h) => [h.position.line, h.position.character, h.label]),
        [[1, 14, "SMTP · implicit TLS"]],
      );
      s.settings = toServerSettings({ debounceMs: 0, inlayHints: false });
      await s.conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { mailport: s.settings } });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const off = await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range });
        if (off === null) break;
        assert.ok(Date.now() < deadline, `hints still shown: ${JSON.stringify(off)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await s.stop();
    }
  });

  it("completion on the port offers the ports that fit the mode", async () => {
    const s = new Session(toServerSettings({ debounceMs: 0 }));
    try {
      await s.start(dir);
      const uri = await s.open(path.join(dir, ".env"), DJANGO_ENV);
      await s.diagnostics(uri, () => true);
      const result = await s.conn.sendRequest(CompletionRequest.type, {
        textDocument: { uri },
        position: { line: 1, character: 11 },
      });
      const items: CompletionItem[] = Array.isArray(result) ? result : (result?.items ?? []);
      // EMAIL_USE_SSL=True is implicit TLS: 587 (STARTTLS) would be flagged, so only 465.
      assert.deepEqual(items.map((i) => i.label), ["465"]);
    } finally {
      await s.stop();
    }
  });

  it("a mail config that is never opened gets its diagnostic; mailport.workspace.scan turns it off", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mailport-scan-"));
    const file = path.join(root, ".env");
    fs.writeFileSync(file, DJANGO_ENV);
    const uri = pathToFileURL(file).toString();
    const on = new Session(toServerSettings({ debounceMs: 0 }));
    try {
      await on.start(root);
      const found = await on.diagnostics(uri, (d) => d.some((x) => x.code === "MP003"));
      assert.equal(found.find((x) => x.code === "MP003")?.range.start.line, 1);
    } finally {
      await on.stop();
    }
    const off = new Session(toServerSettings({ debounceMs: 0, workspace: { scan: false } }));
    try {
      await off.start(root);
      // the scan would have published within a second of `initialized`
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(off.published.get(uri) ?? [], []);
    } finally {
      await off.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("Test connection at cursor: the extension's arguments and report summary", async () => {
    const smtp = net.createServer((sock) => {
      sock.write("220 test ESMTP\r\n");
      sock.on("data", (data) => {
        for (const line of data.toString().split("\r\n").filter(Boolean)) {
          const verb = line.split(" ")[0].toUpperCase();
          if (verb === "EHLO" || verb === "HELO") sock.write("250-test greets you\r\n250 8BITMIME\r\n");
          else if (verb === "QUIT") sock.end("221 bye\r\n");
          else sock.write("502 no\r\n");
        }
      });
      sock.on("error", () => undefined);
    });
    await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
    const port = (smtp.address() as net.AddressInfo).port;
    const s = new Session(toServerSettings({ debounceMs: 0, probe: { timeoutSecs: 5 } }));
    try {
      await s.start(dir);
      const uri = await s.open(
        path.join(dir, "probe.env"),
        `EMAIL_HOST=127.0.0.1\nEMAIL_PORT=${port}\nEMAIL_USE_TLS=False\n`,
      );
      const result = await s.conn.sendRequest(ExecuteCommandRequest.type, {
        command: "mailport.server.testConnection",
        arguments: testConnectionArguments(uri, 1, 11),
      });
      const summary = summarizeProbeReport(result);
      assert.match(summary.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.ok(summary.details.includes("  greeting: 220 test ESMTP"), summary.details.join("\n"));
      assert.ok(summary.details.includes("  observed: smtp, plaintext"), summary.details.join("\n"));
    } finally {
      await s.stop();
      smtp.close();
    }
  });
});
