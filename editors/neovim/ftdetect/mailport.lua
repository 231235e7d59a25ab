-- Filetypes for mail config files Neovim does not recognise on its own (checked
-- against Neovim 0.12: `.env.local`, `prod.env`, `msmtprc`, `mbsyncrc`,
-- `offlineimaprc`, aerc's `accounts.conf`, Thunderbird's `config-v1.1.xml`,
-- Postfix `master.cf`, the mailx `.mailrc` and the Emacs init files `_emacs` and `.gnus` get no
-- filetype). Names follow Neovim's own choices for the sibling files
-- (`.env` is `sh`, `.msmtprc` is `msmtp`, `.mbsyncrc` is `mbsync` …), so syntax
-- highlighting keeps working.
vim.filetype.add({
  extension = {
    env = 'sh', -- prod.env, mail.env
  },
  filename = {
    ['.env'] = 'sh',
    ['msmtprc'] = 'msmtp',
    ['mbsyncrc'] = 'mbsync',
    ['.isyncrc'] = 'mbsync',
    ['isyncrc'] = 'mbsync',
    ['fetchmailrc'] = 'fetchmail',
    ['.offlineimaprc'] = 'dosini',
    ['offlineimaprc'] = 'dosini',
    ['config-v1.1.xml'] = 'xml',
    -- mailx/s-nail start-up files (no Neovim filetype)
    ['.mailrc'] = 'conf',
    ['mailrc'] = 'conf',
    ['.nailrc'] = 'conf',
    ['nail.rc'] = 'conf',
    ['s-nail.rc'] = 'conf',
    ['mail.rc'] = 'conf',
    -- Emacs init files Neovim leaves without a filetype (it gives `.emacs` and `.gnus.el` `lisp`)
    ['_emacs'] = 'lisp',
    ['.gnus'] = 'lisp',
  },
  pattern = {
    ['%.env%.[%w_.-]+'] = 'sh', -- .env.production, .env.local
    ['.*/aerc/accounts%.conf'] = 'dosini',
    ['.*/postfix/main%.cf'] = 'pfmain',
    ['.*/postfix/master%.cf'] = 'conf',
    ['.+%.msmtprc'] = 'msmtp', -- work.msmtprc
    ['.+%.muttrc'] = 'muttrc',
    ['.+%.neomuttrc'] = 'neomuttrc',
  },
})
