// The VS Code side of mailport: starts `mailport lsp`, feeds it the `mailport.*`
// settings, and adds the commands. The decisions live in config.ts (tested
// without VS Code); this file only wires them to the VS Code API.

import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import {
  documentSelector,
  ExtensionSettings,
  extraPatterns,
  genericFormats,
  needsRestart,
  resolveServerPath,
  serverArgs,
  ServerNotFoundError,
  summarizeProbeReport,
  testConnectionArguments,
  toServerSettings,
} from "./config";

const SECTION = "mailport";
/** Command the server executes (registered by the client from the server's capabilities). */
const SERVER_TEST_CONNECTION = "mailport.server.testConnection";

let client: LanguageClient | undefined;
/** Tells the server when `.mailport.toml` changes; one per client, disposed with it. */
let configWatcher: vscode.FileSystemWatcher | undefined;
let output: vscode.LogOutputChannel;
let lastSettings: ExtensionSettings;

function readSettings(scope?: vscode.ConfigurationScope): ExtensionSettings {
  const cfg = vscode.workspace.getConfiguration(SECTION, scope);
  return {
    server: { path: cfg.get<string | null>("server.path", null), extraArgs: cfg.get("server.extraArgs", []) },
    files: { genericFormats: cfg.get("files.genericFormats", true), include: cfg.get("files.include", []) },
    prefer: cfg.get("prefer"),
    rules: cfg.get("rules"),
    allow: cfg.get("allow"),
    debounceMs: cfg.get("debounceMs"),
    codeLens: cfg.get("codeLens"),
    inlayHints: cfg.get("inlayHints"),
    probe: { timeoutSecs: cfg.get("probe.timeoutSecs") },
    workspace: {
      scan: cfg.get("workspace.scan"),
      maxFiles: cfg.get("workspace.maxFiles"),
      maxBytes: cfg.get("workspace.maxBytes"),
    },
    trace: { server: cfg.get("trace.server") },
  };
}

function showProbeReport(result: unknown): void {
  const summary = summarizeProbeReport(result);
  output.info(summary.details.join("\n"));
  const details = "Show details";
  const show =
    summary.level === "info"
      ? vscode.window.showInformationMessage(summary.message, details)
      : summary.level === "warning"
        ? vscode.window.showWarningMessage(summary.message, details)
        : vscode.window.showErrorMessage(summary.message, details);
  void show.then((choice) => {
    if (choice === details) output.show(true);
  });
}

function createClient(context: vscode.ExtensionContext): LanguageClient | undefined {
  const settings = readSettings();
  let server;
  try {
    server = resolveServerPath({
      configuredPath: settings.server?.path,
      extensionPath: context.extensionPath,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    });
  } catch (err) {
    const message = err instanceof ServerNotFoundError ? err.message : String(err);
    output.error(message);
    const open = "Open settings";
    void vscode.window.showErrorMessage(`mailport: ${message}`, open).then((choice) => {
      if (choice === open) void vscode.commands.executeCommand("workbench.action.openSettings", "mailport.server.path");
    });
    return undefined;
  }
  output.info(`starting ${server.path} (${server.source}) ${serverArgs(settings).join(" ")}`);
  configWatcher = vscode.workspace.createFileSystemWatcher("**/.mailport.toml");

  const run = { command: server.path, args: serverArgs(settings), transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(genericFormats(settings), extraPatterns(settings)),
    outputChannel: output,
    initializationOptions: toServerSettings(settings),
    synchronize: { fileEvents: configWatcher },
    middleware: {
      workspace: {
        // The server pulls its section; answer with the mapped settings for the
        // requested scope instead of VS Code's raw `mailport.*` tree.
        configuration: async (params, token, next) => {
          const raw = await next(params, token);
          if (!Array.isArray(raw)) return raw;
          return params.items.map((item, i) =>
            item.section === SECTION
              ? toServerSettings(readSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined))
              : raw[i],
          );
        },
      },
      // Code lenses and other clients of the server command land here too.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        if (command === SERVER_TEST_CONNECTION) showProbeReport(result);
        return result;
      },
    },
  };
  return new LanguageClient("mailport", "Mailport", serverOptions, clientOptions);
}

async function startServer(context: vscode.ExtensionContext): Promise<void> {
  lastSettings = readSettings();
  client = createClient(context);
  if (client === undefined) return;
  try {
    await client.start();
  } catch (err) {
    output.error(`the server did not start: ${String(err)}`);
    void vscode.window.showErrorMessage(`mailport: the server did not start (${String(err)}). See "mailport: Show output".`);
  }
}

async function stopServer(): Promise<void> {
  const running = client;
  client = undefined;
  configWatcher?.dispose();
  configWatcher = undefined;
  if (running !== undefined) {
    try {
      await running.stop();
    } catch (err) {
      output.warn(`stopping the server: ${String(err)}`);
    }
  }
}

async function restartServer(context: vscode.ExtensionContext): Promise<void> {
  await stopServer();
  await startServer(context);
}

async function testConnectionAtCursor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    void vscode.window.showWarningMessage("mailport: open a config file and put the cursor on a mail server setting.");
    return;
  }
  if (client === undefined || !client.isRunning()) {
    void vscode.window.showErrorMessage('mailport: the server is not running. Try "mailport: Restart server".');
    return;
  }
  const pos = editor.selection.active;
  const args = testConnectionArguments(editor.document.uri.toString(), pos.line, pos.character);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: "mailport: testing the connection…" },
    async () => {
      try {
        const result: unknown = await client?.sendRequest(ExecuteCommandRequest.type, {
          command: SERVER_TEST_CONNECTION,
          arguments: args,
        });
        showProbeReport(result);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        output.error(`test connection: ${message}`);
        void vscode.window.showErrorMessage(`mailport: ${message}`);
      }
    },
  );
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Mailport", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("mailport.testConnection", testConnectionAtCursor),
    vscode.commands.registerCommand("mailport.restartServer", () => restartServer(context)),
    vscode.commands.registerCommand("mailport.showOutput", () => output.show()),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (!event.affectsConfiguration(SECTION)) return;
      const settings = readSettings();
      if (needsRestart(lastSettings, settings)) {
        output.info("server settings changed: restarting");
        await restartServer(context);
      } else if (client?.isRunning()) {
        lastSettings = settings;
        await client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { [SECTION]: toServerSettings(settings) },
        });
      }
    }),
  );
  await startServer(context);
}

export async function deactivate(): Promise<void> {
  await stopServer();
}
