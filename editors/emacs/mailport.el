;;; mailport.el --- Use the mailport language server from Emacs with eglot  -*- lexical-binding: t -*-

;; Put this file on your `load-path' and add (require 'mailport) to your init file,
;; or copy the forms you need.  Needs eglot: built into Emacs 29+, the `elpa-eglot'
;; package on Debian 12 (Emacs 28), or `M-x package-install RET eglot' elsewhere.

;;; Commentary:

;; mailport checks SMTP/IMAP/POP3 ports and TLS modes in config files.  This file
;; 1. gives the mail config files Emacs has no mode for (.env, .env.*, *.env,
;;    msmtprc, mbsyncrc, fetchmailrc, muttrc, Postfix main.cf/master.cf, offlineimaprc,
;;    aerc accounts.conf, mailx .mailrc) a major mode, `mailport-conf-mode', and Hjson
;;    files (Lemmy's lemmy.hjson) `mailport-hjson-mode';
;; 2. tells eglot to start "mailport lsp" in those modes, in the conf modes Emacs
;;    uses for .ini and .properties files, and in `emacs-lisp-mode';
;; 3. starts eglot there automatically: in every buffer of those modes but
;;    `emacs-lisp-mode', where only the init files (.emacs, init.el, .gnus.el …,
;;    `mailport-emacs-lisp-file-regexp') get it;
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

;; Hjson (Lemmy's lemmy.hjson) is JSON with comments (`#', `//', `/* */') and optional quotes
;; and commas, and Emacs has no mode for it: the JSON mode (`js-json-mode', Emacs 29+), else
;; `js-mode' on Emacs 28, highlights it well once `#' starts a comment too (`mailport-conf-mode'
;; would miss the `//' and `/* */' comments and the braces).  It is a mode of its own rather than
;; `js-json-mode' itself so that mailport's entry in `eglot-server-programs' claims no JSON or
;; JavaScript buffer; its `auto-mode-alist' entry goes last, so that an hjson-mode package, if
;; installed, keeps the files (and mailport starts there too).
(defmacro mailport--define-hjson-mode (parent)
  "Define `mailport-hjson-mode' on top of PARENT."
  `(define-derived-mode mailport-hjson-mode ,parent "Hjson"
     "Major mode for Hjson files (Lemmy's lemmy.hjson): JSON with `#' comments."))

(if (fboundp 'js-json-mode)
    (mailport--define-hjson-mode js-json-mode)
  (mailport--define-hjson-mode js-mode))
(modify-syntax-entry ?# "< b" mailport-hjson-mode-syntax-table)

(add-to-list 'auto-mode-alist '("\\.hjson\\'" . mailport-hjson-mode) t)

(defconst mailport-modes '(mailport-conf-mode conf-windows-mode conf-javaprop-mode
                           mailport-hjson-mode hjson-mode)
  "Major modes in which eglot starts mailport in every buffer.
.ini files are `conf-windows-mode', .properties files `conf-javaprop-mode';
`hjson-mode' comes from a package of that name, when installed.")

(defcustom mailport-emacs-lisp-file-regexp
  (rx (or bos "/") (or ".emacs" "_emacs" ".gnus" ".gnus.el" "init.el") eos)
  "Emacs Lisp files in which eglot starts mailport (smtpmail settings).
The init files by default.  Any other Emacs Lisp file is left to Emacs's own
Lisp tools: eglot does not manage it, even beside an init file it manages.
To have mailport check another file (`mail-setup.el', say), add its name."
  :type 'regexp)

(defun mailport--contact (&optional _interactive)
  "The server eglot starts: `mailport-program' lsp."
  (list mailport-program "lsp"))

(defconst mailport--eglot-entry
  (cons (append (mapcar (lambda (mode)
                          (if (memq mode '(mailport-hjson-mode hjson-mode))
                              (list mode :language-id "hjson")
                            mode))
                        mailport-modes)
                '(emacs-lisp-mode))
        #'mailport--contact)
  "mailport's entry in `eglot-server-programs': one server for all its modes.")

(add-to-list 'eglot-server-programs mailport--eglot-entry)

(dolist (mode mailport-modes)
  (add-hook (intern (format "%s-hook" mode)) #'eglot-ensure))

;; Emacs Lisp: the mode of every .el file, but mail settings live in the init files.

(defun mailport-emacs-lisp-file-p ()
  "Non-nil when the buffer's file matches `mailport-emacs-lisp-file-regexp'."
  (and buffer-file-name
       (string-match-p mailport-emacs-lisp-file-regexp buffer-file-name)))

(defun mailport--eglot-picks-mailport-p (mode)
  "Non-nil when eglot's entry for MODE in `eglot-server-programs' is mailport's."
  (let ((entry (seq-find
                (lambda (entry)
                  (let ((modes (car entry)))
                    (seq-some (lambda (spec)
                                (provided-mode-derived-p mode (if (consp spec) (car spec) spec)))
                              (if (or (symbolp modes) (keywordp (cadr modes)))
                                  (list modes)
                                modes))))
                eglot-server-programs)))
    (eq (cdr entry) #'mailport--contact)))

(defun mailport--emacs-lisp-ensure ()
  "Start eglot in an Emacs Lisp buffer that visits an init file.
See `mailport-emacs-lisp-file-p'.  Eglot leaves Emacs's own Lisp help there
alone: eldoc, xref (\\[xref-find-definitions]) and imenu stay Emacs Lisp's, and
mailport's completion (ports, TLS values) gives way to Lisp completion where
it has no match."
  (when (mailport-emacs-lisp-file-p)
    (setq-local eglot-stay-out-of (append '(eldoc xref imenu) eglot-stay-out-of))
    (eglot-ensure)))

(add-hook 'emacs-lisp-mode-hook #'mailport--emacs-lisp-ensure)

(defun mailport--keep-out-of-emacs-lisp-p (&rest _)
  "Non-nil in an Emacs Lisp file that is no init file, when mailport serves Lisp.
Advice for eglot's function that manages every buffer of a mode its server
serves in the project: an ordinary .el file beside init.el is no business of
mailport's."
  (and buffer-file-name
       (derived-mode-p 'emacs-lisp-mode)
       (not (mailport-emacs-lisp-file-p))
       (mailport--eglot-picks-mailport-p major-mode)))

;; eglot has no public switch for this: its (internal) function has kept this name and role
;; from eglot 1.0 to the eglot of Emacs 30, and an advice on a missing function does no harm.
(advice-add 'eglot--maybe-activate-editing-mode
            :before-until #'mailport--keep-out-of-emacs-lisp-p)

(defun mailport--completion-at-point ()
  "`eglot-completion-at-point', but Lisp completion runs where it has no match."
  (let ((capf (and (eglot-managed-p) (eglot-completion-at-point))))
    (and capf (append capf '(:exclusive no)))))

(defun mailport--emacs-lisp-completion ()
  "In a managed init file, use `mailport--completion-at-point' as eglot's capf."
  (when (and (derived-mode-p 'emacs-lisp-mode) (mailport-emacs-lisp-file-p))
    (if (and (eglot-managed-p)
             (memq #'eglot-completion-at-point completion-at-point-functions))
        (progn (remove-hook 'completion-at-point-functions #'eglot-completion-at-point t)
               (add-hook 'completion-at-point-functions #'mailport--completion-at-point nil t))
      (unless (eglot-managed-p)
        (remove-hook 'completion-at-point-functions #'mailport--completion-at-point t)))))

(add-hook 'eglot-managed-mode-hook #'mailport--emacs-lisp-completion)

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
