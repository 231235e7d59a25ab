-- Filetypes for mail config files Neovim does not recognise on its own (checked
-- against Neovim 0.12: `.env.local`, `prod.env`, `msmtprc`, `mbsyncrc`,
-- `offlineimaprc`, aerc's `accounts.conf` and Thunderbird's `config-v1.1.xml`
-- get no filetype). Names follow Neovim's own choices for the sibling files
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
    ['fetchmailrc'] = 'fetchmail',
    ['.offlineimaprc'] = 'dosini',
    ['offlineimaprc'] = 'dosini',
    ['config-v1.1.xml'] = 'xml',
  },
  pattern = {
    ['%.env%.[%w_.-]+'] = 'sh', -- .env.production, .env.local
    ['.*/aerc/accounts%.conf'] = 'dosini',
    ['.*/postfix/main%.cf'] = 'pfmain',
  },
})
