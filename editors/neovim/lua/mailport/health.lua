-- :checkhealth mailport
local M = {}

function M.check()
  vim.health.start('mailport')
  local config = vim.lsp.config.mailport
  local cmd = config and config.cmd
  if type(cmd) ~= 'table' or type(cmd[1]) ~= 'string' then
    vim.health.error('vim.lsp.config.mailport has no cmd', { "put editors/neovim on 'runtimepath'" })
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    vim.health.error(cmd[1] .. ' is not an executable', {
      'put mailport on PATH (cargo install --path . in a mailport checkout)',
      "or vim.lsp.config('mailport', { cmd = { '/full/path/to/mailport', 'lsp' } })",
    })
    return
  end
  local res = vim.system({ exe, '--version' }, { text = true }):wait()
  if res.code == 0 then
    vim.health.ok(('%s (%s)'):format(vim.trim(res.stdout or ''), exe))
  else
    vim.health.error(('%s --version failed: %s'):format(exe, vim.trim(res.stderr or '')))
  end
  if vim.lsp.is_enabled then
    if vim.lsp.is_enabled('mailport') then
      vim.health.ok('enabled')
    else
      vim.health.warn('not enabled', { "vim.lsp.enable('mailport')" })
    end
  end
end

return M
