-- Which buffers mailport attaches to. Neovim starts LSP servers by filetype,
-- but many mail settings live in files whose filetype says little (`sh` for a
-- .env, `python` for settings.py, `php` for wp-config.php), so for those the
-- file name decides. YAML, JSON, TOML, INI and properties are read by mailport's
-- generic profile whatever their name.
local M = {}

--- Filetypes whose every buffer is worth a look.
M.generic_filetypes = {
  'yaml', 'yaml.docker-compose', 'json', 'jsonc', 'toml', 'dosini', 'confini', 'jproperties',
  'msmtp', 'mbsync', 'muttrc', 'neomuttrc', 'fetchmail', 'pfmain',
  'hjson', -- Lemmy's lemmy.hjson
  'dockerfile', -- ENV instructions
}

--- Filetypes used by other files too: attach only when the name matches below.
--- (`lisp` is every `.el` file: only the Emacs init files below are claimed.)
M.named_filetypes = { 'sh', 'conf', 'rc', 'xml', 'python', 'php', 'ruby', 'properties', 'lisp', 'text', '' }

--- Lua patterns matched against the full path (with `/` separators).
M.name_patterns = {
  '/%.env$', '/%.env%.[^/]+$', '/[^/]+%.env$',
  '/docker%-compose[^/]*%.ya?ml$', '/compose[^/]*%.ya?ml$',
  '/application[^/]*%.properties$', '/application[^/]*%.ya?ml$',
  '/app%.ini$', '/grafana%.ini$', '/custom%.ini$',
  '/%.?offlineimaprc$', '/aerc/accounts%.conf$', '/himalaya/config%.toml$',
  '/%.?msmtprc$', '%.msmtprc$', '/%.?mbsyncrc$', '/%.?isyncrc$',
  '/%.?muttrc$', '%.muttrc$', '/%.?neomuttrc$', '%.neomuttrc$', '/%.?fetchmailrc$',
  '/main%.cf$', '/master%.cf$', '/%.?mailrc$', '/%.nailrc$', '/nail%.rc$', '/s%-nail%.rc$', '/mail%.rc$',
  '/ssmtp%.conf$', '/nullmailer/remotes$', '/%.?esmtprc$',
  '/%.claws%-mail/accountrc$', '/%.?pinerc$', '/pine%.conf$', '/getmailrc$',
  '/config%-v1%.1%.xml$',
  '/settings%.py$', '/settings/[^/]+%.py$',
  '/config%.php$', '/wp%-config%.php$', '/config/mail%.php$',
  '/gitlab%.rb$', '/config/environments/[^/]+%.rb$',
  -- Emacs init files (smtpmail settings); any other .el file is left alone
  '/%.emacs$', '/_emacs$', '/%.gnus$', '/%.gnus%.el$', '/init%.el$',
}

local generic = {}
for _, ft in ipairs(M.generic_filetypes) do
  generic[ft] = true
end

--- True when mailport should read a buffer with this path and filetype.
---@param path string
---@param filetype string
---@return boolean
function M.claims(path, filetype)
  if generic[filetype] then
    return true
  end
  path = path:gsub('\\', '/')
  for _, pat in ipairs(M.name_patterns) do
    if path:find(pat) then
      return true
    end
  end
  return false
end

--- Every filetype the server config lists.
function M.filetypes()
  local all = vim.list_extend(vim.list_slice(M.generic_filetypes), M.named_filetypes)
  return vim.tbl_filter(function(ft)
    return ft ~= ''
  end, all)
end

return M
