// Logic that does not need VS Code: where the server binary is, which files the
// extension claims, how VS Code settings become the server's `mailport` section,
// and how a probe report reads. Kept free of `vscode` imports so node:test runs it.

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

// ---------------------------------------------------------------------------
// Finding the server

export type ServerSource = "setting" | "bundled" | "PATH";

export interface ResolvedServer {
  path: string;
  source: ServerSource;
}

export interface ServerLookup {
  /** `mailport.server.path`; empty or null means "not set". */
  configuredPath: string | null | undefined;
  /** The extension's install folder (holds `server/` in platform builds). */
  extensionPath: string;
  /** First workspace folder, for a relative `mailport.server.path`. */
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  env?: NodeJS.ProcessEnv;
  homeDir?: string;
  isExecutable?: (file: string) => boolean;
}

export class ServerNotFoundError extends Error {}

export function executableName(platform: NodeJS.Platform): string {
  return platform === "win32" ? "mailport.exe" : "mailport";
}

export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== "win32") fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Expands a leading `~` and makes a relative path absolute against the workspace. */
export function expandConfiguredPath(
  configured: string,
  homeDir: string,
  workspaceFolder: string | undefined,
): string {
  let p = configured.trim();
  if (p === "~") p = homeDir;
  else if (p.startsWith("~/") || p.startsWith("~\\")) p = path.join(homeDir, p.slice(2));
  if (!path.isAbsolute(p) && workspaceFolder !== undefined) p = path.join(workspaceFolder, p);
  return p;
}

/**
 * The server binary: `mailport.server.path` if set (an explicit setting that
 * points nowhere is an error, never silently replaced), else the binary
 * bundled in a platform-specific build (`<extension>/server/mailport`), else
 * the first `mailport` on PATH.
 */
export function resolveServerPath(lookup: ServerLookup): ResolvedServer {
  const platform = lookup.platform ?? process.platform;
  const env = lookup.env ?? process.env;
  const isExecutable = lookup.isExecutable ?? isExecutableFile;
  const exe = executableName(platform);

  const configured = lookup.configuredPath?.trim();
  if (configured) {
    const file = expandConfiguredPath(configured, lookup.homeDir ?? os.homedir(), lookup.workspaceFolder);
    if (isExecutable(file)) return { path: file, source: "setting" };
    throw new ServerNotFoundError(
      `mailport.server.path is set to "${configured}", but ${file} is not an executable file.`,
    );
  }

  const bundled = path.join(lookup.extensionPath, "server", exe);
  if (isExecutable(bundled)) return { path: bundled, source: "bundled" };

  const pathVar = env.PATH ?? env.Path ?? "";
  const delimiter = platform === "win32" ? ";" : ":";
  for (const dir of pathVar.split(delimiter)) {
    if (dir === "") continue;
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) return { path: candidate, source: "PATH" };
  }
  throw new ServerNotFoundError(
    "The mailport server was not found: set mailport.server.path, or put the `mailport` " +
      "binary on PATH (from a checkout of mailport: `cargo install --path .`).",
  );
}

// ---------------------------------------------------------------------------
// Which documents the extension claims

/**
 * Files mailport reads, by name. Most of them have no language id in VS Code
 * (msmtprc, .env.production, main.cf …), so they are matched by pattern only.
 * Keep in step with `activationEvents` in package.json (a test checks it).
 */
