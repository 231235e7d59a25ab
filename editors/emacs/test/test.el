;;; test.el --- Batch end-to-end test of mailport.el with eglot and the real server  -*- lexical-binding: t -*-

;; emacs --batch -Q -l editors/emacs/test/test.el            (MAILPORT_BIN = the server binary)
;;
;; Loads ../mailport.el as a user would, opens a .env, an application.properties, an
;; Emacs init.el and a Lemmy lemmy.hjson (copies of the fixtures), waits for mailport's
;; MP003 diagnostic in flymake, applies the preferred quick fix through
;; `eglot-code-actions' (accepting the default choice, which eglot sets to the preferred
;; action), checks the new text and that the diagnostic went away; checks that an
;; ordinary .el file gets no eglot, and that init.el keeps Emacs Lisp's own tools.  Then a value that lives in another file: a Spring
;; profile file read over application.properties puts MP003 on the base file's line,
;; and an edit of that line clears that finding.  Exits 0 only if every check passed.

;;; Code:

(require 'package)
;; With -Q, Debian's site-start (which activates elpa-* packages) is skipped.
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)

(defconst mailport-test-dir (file-name-directory (or load-file-name buffer-file-name)))
(add-to-list 'load-path (expand-file-name ".." mailport-test-dir))

(setq mailport-program (expand-file-name (or (getenv "MAILPORT_BIN") "mailport")))
(require 'mailport)

(defvar mailport-test-passed 0)
(defvar mailport-test-failed 0)

(defun mailport-test-say (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n") #'external-debugging-output))

(defun mailport-test-idle ()
  "Do what an interactive Emacs does between commands, which batch mode never does:
run `post-command-hook' (eglot-ensure and flymake wait for it), the hook redisplay
runs when a buffer shows up in a window (flymake starts on display), and the idle
timers (eglot sends didChange and flymake re-checks from them)."
  (run-hooks 'post-command-hook)
  (run-hooks 'window-configuration-change-hook)
  (dolist (timer (copy-sequence timer-idle-list))
    (timer-event-handler timer)))

(defun mailport-test-wait (what pred &optional seconds)
  "Process server output until PRED is true; signal an error naming WHAT after SECONDS."
  (let ((deadline (+ (float-time) (or seconds 10))))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (mailport-test-idle)
      (accept-process-output nil 0.05))
    (unless (funcall pred)
      (error "timed out waiting for %s" what))))

(defun mailport-test-diagnostics (code)
  "Flymake diagnostics of the current buffer that mailport reported with CODE."
  (seq-filter (lambda (d)
                (let ((lsp (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))))
                  (equal (plist-get lsp :code) code)))
              (flymake-diagnostics)))

