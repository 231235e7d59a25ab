;;; mailport.el --- Use the mailport language server from Emacs with eglot  -*- lexical-binding: t -*-

;; Put this file on your `load-path' and add (require 'mailport) to your init file,
;; or copy the forms you need.  Needs eglot: built into Emacs 29+, the `elpa-eglot'
;; package on Debian 12 (Emacs 28), or `M-x package-install RET eglot' elsewhere.

;;; Commentary:

;; mailport checks SMTP/IMAP/POP3 ports and TLS modes in config files.  This file
;; 1. gives the mail config files Emacs has no mode for (.env, .env.*, *.env,
;;    msmtprc, mbsyncrc, fetchmailrc, muttrc, Postfix main.cf/master.cf, offlineimaprc,
;;    aerc accounts.conf, mailx .mailrc) a major mode, `mailport-conf-mode';
;; 2. tells eglot to start "mailport lsp" in that mode and in the conf modes Emacs
;;    uses for .ini and .properties files;
;; 3. starts eglot there automatically;
;; 4. adds `mailport-test-connection' (probe the mail server configured at point).
;;
;; eglot runs one server per buffer: YAML/JSON/TOML modes are not claimed here
;; because you may already use another server there.  See README.md for adding them.

;;; Code:

(require 'eglot)
(require 'conf-mode)

(defgroup mailport nil
  "The mailport language server."
  :group 'tools)

(defcustom mailport-program "mailport"
  "The mailport binary (a name on `exec-path' or an absolute path)."
  :type 'string)

(define-derived-mode mailport-conf-mode conf-unix-mode "MailConf"
  "Major mode for mail settings in files Emacs has no mode for.")

(defconst mailport-file-regexp
  (rx (or bos "/")
      (or ".env" (seq ".env." (+ (not (any "/")))) (seq (+ (not (any "/"))) ".env")
          (seq (? ".") (or "msmtprc" "mbsyncrc" "isyncrc" "fetchmailrc" "muttrc" "neomuttrc"
                           "offlineimaprc" "mailrc" "nailrc" "esmtprc" "pinerc"))
          (seq (+ (not (any "/"))) (or ".msmtprc" ".muttrc" ".neomuttrc"))
          "nail.rc" "s-nail.rc" "mail.rc"
          "main.cf" "master.cf" "ssmtp.conf" "nullmailer/remotes"
          ".claws-mail/accountrc" "pine.conf" "getmailrc"
          "aerc/accounts.conf")
      eos)
  "File names that get `mailport-conf-mode'.")

(add-to-list 'auto-mode-alist (cons mailport-file-regexp 'mailport-conf-mode))

(defconst mailport-modes '(mailport-conf-mode conf-windows-mode conf-javaprop-mode)
  "Major modes in which eglot starts mailport (.ini files are `conf-windows-mode',
.properties files `conf-javaprop-mode').")

(add-to-list 'eglot-server-programs
             (cons mailport-modes (lambda (&optional _interactive) (list mailport-program "lsp"))))

(dolist (mode mailport-modes)
  (add-hook (intern (format "%s-hook" mode)) #'eglot-ensure))

(defun mailport--format-report (report)
  "A readable summary of REPORT, a probe report plist."
  (let* ((target (plist-get report :target))
         (observed (plist-get report :observed))
         (findings (plist-get report :findings)))
    (concat
     (format "mailport: %s:%s %s"
             (plist-get target :host) (plist-get target :port)
             (or (plist-get report :verdict) "unknown"))
     (when (stringp (plist-get observed :mode))
       (format " (server speaks %s)" (plist-get observed :mode)))
     (when (stringp (plist-get observed :greeting))
       (format "; greeting: %s" (plist-get observed :greeting)))
     (when (and (vectorp findings) (> (length findings) 0))
       (format "; %s" (plist-get (aref findings 0) :message))))))

(defun mailport-test-connection ()
  "Ask mailport to probe the mail server configured at point, and show the report."
  (interactive)
  (let* ((server (eglot--current-server-or-lose))
         (report (jsonrpc-request
                  server :workspace/executeCommand
                  (list :command "mailport.server.testConnection"
                        :arguments (vector (list :uri (eglot--path-to-uri (buffer-file-name))
                                                 :position (eglot--pos-to-lsp-position)))))))
    (message "%s" (mailport--format-report report))
    report))

(provide 'mailport)
;;; mailport.el ends here