export const MAIL_CONFIG_PATTERNS: readonly string[] = [
  // dotenv family (Django, Laravel, Mastodon, Symfony MAILER_DSN, compose env files)
  "**/.env",
  "**/.env.*",
  "**/*.env",
  // docker compose, Spring Boot, Alertmanager, GitHub Actions workflows
  "**/{docker-compose,compose}*.{yml,yaml}",
  "**/application*.{properties,yml,yaml}",
  "**/alertmanager*.{yml,yaml}",
  "**/.github/workflows/*.{yml,yaml}",
  // INI: Gitea/Forgejo, Grafana, OfflineIMAP, aerc
  "**/app.ini",
  "**/{grafana,custom,defaults}.ini",
  "**/{.offlineimaprc,offlineimaprc}",
  "**/aerc/accounts.conf",
  // TOML: himalaya
  "**/himalaya/config.toml",
  // JSON: Ghost, Keycloak realm exports
  "**/config.{production,development}.json",
  "**/*realm*.json",
  // line formats: msmtp, mbsync, mutt/neomutt, fetchmail, Postfix, mailx
  "**/{.msmtprc,msmtprc,*.msmtprc}",
  "**/{.mbsyncrc,mbsyncrc,.isyncrc,isyncrc}",
  "**/{.muttrc,muttrc,*.muttrc,.neomuttrc,neomuttrc,*.neomuttrc}",
  "**/{.fetchmailrc,fetchmailrc}",
  "**/{main,master}.cf",
  "**/{.mailrc,mailrc,.nailrc,nail.rc,s-nail.rc,mail.rc}",
  // sSMTP, nullmailer, esmtp
  "**/ssmtp.conf",
  "**/nullmailer/remotes",
  "**/{.esmtprc,esmtprc}",
  // Dockerfile ENV instructions
  "**/{Dockerfile,Containerfile,Dockerfile.*,*.Dockerfile,*.dockerfile}",
  // Claws Mail, Alpine, getmail
  "**/.claws-mail/accountrc",
  "**/{.pinerc,pinerc,pine.conf}",
  "**/getmailrc",
  // Emacs init files (smtpmail): only these names, not every Emacs Lisp file
  "**/{.emacs,_emacs,.gnus,.gnus.el,init.el}",
  // Hjson: Lemmy's lemmy.hjson
  "**/*.hjson",
  // Thunderbird autoconfig, application code that holds mail settings
  "**/config-v1.1.xml",
  "**/settings.py",
  "**/settings/*.py",
  "**/{config,wp-config}.php",
  "**/config/mail.php",
  "**/gitlab.rb",
  "**/config/environments/*.rb",
];

/**
 * Language ids whose documents are all worth a look (mailport's generic profile
 * reads any YAML, JSON, TOML, INI or properties file; a file without mail
 * settings simply gets no diagnostics). Off with `mailport.files.genericFormats`.
 */
export const GENERIC_LANGUAGE_IDS: readonly string[] = [
  "dotenv",
  "yaml",
  "dockercompose",
  "json",
  "jsonc",
  "toml",
  "ini",
  "properties",
  "java-properties",
  "spring-boot-properties",
  "spring-boot-properties-yaml",
];

export interface DocumentFilterLike {
  scheme: string;
  language?: string;
  pattern?: string;
}

// `extraPatterns` (`mailport.files.include`) adds globs of the user's own, for example one
// for a `mailer.js` (the server reads JavaScript, Python, PHP, Ruby and Java files that hold mail settings).
export function documentSelector(genericFormats: boolean, extraPatterns: readonly string[] = []): DocumentFilterLike[] {
  const selector: DocumentFilterLike[] = [];
  for (const scheme of ["file", "untitled"]) {
    for (const pattern of [...MAIL_CONFIG_PATTERNS, ...extraPatterns]) selector.push({ scheme, pattern });
    if (genericFormats) {
      for (const language of GENERIC_LANGUAGE_IDS) selector.push({ scheme, language });
    }
  }
  return selector;
}

/** The activation events package.json must list for the selector above. */
export function expectedActivationEvents(): string[] {
  return [
    ...GENERIC_LANGUAGE_IDS.map((id) => `onLanguage:${id}`),
    ...MAIL_CONFIG_PATTERNS.map((p) => `workspaceContains:${p}`),
  ];
}

// ---------------------------------------------------------------------------
// Settings: VS Code `mailport.*` → the server's `mailport` section

export const SEVERITIES = ["off", "hint", "info", "warning", "error"] as const;
export type Severity = (typeof SEVERITIES)[number];
export const PREFERENCES = ["implicit-tls", "starttls"] as const;
export type Prefer = (typeof PREFERENCES)[number];

/** What `vscode.workspace.getConfiguration("mailport")` holds (partly). */
export interface ExtensionSettings {
  server?: { path?: string | null; extraArgs?: unknown };
  files?: { genericFormats?: unknown; include?: unknown };
  prefer?: unknown;
  rules?: unknown;
  allow?: unknown;
  debounceMs?: unknown;
  codeLens?: unknown;
  inlayHints?: unknown;
  probe?: { timeoutSecs?: unknown };
  workspace?: { scan?: unknown; maxFiles?: unknown; maxBytes?: unknown };
  trace?: { server?: unknown };
}

export interface AllowEntry {
  host: string;
  ports?: number[];
}