(defmacro mailport-test-check (name &rest body)
  (declare (indent 1))
  `(condition-case err
       (progn ,@body
              (setq mailport-test-passed (1+ mailport-test-passed))
              (mailport-test-say "ok   %s" ,name))
     (error (setq mailport-test-failed (1+ mailport-test-failed))
            (mailport-test-say "FAIL %s: %s" ,name (error-message-string err)))))

;; Work on copies in a throwaway folder, which is its own project.
(defconst mailport-test-tmp (make-temp-file "mailport-emacs-" t))
(defconst mailport-test-work (expand-file-name "work" mailport-test-tmp))
(copy-directory (expand-file-name "fixtures" mailport-test-dir) mailport-test-work)
(with-temp-file (expand-file-name "deploy.sh" mailport-test-work)
  (insert "#!/bin/sh\nSMTP_PORT=587 exec ./app\n"))
(setq project-find-functions (list (lambda (_dir) (cons 'transient mailport-test-work))))
;; The server's settings, as a user would set them (directory-local in real life).
(setq-default eglot-workspace-configuration '(:mailport (:debounceMs 0)))
(setq eglot-sync-connect t)

(defun mailport-test-fix (file mode code fixed-line)
  "Open FILE, expect MODE and a CODE diagnostic, apply the preferred fix, expect FIXED-LINE."
  (mailport-test-check (format "%s: %s, preferred quick fix" file code)
    (find-file (expand-file-name file mailport-test-work))
    (unless (eq major-mode mode)
      (error "major mode is %s, expected %s" major-mode mode))
    (mailport-test-wait "eglot to connect" #'eglot-current-server)
    (mailport-test-wait (format "the %s diagnostic" code)
                        (lambda () (mailport-test-diagnostics code)))
    (let* ((diag (car (mailport-test-diagnostics code)))
           (beg (flymake-diagnostic-beg diag))
           (line (line-number-at-pos beg))
           ;; As if invoked from the keyboard (a menu event would pop up a menu).
           (last-nonmenu-event ?\r)
           (completing-read-function
            ;; Take the default the way RET does: eglot offers the preferred action.
            (lambda (_prompt _collection &optional _pred _req _init _hist default _inherit)
              (if (consp default) (car default) default))))
      (goto-char beg)
      (eglot-code-actions (line-beginning-position) (line-end-position) "quickfix" t)
      (goto-char (point-min))
      (forward-line (1- line))
      (let ((now (buffer-substring-no-properties (line-beginning-position) (line-end-position))))
        (unless (equal now fixed-line)
          (error "line %d is %S after the fix, expected %S" line now fixed-line)))
      (mailport-test-wait (format "%s to go away" code)
                          (lambda () (null (mailport-test-diagnostics code)))))))

(defun mailport-test-server-reads-p (file)
  "True when `mailport check' reads FILE at all (files_checked > 0)."
  (with-temp-buffer
    (call-process mailport-program nil t nil "check" "--format" "json" file)
    (goto-char (point-min))
    (let ((report (ignore-errors (json-parse-buffer :object-type 'plist))))
      (and report (> (or (plist-get report :files_checked) 0) 0)))))

;; An ordinary Emacs Lisp file that sets mail variables, open before any server starts: when
;; eglot starts mailport (for the .env below), it manages the open buffers of the modes mailport
;; serves, emacs-lisp-mode among them, and must leave this one alone.
(defconst mailport-test-plain-el (expand-file-name "lisp/mail-setup.el" mailport-test-work))
(make-directory (file-name-directory mailport-test-plain-el) t)
(with-temp-file mailport-test-plain-el
  (insert "(setq smtpmail-smtp-server \"smtp.example.com\"\n"
          "      smtpmail-smtp-service 587\n"
          "      smtpmail-stream-type 'ssl)\n"))
(find-file mailport-test-plain-el)

(mailport-test-fix ".env" 'mailport-conf-mode "MP003" "EMAIL_PORT=465")
(mailport-test-fix "application.properties" 'conf-javaprop-mode "MP003" "spring.mail.port=465")

;; Emacs Lisp: only the init files get mailport (a hook that looks at the name).
(mailport-test-fix "init.el" 'emacs-lisp-mode "MP003" "      smtpmail-smtp-service 465")
;; Hjson: Lemmy's configuration, in `mailport-hjson-mode'.
(mailport-test-fix "lemmy.hjson" 'mailport-hjson-mode "MP003"
                   "    smtp_server: \"smtp.example.com:465\"")

(mailport-test-check "mailport-hjson-mode: `#' starts a comment, as in Hjson"
  (find-file (expand-file-name "lemmy.hjson" mailport-test-work))
  (goto-char (point-min))
  (search-forward "# Lemmy's")
  (unless (nth 4 (syntax-ppss))
    (error "not in a comment after `# Lemmy's'"))
  (forward-line 1)
  (when (nth 3 (syntax-ppss))
    (error "the apostrophe in the comment opened a string")))

(mailport-test-check "an Emacs Lisp file that is no init file gets no mailport, beside one that has"
  (dolist (file (list mailport-test-plain-el (expand-file-name "lisp/other.el" mailport-test-work)))
    (find-file file)
    (unless (eq major-mode 'emacs-lisp-mode)
      (error "%s: major mode is %s" file major-mode))
    (let ((deadline (+ (float-time) 0.5)))
      (while (< (float-time) deadline)
        (mailport-test-idle)
        (accept-process-output nil 0.05)))
    (when (eglot-managed-p)
      (error "eglot manages %s" (file-name-nondirectory file)))))

(mailport-test-check "init.el keeps Emacs Lisp's own xref, eldoc and completion"
  (find-file (expand-file-name "init.el" mailport-test-work))
  (unless (eglot-managed-p)
    (error "init.el is not managed"))
  (unless (eq (xref-find-backend) 'elisp)
    (error "the xref backend is %s" (xref-find-backend)))
  (unless (memq #'elisp-eldoc-funcall eldoc-documentation-functions)
    (error "eldoc functions: %S" eldoc-documentation-functions))
  (let ((capf-at (lambda (text)
                   ;; The completion function that `completion-at-point' settles on after TEXT.
                   (goto-char (point-max))
                   (insert "\n" text)
                   (prog1 (car (run-hook-wrapped 'completion-at-point-functions
                                                 #'completion--capf-wrapper 'all))
                     (delete-region (- (point) (length text) 1) (point))))))
    (unless (eq (funcall capf-at "(requ") #'elisp-completion-at-point)
      (error "no Lisp completion for a function name: %S" (funcall capf-at "(requ")))
    (unless (eq (funcall capf-at "(setq smtpmail-smtp-service 46") #'mailport--completion-at-point)
      (error "no mailport completion on a port: %S"
             (funcall capf-at "(setq smtpmail-smtp-service 46")))))

(defvar mailport-test-skipped 0)
;; A line format whose adapter may not be in this server yet: skipped, and said so, only then.
(if (mailport-test-server-reads-p (expand-file-name ".msmtprc" mailport-test-work))
    (mailport-test-fix ".msmtprc" 'mailport-conf-mode "MP003" "port 465")
  (setq mailport-test-skipped (1+ mailport-test-skipped))
  (mailport-test-say "skip .msmtprc: this mailport does not read the format yet"))

(mailport-test-check "completion on a port offers what fits the TLS mode"
  (let ((file (expand-file-name "complete/.env" mailport-test-work)))
    (make-directory (file-name-directory file) t)
    (with-temp-file file
      (insert "EMAIL_HOST=smtp.example.com\nEMAIL_PORT=25\nEMAIL_USE_SSL=True\n"))
    (find-file file)
    (mailport-test-wait "eglot to connect" #'eglot-current-server)
    (goto-char (point-min))
    (forward-line 1)
    (forward-char (length "EMAIL_PORT="))
    ;; What `completion-at-point' asks eglot for: the table at point, all its candidates.
    (let* ((capf (eglot-completion-at-point))
           (candidates (and capf (all-completions "" (nth 2 capf)))))
      (unless (and (member "465" candidates) (not (member "587" candidates)))
        (error "unexpected candidates %S" candidates)))))

;; Inlay hints need eglot 1.12 (Emacs 29); Debian 12 ships Emacs 28 with eglot 1.9, which has
;; none: the check runs where the editor can show them, and says so where it cannot.
(if (not (fboundp 'eglot-inlay-hints-mode))
    (progn (setq mailport-test-skipped (1+ mailport-test-skipped))
           (mailport-test-say "skip inlay hint: this eglot has no eglot-inlay-hints-mode"))
  (mailport-test-check "an inlay hint after the port says what the connection is"
    (find-file (expand-file-name "complete/.env" mailport-test-work))
    (eglot-inlay-hints-mode 1)
    (mailport-test-wait "an inlay hint"
                        (lambda ()
                          (mailport-test-idle)
                          (seq-some (lambda (o) (overlay-get o 'eglot--inlay-hint))
                                    (overlays-in (point-min) (point-max)))))))

(mailport-test-check "a Spring profile file read over application.properties: MP003 on the base's line"
  ;; The profile turns on implicit TLS; the port 587 is in the base file.
  (let ((dir (expand-file-name "spring-profile" mailport-test-work)))
    (make-directory dir t)
    (with-temp-file (expand-file-name "application.properties" dir)
      (insert "spring.mail.host=smtp.example.com\nspring.mail.port=587\nspring.mail.username=app\n"))
    (with-temp-file (expand-file-name "application-prod.properties" dir)
      (insert "spring.mail.properties.mail.smtp.ssl.enable=true\n"))
    (find-file (expand-file-name "application-prod.properties" dir))
    (mailport-test-wait "eglot to manage the profile file" #'eglot-managed-p)
    (find-file (expand-file-name "application.properties" dir))
    (mailport-test-wait "eglot to manage the base file" #'eglot-managed-p)
    (mailport-test-wait "MP003 on line 2 of application.properties"
                        (lambda ()
                          (seq-some (lambda (d) (= (line-number-at-pos (flymake-diagnostic-beg d)) 2))
                                    (mailport-test-diagnostics "MP003"))))
    ;; 587 → 465 in the base file: the profile file is read again and its finding (implicit TLS
    ;; on 587, "wrong version number") goes. The base alone keeps one of its own: run with no
    ;; profile, Jakarta Mail's default is no TLS, which 465 does not speak.
    (goto-char (point-min))
    (search-forward "587")
    (replace-match "465")
    (mailport-test-wait "the profile file's MP003 to go after the edit"
                        (lambda ()
                          (not (seq-some (lambda (d)
                                           (string-match-p "wrong version number"
                                                           (flymake-diagnostic-text d)))
                                         (mailport-test-diagnostics "MP003")))))))

(mailport-test-check "a shell script does not get mailport-conf-mode"
  (find-file (expand-file-name "deploy.sh" mailport-test-work))
  (when (eq major-mode 'mailport-conf-mode)
    (error "deploy.sh got mailport-conf-mode")))

(mailport-test-check "mailport-test-connection against a loopback SMTP server"
  (let* ((port nil)
         (stub (make-process
                :name "smtp-stub" :noquery t
                :command (list "python3" (expand-file-name "../../testing/smtp_stub.py" mailport-test-dir))
                :filter (lambda (_proc out)
                          (when (and (null port) (string-match "[0-9]+" out))
                            (setq port (string-to-number (match-string 0 out))))))))
    (unwind-protect
        (progn
          (mailport-test-wait "the loopback SMTP server" (lambda () port) 5)
          (let ((file (expand-file-name "probe/.env" mailport-test-work)))
            (make-directory (file-name-directory file) t)
            (with-temp-file file
              (insert (format "EMAIL_HOST=127.0.0.1\nEMAIL_PORT=%d\nEMAIL_USE_TLS=False\n" port)))
            (find-file file))
          (mailport-test-wait "eglot to manage the buffer" #'eglot-managed-p)
          (goto-char (point-min))
          (forward-line 1)
          (forward-char 11)
          (let* ((report (mailport-test-connection))
                 (observed (plist-get report :observed)))
            (unless (eq (plist-get report :reachable) t)
              (error "not reachable: %S" report))
            (unless (equal (plist-get (plist-get report :target) :port) port)
              (error "probed %S, not the loopback server" (plist-get report :target)))
            (unless (string-prefix-p "220 test ESMTP" (or (plist-get observed :greeting) ""))
              (error "greeting not seen: %S" observed))))
      (delete-process stub))))

(ignore-errors (eglot-shutdown-all))
(delete-directory mailport-test-tmp t)
(mailport-test-say "%d passed, %d failed, %d skipped"
                   mailport-test-passed mailport-test-failed mailport-test-skipped)
(kill-emacs (if (= mailport-test-failed 0) 0 1))

;;; test.el ends here
