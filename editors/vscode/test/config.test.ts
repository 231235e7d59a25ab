// Unit tests of the VS Code-free logic (node:test). Run with `npm test`.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { minimatch } from "minimatch";
import {
  documentSelector,
  expectedActivationEvents,
  extraPatterns,
  MAIL_CONFIG_PATTERNS,
  needsRestart,
  resolveServerPath,
  ServerNotFoundError,
  serverArgs,
  summarizeProbeReport,
  testConnectionArguments,
  toServerSettings,
} from "../src/config";

const here = path.resolve(__dirname, "..", "..");
const packageJson = JSON.parse(fs.readFileSync(path.join(here, "package.json"), "utf8"));

describe("resolveServerPath", () => {
  const executables = new Set<string>();
  const isExecutable = (f: string) => executables.has(f);
  const base = { extensionPath: "/ext", homeDir: "/home/me", platform: "linux" as const, isExecutable };

  it("uses the setting, expanding ~", () => {
    executables.clear();
    executables.add("/home/me/bin/mailport");
    executables.add("/ext/server/mailport");
    const r = resolveServerPath({ ...base, configuredPath: "~/bin/mailport", env: { PATH: "/usr/bin" } });
    assert.deepEqual(r, { path: "/home/me/bin/mailport", source: "setting" });
  });

  it("takes a relative setting from the workspace folder", () => {
    executables.clear();
    executables.add("/repo/target/debug/mailport");
    const r = resolveServerPath({
      ...base,
      configuredPath: "target/debug/mailport",
      workspaceFolder: "/repo",
      env: {},
    });
    assert.equal(r.path, "/repo/target/debug/mailport");
  });

  it("reports a setting that points nowhere instead of falling back", () => {
    executables.clear();
    executables.add("/ext/server/mailport");
    assert.throws(
      () => resolveServerPath({ ...base, configuredPath: "/nope/mailport", env: {} }),
      (e: unknown) => e instanceof ServerNotFoundError && /\/nope\/mailport/.test(e.message),
    );
  });

  it("prefers the bundled binary over PATH", () => {
    executables.clear();
    executables.add("/ext/server/mailport");
    executables.add("/usr/local/bin/mailport");
    const r = resolveServerPath({ ...base, configuredPath: null, env: { PATH: "/usr/local/bin" } });
    assert.deepEqual(r, { path: "/ext/server/mailport", source: "bundled" });
  });

  it("searches PATH in order, and uses .exe on Windows", () => {
    executables.clear();
    executables.add(path.join("/b", "mailport"));
    executables.add(path.join("/c", "mailport"));
    const r = resolveServerPath({ ...base, configuredPath: "", env: { PATH: "/a::/b:/c" } });
    assert.deepEqual(r, { path: "/b/mailport", source: "PATH" });

    executables.clear();
    executables.add(path.join("/w", "mailport.exe"));
    const w = resolveServerPath({ ...base, platform: "win32", configuredPath: null, env: { Path: "/v;/w" } });
    assert.equal(w.path, path.join("/w", "mailport.exe"));
  });

  it("fails with a message that says what to do", () => {
    executables.clear();
    assert.throws(
      () => resolveServerPath({ ...base, configuredPath: undefined, env: { PATH: "/usr/bin" } }),
      /mailport\.server\.path/,
    );
  });

  it("checks real files: a file without the exec bit is not a server", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mailport-ext-"));
    const file = path.join(dir, "mailport");
    fs.writeFileSync(file, "#!/bin/sh\n");
    fs.chmodSync(file, 0o644);
    const lookup = { configuredPath: null, extensionPath: "/nonexistent", env: { PATH: dir } };
    if (process.platform !== "win32") assert.throws(() => resolveServerPath(lookup), ServerNotFoundError);
    fs.chmodSync(file, 0o755);
    assert.equal(resolveServerPath(lookup).path, file);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("document selector", () => {
  // Files mailport reads (formats.md) that VS Code gives no useful language id.
  const claimed = [
    "/p/.env",
    "/p/.env.production",
    "/p/deploy/prod.env",
    "/p/docker-compose.yml",
    "/p/docker-compose.prod.yaml",
    "/p/compose.yaml",
    "/p/src/main/resources/application.properties",
    "/p/src/main/resources/application-prod.yml",
    "/p/alertmanager.yml",
    "/p/.github/workflows/notify.yml",
    "/data/gitea/conf/app.ini",
    "/etc/grafana/grafana.ini",
    "/home/me/.offlineimaprc",
    "/home/me/.config/aerc/accounts.conf",
    "/home/me/.config/himalaya/config.toml",
    "/var/lib/ghost/config.production.json",
    "/p/keycloak/my-realm.json",
    "/home/me/.msmtprc",
    "/etc/msmtprc",
    "/home/me/work.msmtprc",
    "/home/me/.mbsyncrc",
    "/home/me/.isyncrc",
    "/home/me/.muttrc",
    "/home/me/.mutt/work.muttrc",
    "/home/me/.config/neomutt/neomuttrc",
    "/home/me/.fetchmailrc",
    "/etc/postfix/main.cf",
    "/etc/postfix/master.cf",
    "/home/me/.mailrc",
    "/etc/s-nail.rc",
    "/p/mail/config-v1.1.xml",
    "/p/mysite/settings.py",
    "/var/www/nextcloud/config/config.php",
    "/var/www/html/wp-config.php",
    "/p/config/mail.php",
    "/etc/gitlab/gitlab.rb",
    "/p/config/environments/production.rb",
    "/etc/ssmtp/ssmtp.conf",
    "/etc/nullmailer/remotes",
    "/home/me/.esmtprc",
    "/p/Dockerfile",
    "/p/docker/app.Dockerfile",
    "/p/Dockerfile.prod",
    "/p/Containerfile",
    "/home/me/.claws-mail/accountrc",
    "/home/me/.pinerc",
    "/home/me/.getmail/getmailrc",
    "/home/me/.emacs",
    "/home/me/_emacs",
    "/home/me/.emacs.d/init.el",
    "/home/me/.config/emacs/init.el",
    "/home/me/.gnus",
    "/home/me/.gnus.el",
    "/srv/lemmy/lemmy.hjson",
    "/p/config/config.hjson",
  ];
  const notClaimed = [
    "/p/README.md",
    "/p/src/main.rs",
    "/p/index.js",
    "/p/environment.ts",
    "/p/main.cfg",
    "/p/.envrc",
    "/p/.git/remotes",
    // Emacs Lisp that is no init file (the server reads it only when asked: mailport.files.include)
    "/home/me/.emacs.d/lisp/mail-setup.el",
    "/home/me/.emacs.d/custom.el",
    "/p/lisp/init.elc",
    "/p/data.hjson.bak",
    "/p/docs/dockerfile.md",
  ];
  const matches = (file: string) => MAIL_CONFIG_PATTERNS.some((p) => minimatch(file, p, { dot: true }));

  for (const file of claimed) {
    it(`claims ${file}`, () => assert.ok(matches(file), `no pattern matches ${file}`));
  }
  for (const file of notClaimed) {
    it(`leaves ${file} alone`, () => assert.ok(!matches(file), `a pattern matches ${file}`));
  }

  it("covers file and untitled schemes, with generic formats only when asked", () => {
    const withGeneric = documentSelector(true);
    const without = documentSelector(false);
    assert.ok(withGeneric.some((f) => f.language === "yaml" && f.scheme === "file"));
    assert.ok(!without.some((f) => f.language !== undefined));
    assert.ok(without.some((f) => f.pattern === "**/.env" && f.scheme === "untitled"));
    assert.ok(withGeneric.every((f) => f.language !== undefined || f.pattern !== undefined));
    const extra = documentSelector(false, ["**/mailer.js"]);
    assert.ok(extra.some((f) => f.pattern === "**/mailer.js" && f.scheme === "file"));
  });

  it("mailport.files.include keeps non-empty strings and restarts the server", () => {
    assert.deepEqual(extraPatterns({ files: { include: ["**/mailer.js", "", 3, " "] } }), ["**/mailer.js"]);
    assert.deepEqual(extraPatterns({ files: { include: "**/*.js" } }), []);
    assert.equal(needsRestart({ files: { include: [] } }, { files: { include: ["**/mailer.js"] } }), true);
  });

  it("package.json activation events match the selector", () => {
    assert.deepEqual([...packageJson.activationEvents].sort(), expectedActivationEvents().sort());
  });
});

describe("settings", () => {
  it("maps VS Code settings to the server section", () => {
    const s = toServerSettings({
      server: { path: "/x" },
      prefer: "starttls",
      rules: { MP011: "off", mp006: "error", MP999: "loud", "not-a-code": "off" },
      allow: [{ host: " relay.internal.example ", ports: [25, 70000, "x"] }, { ports: [25] }, null],
      debounceMs: 25.4,
      codeLens: false,
      inlayHints: false,
      probe: { timeoutSecs: 5 },
      workspace: { scan: false, maxFiles: 1000, maxBytes: -1 },
      trace: { server: "verbose" },
    });
    assert.deepEqual(s, {
      prefer: "starttls",
      rules: { MP011: "off", MP006: "error" },
      allow: [{ host: "relay.internal.example", ports: [25] }],
      debounceMs: 25,
      codeLens: false,
      inlayHints: false,
      probe: { timeoutSecs: 5 },
      workspace: { scan: false, maxFiles: 1000 },
    });
  });

  it("leaves unset and invalid values to the server's defaults", () => {
    assert.deepEqual(
      toServerSettings({ prefer: "tls", rules: [], allow: "x", debounceMs: null, codeLens: "yes", inlayHints: 1, probe: { timeoutSecs: 0 }, workspace: { scan: "no", maxFiles: 1.5 } }),
      {},
    );
  });

  it("declares every server setting in package.json", () => {
    const declared = Object.keys(packageJson.contributes.configuration.properties);
    for (const key of ["prefer", "rules", "allow", "debounceMs", "codeLens", "inlayHints", "probe.timeoutSecs", "workspace.scan", "workspace.maxFiles", "workspace.maxBytes", "trace.server", "server.path"]) {
      assert.ok(declared.includes(`mailport.${key}`), `mailport.${key} is not declared`);
    }
  });

  it("restarts only for settings read at start", () => {
    const a = { server: { path: null, extraArgs: [] }, prefer: "implicit-tls" };
    assert.equal(needsRestart(a, { ...a, prefer: "starttls" }), false);
    assert.equal(needsRestart(a, { ...a, server: { path: "/x", extraArgs: [] } }), true);
    assert.equal(needsRestart(a, { ...a, server: { path: null, extraArgs: ["-v"] } }), true);
    assert.equal(needsRestart(a, { ...a, files: { genericFormats: false } }), true);
    assert.deepEqual(serverArgs({ server: { extraArgs: ["--x", 3] } }), ["lsp", "--x"]);
  });
});

describe("test connection", () => {
  it("sends the cursor as {uri, position}", () => {
    assert.deepEqual(testConnectionArguments("file:///p/.env", 1, 11), [
      { uri: "file:///p/.env", position: { line: 1, character: 11 } },
    ]);
  });

  it("summarizes a working server", () => {
    const s = summarizeProbeReport({
      version: 1,
      target: { host: "127.0.0.1", port: 2525, protocol: "smtp", security: "starttls" },
      addresses: ["127.0.0.1"],
      reachable: true,
      observed: { protocol: "smtp", mode: "starttls", greeting: "220 test ESMTP", starttls_offered: true, tls: null },
      timings_ms: { connect: 1, total: 4, tls: null },
      findings: [],
      verdict: "ok",
    });
    assert.equal(s.level, "info");
    assert.equal(s.message, "mailport: 127.0.0.1:2525 (smtp, starttls) works (starttls).");
    assert.ok(s.details.includes("  greeting: 220 test ESMTP"));
    assert.ok(s.details.includes("  timings: connect 1 ms, total 4 ms"));
  });

  it("puts the first finding of a mismatch in the notification", () => {
    const s = summarizeProbeReport({
      target: { host: "mail.example.org", port: 587, protocol: "smtp", security: "implicit-tls" },
      observed: { mode: "starttls" },
      findings: [{ code: "MP101", severity: "error", message: "the server greets in plaintext on 587: use STARTTLS" }],
      verdict: "mismatch",
    });
    assert.equal(s.level, "warning");
    assert.match(s.message, /mismatch: the server greets in plaintext on 587/);
    assert.ok(s.details.some((l) => l.includes("MP101")));
  });

  it("reports failures and non-reports as errors", () => {
    assert.equal(summarizeProbeReport({ verdict: "failed", target: { host: "h", port: 1 } }).level, "error");
    assert.equal(summarizeProbeReport(null).level, "error");
    assert.equal(summarizeProbeReport("text").level, "error");
  });
});