/** The `mailport` settings section the server reads (see the LSP settings contract). */
export interface ServerSettings {
  prefer?: Prefer;
  rules?: Record<string, Severity>;
  allow?: AllowEntry[];
  debounceMs?: number;
  codeLens?: boolean;
  inlayHints?: boolean;
  probe?: { timeoutSecs: number };
  workspace?: { scan?: boolean; maxFiles?: number; maxBytes?: number };
}

const RULE_CODE = /^MP\d{3}$/;

function isPort(n: unknown): n is number {
  return typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 65535;
}

/**
 * Keeps only values the server understands; anything malformed is dropped
 * (the server then uses its default or `.mailport.toml`) rather than sent.
 */
export function toServerSettings(s: ExtensionSettings): ServerSettings {
  const out: ServerSettings = {};
  if (typeof s.prefer === "string" && (PREFERENCES as readonly string[]).includes(s.prefer)) {
    out.prefer = s.prefer as Prefer;
  }
  if (s.rules !== null && typeof s.rules === "object" && !Array.isArray(s.rules)) {
    const rules: Record<string, Severity> = {};
    for (const [code, severity] of Object.entries(s.rules as Record<string, unknown>)) {
      const upper = code.toUpperCase();
      if (RULE_CODE.test(upper) && typeof severity === "string" && (SEVERITIES as readonly string[]).includes(severity)) {
        rules[upper] = severity as Severity;
      }
    }
    if (Object.keys(rules).length > 0) out.rules = rules;
  }
  if (Array.isArray(s.allow)) {
    const allow: AllowEntry[] = [];
    for (const entry of s.allow) {
      if (entry === null || typeof entry !== "object") continue;
      const { host, ports } = entry as { host?: unknown; ports?: unknown };
      if (typeof host !== "string" || host.trim() === "") continue;
      const item: AllowEntry = { host: host.trim() };
      if (Array.isArray(ports)) item.ports = ports.filter(isPort);
      allow.push(item);
    }
    if (allow.length > 0) out.allow = allow;
  }
  if (typeof s.debounceMs === "number" && Number.isFinite(s.debounceMs) && s.debounceMs >= 0) {
    out.debounceMs = Math.round(s.debounceMs);
  }
  if (typeof s.codeLens === "boolean") out.codeLens = s.codeLens;
  if (typeof s.inlayHints === "boolean") out.inlayHints = s.inlayHints;
  const timeout = s.probe?.timeoutSecs;
  if (typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0) {
    out.probe = { timeoutSecs: timeout };
  }
  const ws = s.workspace;
  const workspace: { scan?: boolean; maxFiles?: number; maxBytes?: number } = {};
  if (typeof ws?.scan === "boolean") workspace.scan = ws.scan;
  for (const key of ["maxFiles", "maxBytes"] as const) {
    const n = ws?.[key];
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) workspace[key] = n;
  }
  if (Object.keys(workspace).length > 0) out.workspace = workspace;
  return out;
}

export function serverArgs(s: ExtensionSettings): string[] {
  const extra = s.server?.extraArgs;
  const args = Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [];
  return ["lsp", ...args];
}

/** Settings read when the server starts; changing them restarts it. */
export function needsRestart(before: ExtensionSettings, after: ExtensionSettings): boolean {
  return (
    (before.server?.path ?? "") !== (after.server?.path ?? "") ||
    JSON.stringify(serverArgs(before)) !== JSON.stringify(serverArgs(after)) ||
    genericFormats(before) !== genericFormats(after) ||
    JSON.stringify(extraPatterns(before)) !== JSON.stringify(extraPatterns(after))
  );
}

/** `mailport.files.include`: non-empty strings only. */
export function extraPatterns(s: ExtensionSettings): string[] {
  const include = s.files?.include;
  return Array.isArray(include) ? include.filter((p): p is string => typeof p === "string" && p.trim() !== "") : [];
}

export function genericFormats(s: ExtensionSettings): boolean {
  return s.files?.genericFormats !== false;
}

// ---------------------------------------------------------------------------
// Test connection: request arguments and the report shown to the user

export interface CursorTarget {
  uri: string;
  position: { line: number; character: number };
}

export function testConnectionArguments(uri: string, line: number, character: number): [CursorTarget] {
  return [{ uri, position: { line, character } }];
}

