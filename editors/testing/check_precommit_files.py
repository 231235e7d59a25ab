"""Checks the `files:` regex of .pre-commit-hooks.yaml against the mail config file names
mailport reads (the same list the VS Code extension's tests use), and that it leaves other
files alone. Run with a Python that has PyYAML (pre-commit's venv has it)."""

import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]

CLAIMED = [
    ".env", "deploy/.env.production", "deploy/prod.env", "docker-compose.yml",
    "docker-compose.prod.yaml", "compose.yaml", "src/main/resources/application.properties",
    "src/main/resources/application-prod.yml", "alertmanager.yml", ".github/workflows/notify.yml",
    "gitea/conf/app.ini", "grafana/grafana.ini", "home/.offlineimaprc",
    "home/.config/aerc/accounts.conf", "home/.config/himalaya/config.toml",
    "ghost/config.production.json", "keycloak/my-realm.json", "home/.msmtprc", "etc/msmtprc",
    "home/.mbsyncrc", "home/.muttrc", "home/.config/neomutt/neomuttrc", "home/.fetchmailrc",
    "etc/postfix/main.cf", "etc/postfix/master.cf", "home/.mailrc", "etc/s-nail.rc", "home/.isyncrc",
    "home/work.msmtprc", "home/.mutt/work.muttrc", "mail/config-v1.1.xml", "mysite/settings.py", "nextcloud/config/config.php",
    "wp-config.php", "config/mail.php", "etc/gitlab/gitlab.rb", "config/environments/production.rb",
    "etc/ssmtp/ssmtp.conf", "etc/nullmailer/remotes", "home/.esmtprc",
    "Dockerfile", "docker/app.Dockerfile", "Dockerfile.prod", "Containerfile",
    "home/.claws-mail/accountrc", "home/.pinerc", "etc/pine.conf", "home/.getmail/getmailrc",
    "home/.emacs", "home/.emacs.d/init.el", "home/.config/emacs/init.el", "home/.gnus.el", "lemmy/lemmy.hjson",
]
NOT_CLAIMED = ["README.md", "src/main.rs", "index.js", "environment.ts", "main.cfg", ".envrc", ".bashrc", "main.rc",
               "docs/compose.md", "package.json", ".mailport.toml",
               ".git/remotes", "remotes", "accountrc", "lisp/ui.el", "lisp/init-mail.el"]


def main() -> int:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "mailport")
    pattern = re.compile(hook["files"])  # pre-commit uses re.search
    failures = [f"not matched: {p}" for p in CLAIMED if not pattern.search(p)]
    failures += [f"matched but should not be: {p}" for p in NOT_CLAIMED if pattern.search(p)]
    for f in failures:
        print(f"FAIL {f}")
    print(f"{len(CLAIMED) + len(NOT_CLAIMED) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