/** The parts of the probe report (`mailport probe --format json`) the extension shows. */
export interface ProbeReport {
  target?: { host?: string | null; port?: number | null; protocol?: string | null; security?: string | null };
  addresses?: string[] | null;
  reachable?: boolean | null;
  observed?: {
    protocol?: string | null;
    mode?: string | null;
    greeting?: string | null;
    starttls_offered?: boolean | null;
    capabilities?: string[] | null;
    auth_mechanisms?: string[] | null;
    tls?: {
      version?: string | null;
      cipher?: string | null;
      certificate?: {
        subject?: string | null;
        issuer?: string | null;
        not_after?: string | null;
        trusted?: boolean | null;
        hostname_ok?: boolean | null;
      } | null;
    } | null;
  } | null;
  timings_ms?: Record<string, number | null> | null;
  findings?: { code?: string; severity?: string; message?: string }[] | null;
  verdict?: string | null;
}

export type NoticeLevel = "info" | "warning" | "error";

export interface ProbeSummary {
  level: NoticeLevel;
  /** One line for the notification. */
  message: string;
  /** Lines for the output channel. */
  details: string[];
}

function targetLabel(r: ProbeReport): string {
  const t = r.target ?? {};
  const where = `${t.host ?? "?"}${t.port != null ? `:${t.port}` : ""}`;
  const how = [t.protocol, t.security].filter((x) => x != null && x !== "").join(", ");
  return how ? `${where} (${how})` : where;
}

export function summarizeProbeReport(value: unknown): ProbeSummary {
  if (value === null || typeof value !== "object") {
    return {
      level: "error",
      message: "mailport: the server returned no probe report.",
      details: [`unexpected result: ${JSON.stringify(value)}`],
    };
  }
  const r = value as ProbeReport;
  const verdict = r.verdict ?? "unknown";
  const level: NoticeLevel = verdict === "ok" ? "info" : verdict === "failed" ? "error" : "warning";
  const findings = (r.findings ?? []).filter((f) => f && typeof f.message === "string");
  const mode = r.observed?.mode;
  let headline: string;
  if (verdict === "ok") headline = `works${mode ? ` (${mode})` : ""}`;
  else if (verdict === "failed") headline = "could not be reached";
  else headline = verdict;
  const first = findings[0]?.message;
  const message = `mailport: ${targetLabel(r)} ${headline}${first ? `: ${first}` : "."}`;

  const details: string[] = [`Test connection: ${targetLabel(r)}`, `  verdict: ${verdict}`];
  if (r.addresses && r.addresses.length > 0) details.push(`  addresses: ${r.addresses.join(", ")}`);
  if (r.reachable != null) details.push(`  reachable: ${r.reachable ? "yes" : "no"}`);
  const o = r.observed;
  if (o) {
    if (o.protocol || o.mode) details.push(`  observed: ${[o.protocol, o.mode].filter(Boolean).join(", ")}`);
    if (o.greeting) details.push(`  greeting: ${o.greeting}`);
    if (o.starttls_offered != null) details.push(`  STARTTLS offered: ${o.starttls_offered ? "yes" : "no"}`);
    if (o.capabilities && o.capabilities.length > 0) details.push(`  capabilities: ${o.capabilities.join(", ")}`);
    if (o.auth_mechanisms && o.auth_mechanisms.length > 0) details.push(`  AUTH: ${o.auth_mechanisms.join(", ")}`);
    const tls = o.tls;
    if (tls) {
      details.push(`  TLS: ${[tls.version, tls.cipher].filter(Boolean).join(", ") || "?"}`);
      const c = tls.certificate;
      if (c) {
        if (c.subject) details.push(`  certificate: ${c.subject}${c.issuer ? ` (issuer ${c.issuer})` : ""}`);
        if (c.not_after) details.push(`  valid until: ${c.not_after}`);
        if (c.trusted != null) details.push(`  trusted: ${c.trusted ? "yes" : "no"}`);
        if (c.hostname_ok != null) details.push(`  host name matches: ${c.hostname_ok ? "yes" : "no"}`);
      }
    }
  }
  if (r.timings_ms) {
    const parts = Object.entries(r.timings_ms)
      .filter(([, ms]) => ms != null)
      .map(([step, ms]) => `${step} ${ms} ms`);
    if (parts.length > 0) details.push(`  timings: ${parts.join(", ")}`);
  }
  for (const f of findings) details.push(`  ${f.severity ?? "info"} ${f.code ?? ""}: ${f.message}`);
  return { level, message, details };
}
